// Call-context stores: which incoming transaction is the current code running on behalf of?
// libbinder knows from the thread; JavaScript has no threads, so the session records it in an
// async context. Nested calls (a service calling back into its caller) must go out on the
// connection the caller is blocked on, and getCallingIdentity() reports that connection's peer.
//
// src/ cannot import node:async_hooks, so the store is part of the Platform: a runtime
// adapter's platform makes AsyncLocalStorage ones (Node, Deno and Bun all have it); the
// portable platform's store sees the context only in the synchronous part of a handler
// (before its first await), and the session then falls back to choosing any connection whose
// peer is waiting on us (still correct on the wire).

export interface ContextStore<T> {
  run<R>(value: T, fn: () => R): R;
  get(): T | undefined;
}

/** How a platform makes call-context stores. */
export interface ContextStores {
  /** A new, empty store. */
  create<T>(): ContextStore<T>;
  /** Whether its stores follow a call across awaits. */
  readonly async: boolean;
}

class SyncContextStore<T> implements ContextStore<T> {
  private current: T | undefined;
  run<R>(value: T, fn: () => R): R {
    const prev = this.current;
    this.current = value;
    try { return fn(); } finally { this.current = prev; }
  }
  get(): T | undefined { return this.current; }
}

/** Stores that see the context only until the handler's first await (every runtime has them). */
export const syncContextStores: ContextStores = Object.freeze({
  create: <T>(): ContextStore<T> => new SyncContextStore<T>(),
  async: false,
});

/** The AsyncLocalStorage shape (node:async_hooks, which Node, Deno and Bun all have). */
export interface AsyncLocalStorageLike<T> { run<R>(store: T, fn: () => R): R; getStore(): T | undefined }

/** Stores over AsyncLocalStorage: what the runtime adapters' platforms use. */
export function asyncLocalStorageStores(ALS: new <T>() => AsyncLocalStorageLike<T>): ContextStores {
  return Object.freeze({
    create<T>(): ContextStore<T> {
      const als = new ALS<T>();
      return { run: (value: T, fn) => als.run(value, fn), get: () => als.getStore() };
    },
    async: true,
  });
}
