// A handler's promise, seen through the synchronous steps each layer adds before the session
// waits for it: the generated stub writes the result, Binder turns it into a status, and the
// session sends the reply. Chaining `.then` at every layer made a promise (and a microtask) per
// layer per call; on Node 20 each promise also runs AsyncLocalStorage's hooks. A Later keeps
// the steps and runs them all in the one reaction its consumer attaches.
//
// Each step is synchronous. A step that throws passes the error to the next step's `err`.

type Step = { ok: (v: any) => unknown; err: ((e: unknown) => unknown) | undefined };

export class Later<T> implements PromiseLike<T> {
  private constructor(private readonly source: PromiseLike<unknown>, private readonly steps: readonly Step[]) {}

  /** `source` (a promise, or another Later) followed by a step: `ok` maps its value; `err`
   *  (when given) maps its error to a value, else the error passes on. */
  static map<S, T>(source: PromiseLike<S>, ok: (v: S) => T, err?: (e: unknown) => T): Later<T> {
    const step: Step = { ok, err };
    if (source instanceof Later) return new Later<T>(source.source, [...source.steps, step]);
    return new Later<T>(source, [step]);
  }

  then<A = T, B = never>(onOk?: ((v: T) => A | PromiseLike<A>) | null, onErr?: ((e: unknown) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
    return this.source.then(
      (v) => this.settle(true, v, onOk, onErr),
      (e) => this.settle(false, e, onOk, onErr),
    ) as PromiseLike<A | B>;
  }

  private settle(ok: boolean, value: unknown, onOk: ((v: T) => unknown) | null | undefined,
      onErr: ((e: unknown) => unknown) | null | undefined): unknown {
    for (const step of this.steps) {
      if (!ok && !step.err) continue;
      try {
        value = ok ? step.ok(value) : step.err!(value);
        ok = true;
      } catch (e) {
        ok = false;
        value = e;
      }
    }
    if (ok) return onOk ? onOk(value as T) : value;
    if (onErr) return onErr(value);
    throw value;
  }
}
