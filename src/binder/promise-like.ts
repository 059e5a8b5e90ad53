// Handlers may answer synchronously or with a promise; the synchronous path makes no promise
// at all (on Node 20 every promise also pays for AsyncLocalStorage's hook).
export function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}
