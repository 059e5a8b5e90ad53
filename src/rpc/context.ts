// Which incoming transaction is the current code running on behalf of? libbinder knows from
// the thread; JavaScript has no threads, so the session records it in an async context.
// Nested calls (a service calling back into its caller) must go out on the connection the
// caller is blocked on, and getCallingIdentity() reports that connection's peer.
//
// src/ cannot import node:async_hooks, so the store is pluggable: a runtime adapter installs
// AsyncLocalStorage (Node, Deno and Bun all have it); without one, the context is visible
// only to the synchronous part of a handler (before its first await), and the session falls
// back to choosing any connection whose peer is waiting on us (still correct on the wire).

export interface ContextStore<T> {
  run<R>(value: T, fn: () => R): R;
  get(): T | undefined;
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

/** Factory for context stores; replaced by a runtime adapter with an async-aware one. */
let factory: <T>() => ContextStore<T> = () => new SyncContextStore();
let installed = false;

export function setContextStoreFactory(f: <T>() => ContextStore<T>): void {
  factory = f;
  installed = true;
}
export function hasAsyncContext(): boolean { return installed; }
export function createContextStore<T>(): ContextStore<T> { return factory<T>(); }

/** The AsyncLocalStorage shape (node:async_hooks, which Node, Deno and Bun all have). */
export interface AsyncLocalStorageLike<T> { run<R>(store: T, fn: () => R): R; getStore(): T | undefined }

/** Install AsyncLocalStorage as the context store: what every runtime adapter does at import. */
export function useAsyncLocalStorage(ALS: new <T>() => AsyncLocalStorageLike<T>): void {
  setContextStoreFactory(<T>() => {
    const als = new ALS<T>();
    return { run: (value: T, fn) => als.run(value, fn), get: () => als.getStore() };
  });
}
