// A hand-written service with the shapes the session tests need: nested callbacks, oneways,
// exceptions, binders passed around, slow calls. Same class on both sides of a session.
import { Binder, FLAG_ONEWAY, ServiceSpecificException, type IBinder, type Parcel } from "../../src/index.js";
import { readException, writeException, writeNoException } from "../../src/codegen.js";
import { BinderProxy } from "../../src/binder/proxy.js";

export const DESCRIPTOR = "test.INester";
export const Code = {
  NEST: 1, RECORD: 2, RECORDED: 3, THROW_SSE: 4, HOLD: 5, RELEASE_HELD: 6, RETURN_BINDER: 7,
  SLOW: 8, CALL_HELD_ONEWAY: 9, IDENTITY: 10,
} as const;

/** A count that tests can wait on: `reached(n)` settles once it is at least n. */
export class Tally {
  private n = 0;
  private readonly waiters: { n: number; resolve: () => void }[] = [];
  add(): void {
    this.n++;
    for (const w of this.waiters.filter((x) => x.n <= this.n)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(); }
  }
  reached(n: number): Promise<void> {
    return this.n >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

export class Nester extends Binder {
  readonly recorded: number[] = [];
  readonly held: IBinder[] = [];
  /** SLOW calls begun and binders held here: a test that needs calls in progress, or a peer's
   *  HOLD done, waits on these instead of sleeping or polling. */
  readonly slowStarted = new Tally();
  readonly holds = new Tally();
  constructor(readonly name: string) { super(DESCRIPTOR); }

  protected async onTransact(code: number, data: Parcel, reply: Parcel): Promise<boolean> {
    data.enforceInterface(DESCRIPTOR);
    try {
      switch (code) {
        case Code.NEST: {
          const other = data.readStrongBinderNonNull();
          const depth = data.readInt32();
          const result = depth === 0 ? "leaf" : `${this.name}>${await nest(other, this, depth - 1)}`;
          writeNoException(reply);
          reply.writeString16(result);
          return true;
        }
        case Code.RECORD:
          this.recorded.push(data.readInt32());
          return true;
        case Code.RECORDED:
          writeNoException(reply);
          reply.writeInt32Array(this.recorded);
          return true;
        case Code.THROW_SSE:
          throw new ServiceSpecificException(data.readInt32(), "asked to fail");
        case Code.HOLD:
          this.held.push(data.readStrongBinderNonNull());
          this.holds.add();
          writeNoException(reply);
          return true;
        case Code.RELEASE_HELD:
          for (const b of this.held.splice(0)) if (b instanceof BinderProxy) b.dispose();
          writeNoException(reply);
          return true;
        case Code.RETURN_BINDER: {
          const b = data.readStrongBinder();
          writeNoException(reply);
          reply.writeStrongBinder(b);
          return true;
        }
        case Code.SLOW: {
          const ms = data.readInt32();
          this.slowStarted.add();
          await new Promise((r) => setTimeout(r, ms)); // the call's duration is what it is for
          writeNoException(reply);
          reply.writeInt32(ms);
          return true;
        }
        default:
          return false;
      }
    } catch (e) {
      reply.reset();
      writeException(reply, e);
      return true;
    }
  }
}

async function call(b: IBinder, code: number, write: (p: Parcel) => void, flags = 0): Promise<Parcel> {
  const data = b.newParcel();
  try {
    data.writeInterfaceToken(DESCRIPTOR);
    write(data);
    const reply = await b.transact(code, data, flags);
    if (!(flags & FLAG_ONEWAY)) {
      try { readException(reply); } catch (e) { reply.dispose(); throw e; }
    }
    return reply;
  } finally { data.dispose(); }
}

export async function nest(target: IBinder, self: IBinder, depth: number): Promise<string> {
  const r = await call(target, Code.NEST, (p) => { p.writeStrongBinder(self); p.writeInt32(depth); });
  try { return r.readString16()!; } finally { r.dispose(); }
}
export async function record(target: IBinder, i: number): Promise<void> {
  (await call(target, Code.RECORD, (p) => p.writeInt32(i), FLAG_ONEWAY)).dispose();
}
export async function recorded(target: IBinder): Promise<number[]> {
  const r = await call(target, Code.RECORDED, () => {});
  try { return r.readInt32Array()!; } finally { r.dispose(); }
}
export async function throwSse(target: IBinder, code: number): Promise<void> {
  (await call(target, Code.THROW_SSE, (p) => p.writeInt32(code))).dispose();
}
export async function hold(target: IBinder, b: IBinder): Promise<void> {
  (await call(target, Code.HOLD, (p) => p.writeStrongBinder(b))).dispose();
}
export async function releaseHeld(target: IBinder): Promise<void> {
  (await call(target, Code.RELEASE_HELD, () => {})).dispose();
}
export async function returnBinder(target: IBinder, b: IBinder | null): Promise<IBinder | null> {
  const r = await call(target, Code.RETURN_BINDER, (p) => p.writeStrongBinder(b));
  try { return r.readStrongBinder(); } finally { r.dispose(); }
}
export async function slow(target: IBinder, ms: number): Promise<number> {
  const r = await call(target, Code.SLOW, (p) => p.writeInt32(ms));
  try { return r.readInt32(); } finally { r.dispose(); }
}
