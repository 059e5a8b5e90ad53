// Helpers for the backpressure tests: a service that answers with as many bytes as asked, and
// a transport wrapper that watches its connections (bytes handed to the session, the most ever
// queued unsent, pauses). The raw peer that stops reading is bench/lib/raw-peer.mjs.
import { callData } from "../rpc/raw-peer.js";
import { Binder, Parcel, type IBinder } from "../../src/index.js";
import { readException, writeNoException } from "../../src/codegen.js";
import { type RpcTransport, type TransportConnection } from "../../src/transport.js";

export const BULK = "test.IBulk";
export const BulkCode = { BYTES: 1, ECHO: 2, RECORD: 3, RECORDED: 4 } as const;

/** A promise that settles when a counter reaches a value. */
export class Counter {
  value = 0;
  private waiters: { at: number; resolve: () => void }[] = [];
  add(n = 1): void {
    this.value += n;
    this.waiters = this.waiters.filter((w) => (w.at <= this.value ? (w.resolve(), false) : true));
  }
  reach(at: number): Promise<void> {
    return at <= this.value ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ at, resolve }));
  }
}

/** BYTES(n, tag) -> (tag, byte[n] filled with tag & 0xff); ECHO(tag, byte[]) -> (tag, the
 *  same bytes); RECORD(tag) records (oneway); RECORDED() -> int[] of tags recorded. */
export class BulkService extends Binder {
  readonly calls = new Counter();
  readonly recorded: number[] = [];
  readonly records = new Counter();
  constructor() { super(BULK); }
  /** A two-way call's reply: no exception, the caller's tag, then the bytes. */
  private answer(reply: Parcel, tag: number, bytes: Uint8Array | null): boolean {
    this.calls.add();
    writeNoException(reply);
    reply.writeInt32(tag);
    reply.writeByteArray(bytes);
    return true;
  }
  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean {
    data.enforceInterface(BULK);
    switch (code) {
      case BulkCode.BYTES: {
        const n = data.readInt32();
        const tag = data.readInt32();
        return this.answer(reply, tag, new Uint8Array(n).fill(tag & 0xff));
      }
      case BulkCode.ECHO: {
        const tag = data.readInt32();
        return this.answer(reply, tag, data.readByteArray());
      }
      case BulkCode.RECORD:
        this.recorded.push(data.readInt32());
        data.readByteArray(); // ballast
        this.records.add();
        return true;
      case BulkCode.RECORDED:
        writeNoException(reply);
        reply.writeInt32Array(this.recorded);
        return true;
      default:
        return false;
    }
  }
}

/** BYTES through the client API: the tag and the length of what came back. */
export async function askBytes(b: IBinder, n: number, tag: number): Promise<{ tag: number; length: number; fill: number }> {
  const data = b.newParcel();
  data.writeInterfaceToken(BULK);
  data.writeInt32(n);
  data.writeInt32(tag);
  const reply = await b.transact(BulkCode.BYTES, data);
  data.dispose();
  try {
    readException(reply);
    const t = reply.readInt32();
    const bytes = reply.readByteArray()!;
    return { tag: t, length: bytes.length, fill: bytes.length ? bytes[0]! : -1 };
  } finally { reply.dispose(); }
}

/** What a watched connection did. */
export class Watched {
  /** Bytes handed to the session. */
  delivered = 0;
  /** The most the transport held unsent right after a write. */
  maxBuffered = 0;
  paused = false;
  readonly pauses = new Counter();
  readonly resumes = new Counter();
  constructor(readonly tc: TransportConnection) {}
}

/** Instrument a connection in place (its methods are wrapped on the instance). */
export function watch(tc: TransportConnection): Watched {
  const w = new Watched(tc);
  const { start, write, writeNow, pauseReading, resumeReading } = tc;
  const after = () => { if (tc.bufferedAmount > w.maxBuffered) w.maxBuffered = tc.bufferedAmount; };
  tc.start = (sink) => start.call(tc, {
    data: (chunk, fds, lent) => { w.delivered += chunk.length; sink.data(chunk, fds, lent); },
    end: (e) => sink.end(e),
  });
  tc.write = (bytes, fds, more) => { write.call(tc, bytes, fds, more); after(); };
  if (writeNow) tc.writeNow = (bytes) => { const r = writeNow.call(tc, bytes); after(); return r; };
  tc.pauseReading = () => { w.paused = true; pauseReading.call(tc); w.pauses.add(); };
  tc.resumeReading = () => { w.paused = false; resumeReading.call(tc); w.resumes.add(); };
  return w;
}

/** `inner` with every connection it makes or accepts watched; `accepted` counts them. */
export function watchedTransport(inner: RpcTransport): RpcTransport & { accepted: Watched[]; connected: Watched[]; acceptedCount: Counter } {
  const accepted: Watched[] = [];
  const connected: Watched[] = [];
  const acceptedCount = new Counter();
  return {
    name: `watched ${inner.name}`,
    accepted, connected, acceptedCount,
    async connect(address) {
      const tc = await inner.connect(address);
      connected.push(watch(tc));
      return tc;
    },
    listen: (address, on) => inner.listen(address, (tc) => { accepted.push(watch(tc)); acceptedCount.add(); on(tc); }),
  };
}

/** A parcel for a BULK call: the interface token and what `write` adds. */
export function bulkRequest(write: (p: Parcel) => void): Uint8Array {
  return callData(BULK, write);
}
