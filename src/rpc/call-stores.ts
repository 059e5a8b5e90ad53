// The call-context store of each platform that has sessions (the store itself is described in
// platform/context-store.ts). A session runs the calls it serves inside its platform's store;
// getCallingIdentity(), which has no session to ask, looks in every platform's store. Stores
// are made once per platform and live as long as it does: no setter, no global store.
import type { ContextStore } from "../platform/context-store.js";
import type { Platform } from "../platform/platform.js";

export class CallStores<T> {
  private readonly stores = new WeakMap<Platform, ContextStore<T>>();
  /** The platforms with a store, held weakly: a platform dropped by its embedder goes. */
  private platforms: WeakRef<Platform>[] = [];

  /** The store of `platform` (the same object for every session on it). */
  of(platform: Platform): ContextStore<T> {
    let store = this.stores.get(platform);
    if (!store) {
      store = platform.context.create<T>();
      this.stores.set(platform, store);
      this.platforms = this.platforms.filter((r) => r.deref() !== undefined);
      this.platforms.push(new WeakRef(platform));
    }
    return store;
  }

  /** The value the running code is inside, in whichever platform's store holds one. */
  current(): T | undefined {
    for (const ref of this.platforms) {
      const platform = ref.deref();
      const value = platform && this.stores.get(platform)?.get();
      if (value !== undefined) return value;
    }
    return undefined;
  }
}
