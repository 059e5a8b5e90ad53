// Later: the steps a handler's result passes through run in one reaction to its promise.
import { describe, expect, it } from "vitest";
import { Later } from "../../src/binder/later.js";

/** A promise that counts the reactions attached to it. */
function counted<T>(p: Promise<T>): Promise<T> & { reactions: number } {
  const q = p as Promise<T> & { reactions: number };
  q.reactions = 0;
  const then = p.then.bind(p);
  q.then = ((a: never, b: never) => { q.reactions++; return then(a, b); }) as typeof p.then;
  return q;
}

describe("Later", () => {
  it("runs every step, in order, in one reaction to the source", async () => {
    const src = counted(Promise.resolve(2));
    const order: string[] = [];
    const a = Later.map(src, (v: number) => { order.push("a"); return v * 10; });
    const b = Later.map(a, (v) => { order.push("b"); return v + 1; });
    expect(order).toEqual([]);
    expect(await b).toBe(21);
    expect(order).toEqual(["a", "b"]);
    expect(src.reactions).toBe(1);
  });

  it("an error skips steps without `err` and is mapped by the first that has one", async () => {
    const seen: string[] = [];
    const a = Later.map(Promise.reject(new Error("boom")), () => { seen.push("ok-a"); return 1; });
    const b = Later.map(a, () => { seen.push("ok-b"); return 2; }, (e) => { seen.push(`err-b:${(e as Error).message}`); return 3; });
    const c = Later.map(b, (v) => v * 100);
    expect(await c).toBe(300);
    expect(seen).toEqual(["err-b:boom"]);
  });

  it("a step that throws passes its error on; unmapped, the consumer's onErr (or await) gets it", async () => {
    const a = Later.map(Promise.resolve(1), () => { throw new Error("step failed"); });
    const b = Later.map(a, () => 2);
    await expect(b as PromiseLike<number>).rejects.toThrow("step failed");
    const got = await b.then(() => "ok", (e) => `caught ${(e as Error).message}`);
    expect(got).toBe("caught step failed");
  });

  it("mapping a Later leaves the original's steps as they were", async () => {
    const a = Later.map(Promise.resolve(1), (v: number) => v + 1);
    const b = Later.map(a, (v) => v * 10);
    expect(await a).toBe(2);
    expect(await b).toBe(20);
  });
});
