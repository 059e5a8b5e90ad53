// The call-context stores of the Deno platform (src/platform/context-store.ts says what they
// are for).
//
// Deno's AsyncLocalStorage.run() is costly on a server: each run makes a new context mapping
// and adds an entry to a WeakMap that only garbage collection empties. Measured on a null call
// between two Deno processes on one core: 45.6 µs with it, 42.3 µs with the store below, 41.8
// with no async context at all; scavenges of the server went from 0.14 to 1.3 ms.
//
// Both ride the same mechanism: V8's continuation-preserved embedder data, which Deno's core
// exposes as getAsyncContext/setAsyncContext and which every promise reaction carries along.
// The store below keeps the call context in that mapping directly, under a key of its own, in
// the shape Deno's own AsyncVariable uses (a null-prototype object copied on each entry), so
// each sees the other's values inside the other's runs. Those two functions are Deno
// internals: they are used only when present and when a synchronous check when the platform
// is built shows the mapping behaves as described, and belong to the accelerated tier (off with
// TSBINDER_ACCELERATE=0, native.ts); otherwise AsyncLocalStorage is used.
import { AsyncLocalStorage } from "node:async_hooks";
import { asyncLocalStorageStores, type ContextStore, type ContextStores } from "../../src/platform/context-store.js";
import { accelerated } from "./native.js";

type Mapping = Record<PropertyKey, unknown> | undefined;
interface AsyncContextCore { getAsyncContext(): Mapping; setAsyncContext(m: Mapping): void }

function asyncContextCore(): AsyncContextCore | null {
  const d = Deno as unknown as { internal?: symbol } & Record<symbol, { core?: Partial<AsyncContextCore> } | undefined>;
  const core = d.internal !== undefined ? d[d.internal]?.core : undefined;
  if (typeof core?.getAsyncContext !== "function" || typeof core.setAsyncContext !== "function") return null;
  return core as AsyncContextCore;
}

function mappingStore<T>(core: AsyncContextCore): ContextStore<T> {
  // a string key: Deno counts a mapping with no string keys as no context at all
  const key = "tsbinder.callContext";
  return {
    run<R>(value: T, fn: () => R): R {
      const prev = core.getAsyncContext();
      core.setAsyncContext({ __proto__: null, ...prev, [key]: value } as Mapping);
      try { return fn(); } finally { core.setAsyncContext(prev); }
    },
    get: () => core.getAsyncContext()?.[key] as T | undefined,
  };
}

/** Does the mapping store nest with AsyncLocalStorage both ways and restore what it found? */
function behaves(core: AsyncContextCore): boolean {
  try {
    const ours = mappingStore<string>(core);
    const als = new AsyncLocalStorage<string>();
    const before = core.getAsyncContext();
    const inner = ours.run("ours", () => als.run("als", () => `${ours.get()}+${als.getStore()}`));
    const outer = als.run("als", () => ours.run("ours", () => `${ours.get()}+${als.getStore()}`));
    return inner === "ours+als" && outer === "ours+als" && ours.get() === undefined && core.getAsyncContext() === before;
  } catch {
    return false;
  }
}

export type CallContextKind = "async-context-mapping" | "AsyncLocalStorage";

/** The stores Deno offers here: over its context mapping where it behaves, else
 *  AsyncLocalStorage; and which of the two. */
export function denoContextStores(): { stores: ContextStores; kind: CallContextKind } {
  const core = accelerated() ? asyncContextCore() : null;
  if (core && behaves(core)) {
    return { stores: Object.freeze({ create: <T>() => mappingStore<T>(core), async: true }), kind: "async-context-mapping" };
  }
  return { stores: asyncLocalStorageStores(AsyncLocalStorage), kind: "AsyncLocalStorage" };
}
