// The session fuzz harness: in-process fake transports, builders for valid handshakes and
// frames in every dialect (all bytes come from src/wire encoders and frame builders, then get
// mutated), fast-check arbitraries for four kinds of input, and the rigs that feed an input
// to a server (or a client) session and check what must hold afterwards:
//   - no exception escapes (sink.data never throws; client calls fail only with the library's
//     own error classes) and nothing internal is logged (TypeError text etc. in a warning);
//   - no unhandled promise rejection;
//   - no hang: once the peer's stream has ended, everything settles within a bounded number of
//     event-loop turns (connections closed, sessions gone, calls settled);
//   - no leak: the number of live parcels (counted in the core, ./counters.ts) returns to where
//     it was, no parcel is freed only by the garbage collector; heap and wasm memory stay flat
//     over a run (checked by the callers);
//   - the server still serves a fresh, valid client afterwards (checkEcho);
//   - conforming peers are served correctly: a server input made only of calls a conforming
//     client could send gets every two-way call answered and no protocol complaint; a client
//     talking to a conforming fake server connects and every call succeeds, however the bytes
//     are split.
// Inputs:
//   (1) raw            random bytes as a whole connection stream
//   (2) handshake+bytes a valid (sometimes mutated) handshake in any dialect, then random bytes
//   (3) frames         a handshake, then frames at one of three hostility levels (well-formed
//                      calls on real objects / mostly so / anything: lying bodySize and
//                      parcelDataSize, unknown commands and option bits, addresses never given
//                      out, object tables out of order or range, asyncNumbers out of order,
//                      DEC_STRONG amounts too big, random parcel bodies, truncation), sometimes a
//                      second connection attached to the session; all split at random points
//   (4) client         a fake server feeding a client random or mutated handshake responses,
//                      replies and unprompted frames (or, for a quarter of inputs, a conforming
//                      fake server), split at random points
import "./counters.js"; // first: counts parcels from their creation on
import { liveParcels, parcelCounts } from "./counters.js";
import fc from "fast-check";
import {
  BinderError, ParcelError, StatusCode, ProtocolError, ServiceException, RpcServer, getService,
  type IBinder, type Parcel as ParcelT, type RpcSession, type Logger,
} from "../../src/index.js";
import { writeException, writeNoException } from "../../src/codegen.js";
import { connectSession } from "../../src/transport.js";
import { Parcel } from "../../src/parcel/parcel.js";
import { core, portableByteCopies } from "../../src/core/core.js";
import type {
  ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener,
} from "../../src/rpc/transport.js";
import {
  encodeConnectionHeader, encodeConnectionInit, encodeNewSessionResponse, encodeWireHeader, decodeWireHeader,
  decodeTransaction, encodeTransaction, decodeReply, encodeReply, replySize, decodeR34Transaction, WIRE_VERSION_EXPERIMENTAL,
} from "../../src/wire/structs.js";
import { decStrongFrame, transactionFrame, r34TransactionFrame, replyFrame } from "../../src/wire/frames.js";
import { FLAG_TOP_LEVEL, SPECIAL_PIPELINE_DEPTH } from "../../src/rpc/pipelining.js";
import { aosp, R34, parcelMode, type Dialect } from "../../src/rpc/dialect.js";
import { r34Address } from "../../src/rpc/address.js";
import { SERVICE_DIRECTORY_DESCRIPTOR } from "../../src/rpc/service-directory.js";
import { SIZES } from "../../src/core/core.js";
import { INTERFACE_TRANSACTION, PING_TRANSACTION, FLAG_ONEWAY } from "../../src/binder/ibinder.js";
import { BinderProxy } from "../../src/binder/proxy.js";
import { HelloService, HELLO, echo } from "../rpc/helpers.js";
import { Nester, DESCRIPTOR as NESTER, Code as NC, nest, hold } from "../rpc/test-service.js";

export { liveParcels, parcelCounts, fc };

// ---- small utilities ------------------------------------------------------------------------

export const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

export function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += (x < 16 ? "0" : "") + x.toString(16);
  return s;
}
export function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
/** A real copy (a Node Buffer's slice() is a view). */
export function copyOf(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}
function u32words(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

/** A failed property: what kind, and the details for the report. */
export class FuzzFailure extends Error {
  override name = "FuzzFailure";
  constructor(readonly kind: "crash" | "hang" | "leak" | "internal" | "broken", message: string) {
    super(`${kind}: ${message}`);
  }
}

/** Text that only an internal bug puts into a message (the session catches everything it
 *  reads and logs the reason: a TypeError there would otherwise pass unnoticed). */
const INTERNAL = /Cannot read|Cannot set|is not a function|is not iterable|is not defined|Maximum call stack|out of bounds|Invalid typed array|Invalid array length|core aborted|unreachable|RuntimeError|TypeError|ReferenceError|RangeError/;

export class LogCapture implements Logger {
  messages: string[] = [];
  total = 0;
  warn(message: string): void {
    this.total++;
    if (this.messages.length < 50) this.messages.push(message);
  }
  clear(): void { this.messages = []; }
  internal(): string | undefined { return this.messages.find((m) => INTERNAL.test(m)); }
}

// ---- process-level watchers ---------------------------------------------------------------

export const watcher = {
  rejections: [] as unknown[],
  uncaught: [] as unknown[],
  installed: false,
};
const onRejection = (reason: unknown) => { watcher.rejections.push(reason); };
const onUncaught = (err: unknown) => { watcher.uncaught.push(err); };
/** Record unhandled rejections (and, with `uncaught`, uncaught exceptions) while a run lasts. */
export function installWatchers(uncaught = false): () => void {
  process.on("unhandledRejection", onRejection);
  if (uncaught) process.on("uncaughtException", onUncaught);
  watcher.installed = true;
  return () => {
    process.off("unhandledRejection", onRejection);
    if (uncaught) process.off("uncaughtException", onUncaught);
    watcher.installed = false;
  };
}
function takeProcessFailures(): FuzzFailure | null {
  if (watcher.rejections.length) {
    const r = watcher.rejections.splice(0);
    return new FuzzFailure("crash", `unhandled rejection: ${describeError(r[0])}`);
  }
  if (watcher.uncaught.length) {
    const u = watcher.uncaught.splice(0);
    return new FuzzFailure("crash", `uncaught exception: ${describeError(u[0])}`);
  }
  return null;
}
export function describeError(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

// ---- memory --------------------------------------------------------------------------------

let gcFn: (() => void) | null | undefined;
/** A forced full GC if the process allows one (--expose-gc, or enabled at run time). */
export async function forceGc(): Promise<boolean> {
  if (gcFn === undefined) {
    gcFn = (globalThis as { gc?: () => void }).gc ?? null;
    if (!gcFn) {
      try {
        const v8 = await import("node:v8");
        const vm = await import("node:vm");
        v8.setFlagsFromString("--expose-gc");
        gcFn = vm.runInNewContext("gc") as () => void;
      } catch { gcFn = null; }
    }
  }
  if (!gcFn) return false;
  // collect, let finalization callbacks run (what they hold goes only then), collect again
  gcFn();
  await new Promise((r) => setTimeout(r, 20));
  gcFn();
  await immediate();
  gcFn();
  return true;
}
export interface MemorySample { heapUsed: number; arrayBuffers: number; rss: number; wasm: number; liveParcels: number; collectedParcels: number }
export async function sampleMemory(): Promise<MemorySample> {
  await forceGc();
  const m = process.memoryUsage();
  return {
    heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss, wasm: core.memory.buffer.byteLength,
    liveParcels: liveParcels(), collectedParcels: parcelCounts.collected,
  };
}
export const MB = 1024 * 1024;
export function fmtMem(m: MemorySample): string {
  return `heap ${(m.heapUsed / MB).toFixed(1)} MB, arrayBuffers ${(m.arrayBuffers / MB).toFixed(1)} MB, ` +
    `wasm ${(m.wasm / MB).toFixed(2)} MB, rss ${(m.rss / MB).toFixed(0)} MB, live parcels ${m.liveParcels}, ` +
    `parcels freed only by GC ${m.collectedParcels}`;
}

// ---- fake transports -----------------------------------------------------------------------

const FAKE_PEER: PeerIdentity = { kind: "anonymous", reason: "fuzz" };

/** One end of an in-process connection. Whoever drives it pushes bytes in (push) and ends the
 *  stream (end); what the session writes is handed to onWrite (and counted). close() ends the
 *  stream a microtask later, as a socket's 'close' event would. With `scribble`, every chunk is
 *  overwritten after sink.data returns (the transport contract allows reusing the buffer). */
export class FakeConnection implements TransportConnection {
  readonly peer = FAKE_PEER;
  readonly canPassFds = false;
  sink: ConnectionSink | null = null;
  closed = false;
  ended = false;
  writes = 0;
  writtenBytes = 0;
  onWrite: ((bytes: Uint8Array) => void) | null = null;
  private started!: () => void;
  readonly whenStarted = new Promise<void>((r) => { this.started = r; });

  constructor(readonly description: string, private readonly scribble = false) {}

  // what the session writes is handed over at once: nothing is ever queued
  readonly bufferedAmount = 0;
  onDrain(cb: () => void): void { queueMicrotask(cb); }
  /** The driver pushes regardless: a held connection still gets its bytes queued. */
  paused = false;
  pauseReading(): void { this.paused = true; }
  resumeReading(): void { this.paused = false; }

  start(sink: ConnectionSink): void {
    if (this.sink) throw new FuzzFailure("crash", "start() called twice");
    this.sink = sink;
    this.started();
  }
  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (this.closed || this.ended) return;
    this.writes++;
    this.writtenBytes += bytes.length;
    this.onWrite?.(copyOf(bytes));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.end());
  }
  /** Deliver bytes (synchronously, like a socket 'data' event). Throws what sink.data throws. */
  push(chunk: Uint8Array): void {
    if (!this.sink || this.ended || chunk.length === 0) return;
    if (this.scribble) {
      const buf = copyOf(chunk);
      this.sink.data(buf);
      buf.fill(0xee);
    } else {
      this.sink.data(copyOf(chunk));
    }
  }
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.end(error);
  }
}

/** A transport whose connections are in-process pairs; the listening side is an RpcServer.
 *  Bytes cross in a microtask, copied. Used for the valid sessions of checkEcho. */
export class PairTransport implements RpcTransport {
  readonly name = "fuzz-pair";
  constructor(private readonly server: RpcServer, private readonly scribble = false) {}
  async connect(address: string): Promise<TransportConnection> {
    const a = new PairEnd(`${address}#client`, this.scribble);
    const b = new PairEnd(`${address}#server`, this.scribble);
    a.other = b;
    b.other = a;
    void this.server.accept(b);
    return a;
  }
  async listen(): Promise<TransportListener> { throw new Error("not used"); }
}
class PairEnd implements TransportConnection {
  readonly peer = FAKE_PEER;
  readonly canPassFds = false;
  other!: PairEnd;
  private sink: ConnectionSink | null = null;
  private early: Uint8Array[] = [];
  private ended = false;
  private closed = false;
  constructor(readonly description: string, private readonly scribble = false) {}
  // bytes cross in a microtask and are not counted; reading is never paused by these tests
  readonly bufferedAmount = 0;
  onDrain(cb: () => void): void { queueMicrotask(cb); }
  pauseReading(): void {}
  resumeReading(): void {}
  start(sink: ConnectionSink): void {
    this.sink = sink;
    const early = this.early.splice(0);
    queueMicrotask(() => { for (const c of early) this.deliver(c); });
  }
  write(bytes: Uint8Array): void {
    if (this.closed) return;
    const copy = copyOf(bytes);
    queueMicrotask(() => this.other.deliver(copy));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => { this.finish(); this.other.finish(); });
  }
  private deliver(chunk: Uint8Array): void {
    if (this.ended) return;
    if (!this.sink) { this.early.push(chunk); return; }
    if (!this.scribble) { this.sink.data(chunk); return; }
    // reuse one buffer for 7-byte pieces, overwritten after each delivery (so a piece of a
    // frame the session keeps past the call shows up as corruption)
    const buf = new Uint8Array(7);
    for (let at = 0; at < chunk.length && !this.ended; at += 7) {
      const n = Math.min(7, chunk.length - at);
      buf.set(chunk.subarray(at, at + n));
      this.sink.data(buf.subarray(0, n));
      buf.fill(0xee);
    }
  }
  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.closed = true;
    this.sink?.end();
  }
}

// ---- dialects, addresses, handshakes -------------------------------------------------------

export type Dial = 0 | 1 | 2 | "r34";
export const DIALS: readonly Dial[] = [0, 1, 2, "r34"];
export function dialectOf(d: Dial): Dialect { return d === "r34" ? R34 : aosp(d); }

/** The bytes a client sends to open a new session in dialect d (r34 has no handshake). */
export function clientHandshake(d: Dial, h: Partial<{ version: number; options: number; fdMode: number; sessionId: Uint8Array | null; cci: boolean }> = {}): Uint8Array {
  if (d === "r34" && h.version === undefined) return new Uint8Array(0);
  const header = encodeConnectionHeader({
    version: h.version ?? (d === "r34" ? 0 : d), options: h.options ?? 0, fdMode: h.fdMode ?? 0, sessionId: h.sessionId ?? null,
  });
  return h.cci === false ? header : concat([header, encodeConnectionInit()]);
}

/** Address choices: indices into a per-dialect pool of interesting addresses, or raw values. */
export type AddrSpec =
  | { k: "special" }
  | { k: "pool"; i: number }
  | { k: "raw"; options: number; id: number }
  | { k: "r34raw"; bytes: Uint8Array };

function versionedPool(i: number): { options: number; id: number } {
  const pool = [
    { options: 3, id: 0 }, { options: 3, id: 1 }, { options: 3, id: 2 }, { options: 3, id: 3 }, // server-made
    { options: 1, id: 0 }, { options: 1, id: 1 }, { options: 1, id: 2 }, // client-made
    { options: 2, id: 0 }, { options: 7, id: 0 }, { options: 0x80000003, id: 1 }, { options: 3, id: 0xffffffff },
  ];
  return pool[i % pool.length]!;
}
function r34Pool(i: number): Uint8Array {
  const pool = [
    r34Address(1, true), r34Address(2, true), r34Address(3, true), r34Address(4, true),
    r34Address(1, false), r34Address(2, false), r34Address(3, false),
    r34Address(0, true), r34Address(1, false).map((x, j) => (j === 8 ? 9 : x)), new Uint8Array(32).fill(0xff),
  ];
  return pool[i % pool.length]!;
}
export function resolveAddr(a: AddrSpec, d: Dial): { options: number; id: number } | Uint8Array | null {
  switch (a.k) {
    case "special": return null;
    case "pool": return d === "r34" ? r34Pool(a.i) : versionedPool(a.i);
    case "raw": return d === "r34" ? u32words([a.options, a.id, 0, 0, 0, 0, 0, 0]) : { options: a.options, id: a.id };
    case "r34raw": return d === "r34" ? a.bytes : { options: a.bytes[0]! & 7, id: a.bytes[1]! };
  }
}

// ---- parcel contents -----------------------------------------------------------------------

export type Op =
  | { o: "tok"; s: string }
  | { o: "s16"; s: string | null }
  | { o: "i32"; v: number }
  | { o: "i64"; v: bigint }
  | { o: "bytes"; v: Uint8Array | null }
  | { o: "bin"; a: AddrSpec | null; stability: number }
  | { o: "noexc" };

/** Write `ops` into `p` (a parcel in dialect d's mode). Ops that do not fit are skipped. */
export function writeOps(p: ParcelT, ops: readonly Op[], d: Dial): void {
  for (const op of ops) {
    try {
      switch (op.o) {
        case "tok": p.writeInterfaceToken(op.s); break;
        case "s16": p.writeString16(op.s); break;
        case "i32": p.writeInt32(op.v | 0); break;
        case "i64": p.writeInt64(BigInt.asIntN(64, op.v)); break;
        case "bytes": p.writeByteArray(op.v); break;
        case "noexc": writeNoException(p); break;
        case "bin": {
          const a = op.a ? resolveAddr(op.a, d) : null;
          if (a === null) p.writeStrongBinder(null);
          else if (a instanceof Uint8Array) p._writeBinderR34(a);
          else p._writeBinderAddress(a.options, a.id, op.stability);
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof ParcelError)) throw e;
    }
  }
}

function newParcelFor(d: Dial): ParcelT {
  const p = new Parcel();
  p._setMode(parcelMode(dialectOf(d)));
  return p;
}

// ---- frames -------------------------------------------------------------------------------

/** Field mutations applied to a frame built by the src frame builders. */
export interface Mut {
  /** replace the RpcWireHeader command */
  command?: number;
  /** bodySize lies by this much (u32 wrap) */
  bodyDelta?: number;
  /** r34: the length prefix lies by this much (else it follows the header) */
  prefixDelta?: number;
  /** v1+: parcelDataSize lies by this much */
  dataDelta?: number;
  /** v1+: replace the object table (u32 offsets, any order/range) */
  table?: number[];
  /** drop this many bytes from the end of the frame */
  cut?: number;
}

export type FrameSpec =
  | { t: "tx"; addr: AddrSpec; code: number; flags: number; asyncNumber: number; ops: Op[]; raw: Uint8Array | null; mut: Mut }
  | { t: "reply"; status: number; ops: Op[]; raw: Uint8Array | null; mut: Mut }
  | { t: "dec"; addr: AddrSpec; amount: number; mut: Mut }
  | { t: "bytes"; bytes: Uint8Array };

/** The bytes of one frame in dialect d: the src builders' output, then the mutations. */
export function buildFrame(f: FrameSpec, d: Dial): Uint8Array {
  if (f.t === "bytes") return f.bytes;
  let frame: Uint8Array;
  let dataSize = 0;
  if (f.t === "dec") {
    const a = resolveAddr(f.addr, d) ?? (d === "r34" ? new Uint8Array(32) : { options: 0, id: 0 });
    // a versioned dialect carries {options, id}: a 32-byte address there is the zero address
    frame = decStrongFrame(d, a instanceof Uint8Array && d !== "r34" ? { options: 0, id: 0 } : a, f.amount >>> 0, portableByteCopies);
  } else {
    const p = newParcelFor(d);
    try {
      if (f.raw) {
        // raw data: as many whole words as given (parcel data is 4-byte aligned)
        for (let i = 0; i + 4 <= f.raw.length; i += 4) p.writeInt32(new DataView(f.raw.buffer, f.raw.byteOffset + i, 4).getInt32(0, true));
      } else {
        writeOps(p, f.ops, d);
      }
      dataSize = p.dataSize;
      if (f.t === "tx") {
        const a = resolveAddr(f.addr, d);
        try {
          frame = d === "r34"
            ? r34TransactionFrame(p, a instanceof Uint8Array ? a : null, f.code, f.flags, f.asyncNumber)
            : transactionFrame(p, d, a === null || a instanceof Uint8Array ? { options: 0, id: 0 } : a, f.code, f.flags, f.asyncNumber);
        } catch (e) {
          if (!(e instanceof ParcelError)) throw e;
          // objects at v0 cannot be framed: send the data with the objects inline, no table
          const q = newParcelFor(d);
          try {
            q._setMode(0);
            const bytes = p.toBytes();
            for (let i = 0; i + 4 <= bytes.length; i += 4) q.writeInt32(new DataView(bytes.buffer, i, 4).getInt32(0, true));
            frame = transactionFrame(q, d === "r34" ? 0 : d, a === null || a instanceof Uint8Array ? { options: 0, id: 0 } : a, f.code, f.flags, f.asyncNumber);
          } finally { q.dispose(); }
        }
      } else {
        frame = replyFrame(p, d === "r34" ? "r34" : d, f.status | 0);
        if ((f.status | 0) !== 0) dataSize = 0;
      }
    } finally { p.dispose(); }
  }
  return mutate(frame, f.t, f.mut, d, dataSize);
}

function mutate(frame: Uint8Array, t: "tx" | "reply" | "dec", m: Mut, d: Dial, dataSize: number): Uint8Array {
  if (m.command === undefined && !m.bodyDelta && !m.prefixDelta && !m.dataDelta && !m.table && !m.cut) return frame;
  const pre = d === "r34" ? SIZES.r34Prefix : 0;
  const hs = SIZES.wireHeader;
  let out = frame;
  const structSize = t === "tx" ? (d === "r34" ? SIZES.r34Transaction : SIZES.transaction)
    : t === "reply" ? replySize(d === "r34" ? 0 : d) : 0;
  // v1+: the object table is what follows the data; replace it
  if (m.table && t !== "dec" && d !== "r34" && d >= 1) {
    const dataEnd = pre + hs + structSize + dataSize;
    out = concat([out.subarray(0, Math.min(dataEnd, out.length)), u32words(m.table)]);
  }
  // v1+: parcelDataSize lies
  if (m.dataDelta && t !== "dec" && d !== "r34" && d >= 1) {
    out = copyOf(out);
    const at = pre + hs;
    if (t === "tx") {
      const tx = decodeTransaction(out.subarray(at, at + SIZES.transaction));
      out.set(encodeTransaction(d, { ...tx, parcelDataSize: (tx.parcelDataSize + m.dataDelta) >>> 0 }), at);
    } else {
      const r = decodeReply(d, out.subarray(at, at + structSize));
      out.set(encodeReply(d, r.status, (r.parcelDataSize + m.dataDelta) >>> 0), at);
    }
  }
  // the header follows the (possibly new) body, then lies if asked
  const h = decodeWireHeader(out.subarray(pre, pre + hs));
  const bodySize = (out.length - pre - hs + (m.bodyDelta ?? 0)) >>> 0;
  const head = encodeWireHeader(m.command ?? h.command, bodySize);
  if (out === frame) out = copyOf(out);
  out.set(head, pre);
  if (d === "r34") new DataView(out.buffer, out.byteOffset).setUint32(0, (hs + bodySize + (m.prefixDelta ?? 0)) >>> 0, true);
  if (m.cut) out = out.subarray(0, Math.max(0, out.length - m.cut));
  return out;
}

// ---- arbitraries ---------------------------------------------------------------------------

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const smallStr = fc.string({ maxLength: 12 });
export const addrArb: fc.Arbitrary<AddrSpec> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<AddrSpec>({ k: "special" }) },
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 11 }).map((i): AddrSpec => ({ k: "pool", i })) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("raw" as const), options: u32, id: u32 }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("r34raw" as const), bytes: fc.uint8Array({ minLength: 32, maxLength: 32 }) }) },
);
const stabilityArb = fc.oneof({ weight: 6, arbitrary: fc.constant(0x0c) }, { weight: 1, arbitrary: fc.constantFrom(0, 3, 0x3f) }, { weight: 1, arbitrary: u32 });
const tokArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(HELLO, NESTER, SERVICE_DIRECTORY_DESCRIPTOR) }, { weight: 1, arbitrary: smallStr });
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ o: fc.constant("tok" as const), s: tokArb }),
  fc.record({ o: fc.constant("s16" as const), s: fc.option(smallStr, { freq: 8 }) }),
  fc.record({ o: fc.constant("i32" as const), v: fc.oneof(fc.integer({ min: -3, max: 12 }), fc.integer()) }),
  fc.record({ o: fc.constant("i64" as const), v: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) }),
  fc.record({ o: fc.constant("bytes" as const), v: fc.option(fc.uint8Array({ maxLength: 40 }), { freq: 8 }) }),
  fc.record({ o: fc.constant("bin" as const), a: fc.option(addrArb, { freq: 6 }), stability: stabilityArb }),
  fc.constant<Op>({ o: "noexc" }),
);

type CallSpec = { addr: AddrSpec; code: number; flags: number; ops: Op[] };
const ROOT: AddrSpec = { k: "pool", i: 0 };
const HELLO_AT: AddrSpec = { k: "pool", i: 1 };
const NESTER_AT: AddrSpec = { k: "pool", i: 2 };
const CLIENT_OBJ: AddrSpec = { k: "pool", i: 4 };
const nesterCall = (code: number, flags: number, ops: Op[]): CallSpec => ({ addr: NESTER_AT, code, flags, ops: [{ o: "tok", s: NESTER }, ...ops] });

/** Well-formed calls on the objects a server session hands out once the lead frames ran
 *  (root 0, hello 1, nester 2 at v0..v2; 1, 2, 3 in r34): the right interface token and
 *  argument shapes for each code. */
export const goodCallArb: fc.Arbitrary<CallSpec> = fc.oneof(
  fc.record({ addr: fc.constant<AddrSpec>({ k: "special" }), code: fc.constantFrom(0, 1, 2), flags: fc.constant(0), ops: fc.constant<Op[]>([]) }),
  fc.constantFrom("hello", "nester", "nope").map((n): CallSpec => ({ addr: ROOT, code: 1, flags: 0, ops: [{ o: "tok", s: SERVICE_DIRECTORY_DESCRIPTOR }, { o: "s16", s: n }] })),
  fc.constant<CallSpec>({ addr: ROOT, code: 2, flags: 0, ops: [{ o: "tok", s: SERVICE_DIRECTORY_DESCRIPTOR }] }),
  fc.record({ s: smallStr, oneway: fc.boolean() }).map(({ s, oneway }): CallSpec => ({ addr: HELLO_AT, code: 1, flags: oneway ? FLAG_ONEWAY : 0, ops: [{ o: "tok", s: HELLO }, { o: "s16", s }] })),
  fc.constantFrom(INTERFACE_TRANSACTION, PING_TRANSACTION).chain((code) => fc.constantFrom(ROOT, HELLO_AT, NESTER_AT).map((addr): CallSpec => ({ addr, code, flags: 0, ops: [] }))),
  fc.record({ self: fc.boolean(), depth: fc.integer({ min: 0, max: 3 }) }).map(({ self, depth }) =>
    nesterCall(NC.NEST, 0, [{ o: "bin", a: self ? NESTER_AT : CLIENT_OBJ, stability: 0x0c }, { o: "i32", v: depth }])),
  fc.integer({ min: -5, max: 100 }).map((v) => nesterCall(NC.RECORD, FLAG_ONEWAY, [{ o: "i32", v }])),
  fc.constant(nesterCall(NC.RECORDED, 0, [])),
  fc.integer().map((v) => nesterCall(NC.THROW_SSE, 0, [{ o: "i32", v }])),
  fc.constantFrom(CLIENT_OBJ, { k: "pool", i: 5 } as AddrSpec, HELLO_AT).map((a) => nesterCall(NC.HOLD, 0, [{ o: "bin", a, stability: 0x0c }])),
  fc.constant(nesterCall(NC.RELEASE_HELD, 0, [])),
  fc.option(fc.constantFrom(CLIENT_OBJ, HELLO_AT, ROOT)).map((a) => nesterCall(NC.RETURN_BINDER, 0, [{ o: "bin", a, stability: 0x0c }])),
  fc.integer({ min: 0, max: 5 }).map((v) => nesterCall(NC.SLOW, 0, [{ o: "i32", v }])),
  fc.constant(nesterCall(NC.IDENTITY, 0, [])),
);

/** Calls with the shapes loosened: any code, wrong tokens, random argument words, any
 *  address (never given out, unknown option bits), any flags. */
const wildCallArb: fc.Arbitrary<CallSpec> = fc.oneof(
  // special transactions
  fc.record({ addr: fc.constant<AddrSpec>({ k: "special" }), code: fc.oneof(fc.constantFrom(0, 1, 2), u32), flags: fc.constantFrom(0, 0, 1), ops: fc.constant<Op[]>([]) }),
  // the pipelining extension: any depth asked for (or none), then calls flagged top-level
  fc.record({
    addr: fc.constant<AddrSpec>({ k: "special" }), code: fc.constant(SPECIAL_PIPELINE_DEPTH), flags: fc.constantFrom(0, 0, 1),
    ops: fc.option(fc.integer({ min: -3, max: 40 }), { freq: 4 }).map((v): Op[] => (v === null ? [] : [{ o: "i32", v }])),
  }),
  fc.record({
    addr: fc.constantFrom<AddrSpec>({ k: "pool", i: 1 }, { k: "pool", i: 2 }), code: fc.constantFrom(1, 8), flags: fc.constantFrom(FLAG_TOP_LEVEL, FLAG_TOP_LEVEL | 1),
    ops: fc.integer({ min: 0, max: 3 }).map((v): Op[] => [{ o: "tok", s: NESTER }, { o: "i32", v }]),
  }),
  // the directory (the root): getService / listServices
  fc.record({
    addr: fc.constant<AddrSpec>({ k: "pool", i: 0 }), code: fc.constantFrom(1, 2), flags: fc.constant(0),
    ops: fc.constantFrom("hello", "nester", "nope").map((n): Op[] => [{ o: "tok", s: SERVICE_DIRECTORY_DESCRIPTOR }, { o: "s16", s: n }]),
  }),
  // hello echo
  fc.record({
    addr: fc.constantFrom<AddrSpec>({ k: "pool", i: 1 }, { k: "pool", i: 2 }), code: fc.constantFrom(1, INTERFACE_TRANSACTION, PING_TRANSACTION),
    flags: fc.constantFrom(0, 0, 0, 1), ops: smallStr.map((s): Op[] => [{ o: "tok", s: HELLO }, { o: "s16", s }]),
  }),
  // nester codes
  fc.record({
    addr: fc.constantFrom<AddrSpec>({ k: "pool", i: 1 }, { k: "pool", i: 2 }), code: fc.integer({ min: 1, max: 11 }),
    flags: fc.constantFrom(0, 0, 1),
    ops: fc.tuple(fc.option(addrArb, { freq: 4 }), fc.integer({ min: -2, max: 3 }), fc.array(opArb, { maxLength: 2 }))
      .map(([a, n, rest]): Op[] => [{ o: "tok", s: NESTER }, { o: "bin", a, stability: 0x0c }, { o: "i32", v: n }, ...rest]),
  }),
  // anything
  fc.record({ addr: addrArb, code: fc.oneof(fc.integer({ min: 0, max: 12 }), u32), flags: fc.oneof(fc.constantFrom(0, 1, 0x20, FLAG_TOP_LEVEL), u32), ops: fc.array(opArb, { maxLength: 6 }) }),
);
const callArb = fc.oneof({ weight: 1, arbitrary: goodCallArb }, { weight: 2, arbitrary: wildCallArb });

export const mutArb: fc.Arbitrary<Mut> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Mut>({}) },
  { weight: 4, arbitrary: fc.record({
    command: fc.option(fc.oneof(fc.constantFrom(0, 1, 2, 3), u32), { nil: undefined, freq: 3 }),
    bodyDelta: fc.option(fc.oneof(fc.integer({ min: -8, max: 8 }), u32), { nil: undefined, freq: 2 }),
    prefixDelta: fc.option(fc.integer({ min: -8, max: 8 }), { nil: undefined, freq: 3 }),
    dataDelta: fc.option(fc.oneof(fc.integer({ min: -8, max: 8 }), u32), { nil: undefined, freq: 2 }),
    table: fc.option(fc.array(fc.oneof(fc.integer({ min: 0, max: 64 }), u32), { maxLength: 4 }), { nil: undefined, freq: 2 }),
    cut: fc.option(fc.integer({ min: 1, max: 24 }), { nil: undefined, freq: 4 }),
  }, { requiredKeys: [] }) },
);

/** Frames a client sends to a server: anything, mutated fields included. */
export const clientFrameArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 10, arbitrary: fc.record({
    t: fc.constant("tx" as const), call: callArb, asyncNumber: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(Number.MAX_SAFE_INTEGER)),
    raw: fc.option(fc.uint8Array({ maxLength: 64 }), { freq: 6 }), mut: mutArb,
  }).map(({ call, asyncNumber, raw, mut }): FrameSpec => ({ t: "tx", ...call, asyncNumber: call.flags & FLAG_ONEWAY ? asyncNumber : 0, raw, mut })) },
  { weight: 3, arbitrary: fc.record({
    t: fc.constant("dec" as const), addr: addrArb, amount: fc.oneof(fc.integer({ min: 0, max: 3 }), u32), mut: mutArb,
  }) },
  { weight: 2, arbitrary: fc.record({
    t: fc.constant("reply" as const), status: fc.oneof(fc.constant(0), fc.integer()), ops: fc.array(opArb, { maxLength: 4 }),
    raw: fc.option(fc.uint8Array({ maxLength: 32 }), { freq: 6 }), mut: mutArb,
  }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("bytes" as const), bytes: fc.uint8Array({ maxLength: 48 }) }) },
);

/** Frames a well-behaved client could send: good calls (asyncNumbers are renumbered in order
 *  per object afterwards), replies to the server's nested calls, DEC_STRONGs of references it
 *  was given. */
export const goodClientFrameArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 30, arbitrary: goodCallArb.map((c): FrameSpec => ({ t: "tx", ...c, asyncNumber: 0, raw: null, mut: {} })) },
  { weight: 1, arbitrary: fc.constantFrom(ROOT, HELLO_AT, NESTER_AT).map((addr): FrameSpec => ({ t: "dec", addr, amount: 1, mut: {} })) },
);

/** Frames at a hostility level: 0 well-behaved, 1 mostly so, 2 anything. */
export function frameArbAt(level: number): fc.Arbitrary<FrameSpec> {
  if (level === 0) return goodClientFrameArb;
  if (level === 1) return fc.oneof({ weight: 8, arbitrary: goodClientFrameArb }, { weight: 1, arbitrary: clientFrameArb });
  return clientFrameArb;
}

/** What a correct client does around good frames: oneway asyncNumbers in order per target,
 *  and a REPLY to the callback a NEST with our object and depth >= 1 makes the server send. */
function behave(frames: FrameSpec[], d: Dial, next = new Map<string, number>()): FrameSpec[] {
  const out: FrameSpec[] = [];
  // a reference is returned (DEC_STRONG) only once the client is done with the object: at the
  // end, once per object
  const decs = new Map<string, FrameSpec>();
  for (const f of frames) {
    if (f.t === "dec" && !Object.keys(f.mut).length) {
      decs.set(JSON.stringify(f.addr), { ...f, amount: 1 });
      continue;
    }
    if (f.t !== "tx" || f.raw || Object.keys(f.mut).length) { out.push(f); continue; }
    if (f.flags & FLAG_ONEWAY) {
      const key = JSON.stringify(resolveAddr(f.addr, d), (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
      const n = next.get(key) ?? 0;
      next.set(key, n + 1);
      out.push({ ...f, asyncNumber: n });
      continue;
    }
    out.push(f);
    const [, bin, depth] = f.ops;
    if (f.code === NC.NEST && f.addr === NESTER_AT && bin?.o === "bin" && bin.a === CLIENT_OBJ && depth?.o === "i32" && depth.v >= 1) {
      out.push({ t: "reply", status: 0, ops: [{ o: "noexc" }, { o: "s16", s: "leaf" }], raw: null, mut: {} });
    }
  }
  return [...out, ...decs.values()];
}

/** How bytes are delivered: chunk sizes (cycled; none = one chunk) and which chunks wait for
 *  an event-loop turn first (bit i of yieldMask, at most 8 turns per input). */
export interface Chunking { sizes: number[]; yieldMask: number }
export const chunkingArb: fc.Arbitrary<Chunking> = fc.record({
  sizes: fc.oneof(
    { weight: 3, arbitrary: fc.constant<number[]>([]) },
    { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.constant<number[]>([1]) },
  ),
  yieldMask: fc.nat(),
});
export function chunksOf(bytes: Uint8Array, c: Chunking): Uint8Array[] {
  if (c.sizes.length === 0) return bytes.length ? [bytes] : [];
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = c.sizes[i % c.sizes.length]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

// ---- server-side inputs ----------------------------------------------------------------------

export interface ServerInput {
  kind: "raw" | "handshake+bytes" | "frames";
  dialect: Dial;
  /** the whole stream of the first connection */
  stream: Uint8Array;
  chunking: Chunking;
  /** end the stream right after the bytes (else after a few turns) */
  endAtOnce: boolean;
  /** a second connection attaching to the session the first one created */
  second: null | { incoming: boolean; cci: boolean; frames: Uint8Array; chunking: Chunking };
  /** for the report: the frames as specified */
  frames?: FrameSpec[];
  /** stream offsets after which the peer waits for the server to answer (a conforming client
   *  sends nothing else on a connection while its two-way call is out) */
  waits?: number[];
  /** every frame is one a conforming client could send (hostility level 0, lead frames in,
   *  one connection): then every two-way call must be answered (or the session end) within
   *  WAIT_TURNS, and the server must not end the session for a protocol error */
  conforming?: boolean;
}

const handshakeMutArb = fc.oneof(
  { weight: 30, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.record({ version: fc.oneof(fc.integer({ min: 0, max: 19 }), fc.constant(WIRE_VERSION_EXPERIMENTAL), u32) }) },
  { weight: 1, arbitrary: fc.record({ options: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ fdMode: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ cci: fc.constant(false) }) },
  { weight: 1, arbitrary: fc.record({ sessionId: fc.uint8Array({ minLength: 32, maxLength: 32 }) }) },
);
export const dialArb = fc.constantFrom<Dial>(...DIALS);

/** (1) random bytes as a whole connection stream (sometimes opening like a handshake). */
export const rawServerInput: fc.Arbitrary<ServerInput> = fc.record({
  lead: fc.oneof(fc.constant(new Uint8Array(0)), fc.constantFrom(0, 1, 2, 20, 36, 100).map((w) => u32words([w]))),
  bytes: fc.uint8Array({ maxLength: 300 }), chunking: chunkingArb, endAtOnce: fc.boolean(),
}).map(({ lead, bytes, chunking, endAtOnce }) => ({ kind: "raw", dialect: 2, stream: concat([lead, bytes]), chunking, endAtOnce, second: null }));

/** (2) a valid handshake (any dialect), then random bytes. */
export const handshakeThenBytesInput: fc.Arbitrary<ServerInput> = fc.record({
  dialect: dialArb, hs: handshakeMutArb, bytes: fc.uint8Array({ maxLength: 300 }), chunking: chunkingArb, endAtOnce: fc.boolean(),
}).map(({ dialect, hs, bytes, chunking, endAtOnce }) => ({
  kind: "handshake+bytes", dialect, stream: concat([clientHandshake(dialect, hs), bytes]), chunking, endAtOnce, second: null,
}));

/** (3) a valid handshake, then structurally valid frames with mutated fields; sometimes a
 *  second connection attaches to the session and sends frames too. */
export const framesServerInput: fc.Arbitrary<ServerInput> = fc.record({
  dialect: dialArb, hs: handshakeMutArb,
  lead: fc.oneof({ weight: 10, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  leveled: fc.constantFrom(0, 0, 1, 1, 2).chain((level) => fc.record({
    level: fc.constant(level),
    frames: fc.array(frameArbAt(level), { minLength: 1, maxLength: 10 }),
    secondFrames: fc.array(frameArbAt(level), { maxLength: 4 }),
  })),
  chunking: chunkingArb, endAtOnce: fc.boolean(),
  second: fc.option(fc.record({ incoming: fc.boolean(), cci: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    chunking: chunkingArb }), { freq: 5 }),
}).map(({ dialect, hs, lead, leveled, chunking, endAtOnce, second }) => {
  // most inputs start by asking for the root and the two services, so later frames can hit
  // real objects (addresses 0,1,2 server-made at v0..v2; 1,2,3 in r34)
  let all: FrameSpec[] = lead ? [...LEAD_FRAMES, ...leveled.frames] : leveled.frames;
  let secondFrames = leveled.secondFrames;
  if (leveled.level < 2) {
    const asyncNumbers = new Map<string, number>();
    all = behave(all, dialect, asyncNumbers);
    secondFrames = behave(secondFrames, dialect, asyncNumbers);
  }
  const parts = [clientHandshake(dialect, hs)];
  const waits: number[] = [];
  let at = parts[0]!.length;
  for (const f of all) {
    const b = buildFrame(f, dialect);
    parts.push(b);
    at += b.length;
    if (leveled.level < 2 && f.t === "tx" && !(f.flags & FLAG_ONEWAY)) waits.push(at);
  }
  const stream = concat(parts);
  return {
    kind: "frames" as const, dialect, stream, chunking, endAtOnce, frames: all, waits,
    conforming: leveled.level === 0 && lead && !Object.keys(hs).length && !second,
    second: second && dialect !== "r34" ? {
      incoming: second.incoming, cci: second.cci,
      frames: concat(secondFrames.map((f) => buildFrame(f, dialect))), chunking: second.chunking,
    } : null,
  };
});
const NO_MUT: Mut = {};
const LEAD_FRAMES: FrameSpec[] = [
  { t: "tx", addr: { k: "special" }, code: 0, flags: 0, asyncNumber: 0, ops: [], raw: null, mut: NO_MUT },
  { t: "tx", addr: { k: "pool", i: 0 }, code: 1, flags: 0, asyncNumber: 0, raw: null, mut: NO_MUT,
    ops: [{ o: "tok", s: SERVICE_DIRECTORY_DESCRIPTOR }, { o: "s16", s: "hello" }] },
  { t: "tx", addr: { k: "pool", i: 0 }, code: 1, flags: 0, asyncNumber: 0, raw: null, mut: NO_MUT,
    ops: [{ o: "tok", s: SERVICE_DIRECTORY_DESCRIPTOR }, { o: "s16", s: "nester" }] },
];

// ---- the server rig ------------------------------------------------------------------------

/** Nester with its two unbounded behaviours bounded (SLOW sleeps one turn; NEST recursion is
 *  capped at depth 3) and its held/recorded lists emptied between inputs. */
export class FuzzNester extends Nester {
  /** transactions that reached onTransact */
  calls = 0;
  protected override async onTransact(code: number, data: ParcelT, reply: ParcelT): Promise<boolean> {
    this.calls++;
    if (code === NC.SLOW) {
      data.enforceInterface(NESTER);
      await immediate();
      writeNoException(reply);
      reply.writeInt32(0);
      return true;
    }
    if (code === NC.NEST) {
      data.enforceInterface(NESTER);
      try {
        const other = data.readStrongBinderNonNull();
        const depth = Math.min(Math.max(data.readInt32(), 0), 3);
        const result = depth === 0 ? "leaf" : `${this.name}>${await nest(other, this, depth - 1)}`;
        writeNoException(reply);
        reply.writeString16(result);
      } catch (e) {
        reply.reset();
        writeException(reply, e);
      }
      return true;
    }
    return super.onTransact(code, data, reply);
  }
  reset(): void {
    this.recorded.length = 0;
    for (const b of this.held.splice(0)) if (b instanceof BinderProxy) b.dispose();
  }
}

export interface RunStats {
  inputs: number; serverClosed: number; logged: number; echoChecks: number;
  /** inputs whose stream made a session; calls that reached a service's code */
  sessions: number; serviceCalls: number;
  /** a conforming peer's two-way call got no answer within WAIT_TURNS (connection open) */
  stalls: number;
}

/** Delivery turns per input: yields between chunks are capped, and everything must settle
 *  within this many event-loop turns once the peer's stream has ended. */
export const MAX_YIELDS = 8;
/** How long a conforming peer waits for the server's answer to a two-way call (turns). */
export const WAIT_TURNS = 10;
export const SETTLE_TURNS = 200;

export class ServerRig {
  readonly log = new LogCapture();
  readonly server: RpcServer;
  readonly nester = new FuzzNester("server");
  readonly hello = new HelloService();
  readonly stats: RunStats = { inputs: 0, serverClosed: 0, logged: 0, echoChecks: 0, sessions: 0, serviceCalls: 0, stalls: 0 };
  private sessions: RpcSession[] = [];
  private seq = 0;

  constructor(readonly opts: { scribble?: boolean } = {}) {
    this.server = new RpcServer({ logger: this.log, maxThreads: 2, handshakeTimeoutMs: 600_000, allowAnonymous: true });
    this.server.addService("hello", this.hello);
    this.server.addService("nester", this.nester);
    this.server.onSession((s) => this.sessions.push(s));
  }

  /** Feed one input; throws FuzzFailure when a property does not hold. */
  async run(input: ServerInput): Promise<void> {
    const failure = await this.runInner(input);
    if (failure) throw failure;
  }

  private async runInner(input: ServerInput): Promise<FuzzFailure | null> {
    this.stats.inputs++;
    this.log.clear();
    this.sessions = [];
    const parcelsBefore = liveParcels();
    const collectedBefore = parcelCounts.collected;
    const helloBefore = this.hello.calls;
    const nesterBefore = this.nester.calls;
    const n = ++this.seq;
    const a = new FakeConnection(`fuzz#${n}`, this.opts.scribble);
    const conns = [a];
    const accepts: Promise<void>[] = [];
    let acceptError: unknown = null;
    const track = (p: Promise<void>) => accepts.push(p.catch((e) => { acceptError ??= e; }));
    let settledAccepts = 0;
    track(this.server.accept(a));
    try {
      await a.whenStarted;
      let yields = 0;
      const deliver = async (c: FakeConnection, bytes: Uint8Array, chunking: Chunking) => {
        let i = 0;
        for (const chunk of chunksOf(bytes, chunking)) {
          if (yields < MAX_YIELDS && (chunking.yieldMask >>> (i++ % 31)) & 1) { yields++; await immediate(); }
          try { c.push(chunk); } catch (e) {
            throw new FuzzFailure("crash", `sink.data threw: ${describeError(e)}`);
          }
        }
      };
      let stalled: number | null = null;
      if (input.waits?.length) {
        // a conforming peer: after each two-way call, wait for the server's answer
        let from = 0;
        for (const to of [...input.waits, input.stream.length]) {
          if (to <= from) continue;
          const before = a.writes;
          await deliver(a, input.stream.subarray(from, to), input.chunking);
          from = to;
          for (let t = 0; t < WAIT_TURNS && a.writes === before && !a.closed; t++) await immediate();
          if (a.writes === before && !a.closed && to !== input.stream.length) {
            this.stats.stalls++;
            if (input.conforming) stalled ??= from;
          }
          await immediate();
        }
      } else {
        await deliver(a, input.stream, input.chunking);
      }
      if (input.second) {
        // attach a second connection to the session the first one made (if it made one)
        for (let t = 0; t < 4 && !this.sessions.length; t++) await immediate();
        const s = this.sessions[0];
        if (s?.sessionId && s.isAlive()) {
          const b = new FakeConnection(`fuzz#${n}b`, this.opts.scribble);
          conns.push(b);
          let attached = false;
          track(this.server.accept(b).finally(() => { attached = true; }));
          await b.whenStarted;
          const hs = clientHandshake(input.dialect, {
            options: input.second.incoming ? 1 : 0, sessionId: s.sessionId, cci: input.second.cci && !input.second.incoming,
          });
          await deliver(b, concat([hs, input.second.frames]), input.second.chunking);
          // let the attach finish before any stream ends (else it races the session's end)
          for (let t = 0; t < WAIT_TURNS && !attached; t++) await immediate();
        }
      }
      if (!input.endAtOnce) { await immediate(); await immediate(); }
      const closedByServer = conns.some((c) => c.closed);
      for (const c of conns) c.end();
      Promise.all(accepts).then(() => { settledAccepts = 1; });
      let turns = 0;
      const quiet = () => settledAccepts === 1 && this.server.sessionCount === 0 && liveParcels() === parcelsBefore &&
        this.sessions.every((s) => !s.isAlive());
      while (!quiet() && turns < SETTLE_TURNS) { await immediate(); turns++; }
      if (closedByServer) this.stats.serverClosed++;
      if (this.sessions.length) this.stats.sessions++;
      this.stats.serviceCalls += this.hello.calls - helloBefore + this.nester.calls - nesterBefore;
      if (this.log.messages.length) this.stats.logged++;
      const proc = takeProcessFailures();
      if (proc) return proc;
      if (acceptError) return new FuzzFailure("crash", `accept() rejected: ${describeError(acceptError)}`);
      const internal = this.log.internal();
      if (internal) return new FuzzFailure("internal", `internal error logged: ${internal}`);
      if (input.conforming) {
        // (a rate limiter's summary of earlier inputs' failures may be written during this one)
        const complaint = this.log.messages.find((m) => /ending:|handshake failed/.test(m) && !/more like this left out of the log/.test(m));
        if (complaint) return new FuzzFailure("broken", `the server ended a conforming client's session: ${complaint}`);
      }
      if (stalled !== null) {
        return new FuzzFailure("hang", `no answer within ${WAIT_TURNS} turns to the conforming two-way call ending at stream offset ${stalled}`);
      }
      if (!quiet()) {
        if (settledAccepts === 1 && this.server.sessionCount === 0 && this.sessions.every((s) => !s.isAlive())) {
          return new FuzzFailure("leak", `${liveParcels() - parcelsBefore} parcel(s) still live after the session ended`);
        }
        return new FuzzFailure("hang", `not settled ${SETTLE_TURNS} turns after the stream ended: accept settled ${settledAccepts === 1}, ` +
          `sessions ${this.server.sessionCount}, live parcels ${liveParcels() - parcelsBefore}`);
      }
      if (parcelCounts.collected !== collectedBefore) {
        return new FuzzFailure("leak", `${parcelCounts.collected - collectedBefore} parcel(s) were never disposed (freed by the GC)`);
      }
      return null;
    } catch (e) {
      for (const c of conns) c.end();
      if (e instanceof FuzzFailure) return e;
      return new FuzzFailure("crash", describeError(e));
    } finally {
      this.nester.reset();
      this.sessions = [];
    }
  }

  /** A fresh, valid client session against the same server: root, services, echo, a nested
   *  callback; then it shuts down and the server forgets it. */
  async checkEcho(d: Dial): Promise<void> {
    this.stats.echoChecks++;
    const parcelsBefore = liveParcels();
    const clientLog = new LogCapture();
    const session = await connectSession(new PairTransport(this.server, this.opts.scribble), "echo", { version: d === "r34" ? "r34" : d, logger: clientLog });
    try {
      const root = (await session.getRoot())!;
      const helloB = await getService(root, "hello");
      const text = `ping ${this.stats.echoChecks} \u00e9\u{1f600}`;
      const got = await echo(helloB, text);
      if (got !== text) throw new FuzzFailure("broken", `echo over ${d} answered ${JSON.stringify(got)}`);
      const nesterB = await getService(root, "nester");
      const cb = new FuzzNester("client");
      const nested = await nest(nesterB, cb, 2);
      if (nested !== "server>client>leaf") throw new FuzzFailure("broken", `nested call over ${d} answered ${nested}`);
      if (d !== "r34") await hold(nesterB, cb);
    } finally {
      session.shutdown();
      this.nester.reset();
    }
    for (let t = 0; t < SETTLE_TURNS && (this.server.sessionCount !== 0 || liveParcels() !== parcelsBefore); t++) await immediate();
    if (this.server.sessionCount !== 0) throw new FuzzFailure("broken", `server still has ${this.server.sessionCount} session(s) after a clean client left`);
    if (liveParcels() !== parcelsBefore) throw new FuzzFailure("leak", `${liveParcels() - parcelsBefore} parcel(s) live after a clean session`);
    const internal = clientLog.internal() ?? this.log.internal();
    if (internal) throw new FuzzFailure("internal", internal);
    const proc = takeProcessFailures();
    if (proc) throw proc;
  }
}

// ---- client-side inputs ----------------------------------------------------------------------

export type ClientAction = "root" | "echo" | "hold" | "ping" | "descriptor" | "dispose" | "oneway";

export interface ClientInput {
  dialect: Dial;
  maxOut: number;
  maxIn: number;
  /** the server's RpcNewSessionResponse (versioned dialects) */
  response: Uint8Array;
  /** what the fake server sends, one segment per client write (or when the client idles) */
  segments: Uint8Array[];
  /** what an extra connection's server side says first (incoming connections wait for cci) */
  extraCci: Uint8Array;
  chunking: Chunking;
  actions: ClientAction[];
  /** the server is a conforming one (answers every two-way call correctly): then the client
   *  must connect and every action must succeed, however the bytes are split */
  conforming?: boolean;
  /** what a conforming server reports for GET_MAX_THREADS */
  threads?: number;
}

/** Replies (and unprompted frames) a server sends to a client. */
const serverFrameArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    t: fc.constant("reply" as const), status: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-74, -32, -22, -2147483647) }, { weight: 1, arbitrary: fc.integer() }),
    ops: fc.oneof(
      fc.constant<Op[]>([{ o: "i32", v: 1 }]),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((v): Op[] => [{ o: "bytes", v }]),
      fc.option(addrArb, { freq: 5 }).map((a): Op[] => [{ o: "bin", a, stability: 0x0c }]),
      smallStr.map((s): Op[] => [{ o: "noexc" }, { o: "s16", s }]),
      fc.array(opArb, { maxLength: 5 }),
    ),
    raw: fc.option(fc.uint8Array({ maxLength: 32 }), { freq: 8 }), mut: mutArb,
  }) },
  { weight: 2, arbitrary: fc.record({
    t: fc.constant("tx" as const), call: callArb, asyncNumber: fc.integer({ min: 0, max: 3 }),
    raw: fc.option(fc.uint8Array({ maxLength: 32 }), { freq: 6 }), mut: mutArb,
  }).map(({ call, asyncNumber, raw, mut }): FrameSpec => ({
    t: "tx", ...call, addr: call.addr.k === "pool" ? { k: "pool", i: (call.addr.i % 3) + 4 } : call.addr, asyncNumber, raw, mut,
  })) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("dec" as const), addr: addrArb, amount: fc.oneof(fc.integer({ min: 0, max: 3 }), u32), mut: mutArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("bytes" as const), bytes: fc.uint8Array({ maxLength: 40 }) }) },
);

/** The replies a well-behaved server would send for the client's setup, most of the time. */
function setupSegments(d: Dial, threads: number, idLen: number): FrameSpec[][] {
  const reply = (ops: Op[]): FrameSpec[] => [{ t: "reply", status: 0, ops, raw: null, mut: NO_MUT }];
  if (d === "r34") return [];
  return [reply([{ o: "i32", v: threads }]), reply([{ o: "bytes", v: new Uint8Array(idLen).fill(7) }])];
}

export const clientInputArb: fc.Arbitrary<ClientInput> = fc.record({
  dialect: dialArb,
  maxOut: fc.integer({ min: 1, max: 3 }),
  maxIn: fc.integer({ min: 0, max: 1 }),
  respVersion: fc.oneof({ weight: 10, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 0, max: 4 }), u32) }),
  respCut: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) }),
  setup: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  threads: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2, 3) }, { weight: 1, arbitrary: fc.integer() }),
  idLen: fc.oneof({ weight: 8, arbitrary: fc.constant(32) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) }),
  rootReply: fc.oneof({ weight: 4, arbitrary: fc.constant<AddrSpec>({ k: "pool", i: 0 }) }, { weight: 1, arbitrary: addrArb }),
  segments: fc.array(fc.array(serverFrameArb, { minLength: 1, maxLength: 3 }), { maxLength: 6 }),
  mutateSetup: fc.option(fc.record({ at: fc.nat(), mut: mutArb }), { freq: 3 }),
  extraCci: fc.oneof({ weight: 5, arbitrary: fc.constant(encodeConnectionInit()) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) }),
  chunking: chunkingArb,
  actions: fc.array(fc.constantFrom<ClientAction>("root", "echo", "hold", "ping", "descriptor", "dispose", "oneway"), { maxLength: 5 }),
  conforming: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  goodThreads: fc.integer({ min: 1, max: 3 }),
}).map((r) => {
  const d = r.dialect;
  const v = d === "r34" ? 0 : d;
  let response = encodeNewSessionResponse(r.respVersion < 0 ? v : r.respVersion);
  if (r.respCut) response = response.subarray(0, response.length - r.respCut);
  const setup: FrameSpec[][] = r.setup ? setupSegments(d, r.threads, r.idLen) : [];
  // GET_ROOT's reply: a binder the server made (or anything)
  const rootSeg: FrameSpec[] = [{ t: "reply", status: 0, ops: [{ o: "bin", a: r.rootReply, stability: 0x0c }], raw: null, mut: NO_MUT }];
  const specs = [...setup, rootSeg, ...r.segments];
  if (r.mutateSetup && specs.length) {
    const i = r.mutateSetup.at % specs.length;
    specs[i] = specs[i]!.map((f) => (f.t === "bytes" ? f : { ...f, mut: r.mutateSetup!.mut }));
  }
  let actions: ClientAction[] = ["root", ...r.actions];
  // releasing the last proxy ends the session (libbinder: "RpcState has no binders left"), so a
  // client that expects to keep working releases its proxy only at the end
  if (r.conforming) actions = actions.filter((a, i) => a !== "dispose" || i === actions.length - 1);
  return {
    dialect: d, maxOut: r.maxOut, maxIn: d === "r34" ? 0 : r.maxIn, response,
    segments: specs.map((seg) => concat(seg.map((f) => buildFrame(f, d)))),
    extraCci: r.extraCci, chunking: r.chunking, actions,
    ...(r.conforming ? { conforming: true, threads: r.goodThreads } : {}),
  } satisfies ClientInput;
});

/** The fake server of a client run: connection 0 is scripted (a segment per client write, or
 *  the next one when the client idles), the others answer "cci" if they are incoming. When the
 *  script is out and the client has been idle a while, every stream ends. */
class ScriptedTransport implements RpcTransport {
  readonly name = "fuzz-scripted";
  readonly conns: FakeConnection[] = [];
  private next = 0;
  private pendingWrites = 0;
  private idle = 0;
  private main: FakeConnection | null = null;
  private yields = 0;
  constructor(private readonly input: ClientInput, private readonly scribble: boolean) {}

  async connect(address: string): Promise<TransportConnection> {
    const c = new FakeConnection(`${address}#${this.conns.length}`, this.scribble);
    this.conns.push(c);
    if (!this.main) {
      this.main = c;
      c.onWrite = () => { this.pendingWrites++; };
      if (this.input.dialect !== "r34") {
        // the response goes out once the header is in
        this.pendingWrites--;
        c.onWrite = () => {
          this.pendingWrites++;
          if (this.pendingWrites === 0) queueMicrotask(() => this.send(c, this.input.response));
        };
      }
    } else {
      let first = true;
      c.onWrite = (bytes) => {
        // an incoming connection's header has the INCOMING bit in byte 4
        if (first && bytes.length >= 5 && (bytes[4]! & 1)) queueMicrotask(() => this.send(c, this.input.extraCci));
        first = false;
      };
    }
    return c;
  }
  async listen(): Promise<TransportListener> { throw new Error("not used"); }

  private send(c: FakeConnection, bytes: Uint8Array): void {
    for (const chunk of chunksOf(bytes, this.input.chunking)) c.push(chunk);
  }

  /** One driver turn: deliver what is due. Returns true once every stream has ended. */
  pump(): boolean {
    const main = this.main;
    if (!main) return false;
    if (this.pendingWrites > 0 && this.next < this.input.segments.length) {
      this.pendingWrites--;
      this.idle = 0;
      this.send(main, this.input.segments[this.next++]!);
      return false;
    }
    this.idle++;
    if (this.idle > 3 && this.next < this.input.segments.length) {
      this.idle = 0;
      this.send(main, this.input.segments[this.next++]!);
      return false;
    }
    if (this.idle > 6) {
      for (const c of this.conns) c.end();
      return true;
    }
    return false;
  }
  get yieldBudget(): boolean { return this.yields++ < MAX_YIELDS; }
}

/** A conforming server for a client run: it reads what the client writes on each connection
 *  (after the handshake bytes), answers GET_ROOT / GET_MAX_THREADS / GET_SESSION_ID and every
 *  other two-way TRANSACT with a well-formed reply, and says nothing to oneways or DEC_STRONGs.
 *  Replies are delivered in the input's chunking. */
class ConformingTransport implements RpcTransport {
  readonly name = "fuzz-conforming";
  readonly conns: FakeConnection[] = [];
  private readonly d: Dial;
  constructor(private readonly input: ClientInput, private readonly scribble: boolean) { this.d = input.dialect; }

  async connect(address: string): Promise<TransportConnection> {
    const c = new FakeConnection(`${address}#${this.conns.length}`, this.scribble);
    const main = this.conns.length === 0;
    this.conns.push(c);
    let buf: Uint8Array = new Uint8Array(0);
    let skip = main ? (this.d === "r34" ? 0 : SIZES.connectionHeader + SIZES.connectionInit) : -1;
    let greeted = false;
    c.onWrite = (bytes) => {
      buf = concat([buf, bytes]);
      if (main && this.d !== "r34" && !greeted && buf.length >= SIZES.connectionHeader) {
        greeted = true;
        this.later(c, encodeNewSessionResponse(this.d));
      }
      if (skip < 0) {
        if (buf.length < SIZES.connectionHeader) return;
        const incoming = (buf[4]! & 1) !== 0; // RpcConnectionHeader.options, INCOMING bit
        skip = SIZES.connectionHeader + SIZES.sessionId + (incoming ? 0 : SIZES.connectionInit);
        if (incoming) this.later(c, encodeConnectionInit());
      }
      if (buf.length < skip) return;
      buf = buf.subarray(skip);
      skip = 0;
      for (;;) {
        const pre = this.d === "r34" ? SIZES.r34Prefix : 0;
        if (buf.length < pre + SIZES.wireHeader) return;
        const h = decodeWireHeader(buf.subarray(pre, pre + SIZES.wireHeader));
        const end = pre + SIZES.wireHeader + h.bodySize;
        if (buf.length < end) return;
        const body = buf.subarray(pre + SIZES.wireHeader, end);
        buf = buf.subarray(end);
        if (h.command !== 0) continue;
        let special: boolean, code: number, flags: number;
        if (this.d === "r34") {
          const t = decodeR34Transaction(body);
          special = !t.address || t.address.every((x) => x === 0);
          code = t.code; flags = t.flags;
        } else {
          const t = decodeTransaction(body);
          special = t.address.options === 0 && t.address.id === 0;
          code = t.code; flags = t.flags;
        }
        if (flags & FLAG_ONEWAY) continue;
        // special codes past GET_SESSION_ID (tsbinder's extension asks): UNKNOWN_TRANSACTION,
        // as libbinder and rsbinder answer them
        if (special && code > 2) {
          this.later(c, buildFrame({ t: "reply", status: StatusCode.UNKNOWN_TRANSACTION, ops: [], raw: null, mut: NO_MUT }, this.d));
          continue;
        }
        this.later(c, buildFrame({ t: "reply", status: 0, ops: this.answer(special, code), raw: null, mut: NO_MUT }, this.d));
      }
    };
    return c;
  }
  async listen(): Promise<TransportListener> { throw new Error("not used"); }

  private answer(special: boolean, code: number): Op[] {
    if (special) {
      if (code === 0) return [{ o: "bin", a: { k: "pool", i: 0 }, stability: 0x0c }];
      if (code === 1) return [{ o: "i32", v: this.input.threads ?? 1 }];
      return [{ o: "bytes", v: new Uint8Array(SIZES.sessionId).fill(9) }];
    }
    if (code === INTERFACE_TRANSACTION) return [{ o: "s16", s: "fuzz.IAnything" }];
    if (code === PING_TRANSACTION) return [];
    if (code === 1) return [{ o: "noexc" }, { o: "s16", s: "x" }];
    return [{ o: "noexc" }];
  }

  private later(c: FakeConnection, bytes: Uint8Array): void {
    queueMicrotask(() => { for (const chunk of chunksOf(bytes, this.input.chunking)) c.push(chunk); });
  }

  pump(): boolean { return false; }
}

const EXPECTED_ERRORS = [BinderError, ParcelError, ServiceException, ProtocolError];
function expectedError(e: unknown): boolean {
  return EXPECTED_ERRORS.some((C) => e instanceof C);
}

export class ClientRig {
  readonly log = new LogCapture();
  readonly stats = { inputs: 0, sessions: 0, refused: 0, actionsOk: 0, actionsFailed: 0 };
  constructor(readonly opts: { scribble?: boolean } = {}) {}

  async run(input: ClientInput): Promise<void> {
    const failure = await this.runInner(input);
    if (failure) throw failure;
  }

  private async runInner(input: ClientInput): Promise<FuzzFailure | null> {
    this.stats.inputs++;
    this.log.clear();
    const parcelsBefore = liveParcels();
    const collectedBefore = parcelCounts.collected;
    const transport = input.conforming ? new ConformingTransport(input, !!this.opts.scribble) : new ScriptedTransport(input, !!this.opts.scribble);
    let failedUnderConforming: unknown = null;
    let session: RpcSession | null = null;
    let unexpected: unknown = null;
    let done = false;
    const note = (e: unknown, ok: boolean) => {
      if (ok) this.stats.actionsOk++; else this.stats.actionsFailed++;
      if (!ok && !expectedError(e)) unexpected ??= e;
      if (!ok && input.conforming) failedUnderConforming ??= e;
    };
    const drive = (async () => {
      try {
        session = await connectSession(transport, "fuzz", {
          version: input.dialect === "r34" ? "r34" : input.dialect, logger: this.log,
          maxOutgoingConnections: input.maxOut, maxIncomingThreads: input.maxIn,
        });
        this.stats.sessions++;
      } catch (e) {
        this.stats.refused++;
        if (!expectedError(e)) unexpected ??= e;
        if (input.conforming) failedUnderConforming ??= e;
        return;
      }
      let target: IBinder | null = null;
      const local = new FuzzNester("client");
      for (const act of input.actions) {
        try {
          switch (act) {
            case "root": target = await session!.getRoot(); break;
            case "echo": if (target) await echo(target, "x"); break;
            case "hold": if (target) await hold(target, local); break;
            case "ping": if (target) await target.pingBinder(); break;
            case "descriptor": if (target) await target.getInterfaceDescriptor(); break;
            case "dispose": if (target instanceof BinderProxy) target.dispose(); target = null; break;
            case "oneway": if (target) {
              const data = target.newParcel();
              try {
                data.writeInterfaceToken(NESTER);
                data.writeInt32(1);
                (await target.transact(NC.RECORD, data, FLAG_ONEWAY)).dispose();
              } finally { data.dispose(); }
            } break;
          }
          note(null, true);
        } catch (e) { note(e, false); }
      }
    })().finally(() => { done = true; });
    void drive;
    let ended = false;
    let turns = 0;
    let endedAt = -1;
    const quiet = () => done && ended && liveParcels() === parcelsBefore;
    try {
      while (!quiet()) {
        if (!ended && transport.pump()) { ended = true; endedAt = turns; }
        if (done && !ended && turns > 4) { for (const c of transport.conns) c.end(); ended = true; endedAt = turns; }
        await immediate();
        turns++;
        if (ended && turns - endedAt > SETTLE_TURNS) break;
        if (turns > 4 * SETTLE_TURNS) break;
      }
      (session as RpcSession | null)?.shutdown();
      for (let t = 0; t < SETTLE_TURNS && liveParcels() !== parcelsBefore; t++) await immediate();
      const proc = takeProcessFailures();
      if (proc) return proc;
      if (unexpected) return new FuzzFailure("crash", `client call failed with an unexpected error: ${describeError(unexpected)}`);
      if (failedUnderConforming) return new FuzzFailure("broken", `against a conforming server: ${describeError(failedUnderConforming)}`);
      const internal = this.log.internal();
      if (internal) return new FuzzFailure("internal", `internal error logged: ${internal}`);
      if (!done) return new FuzzFailure("hang", `client calls not settled ${SETTLE_TURNS} turns after the server's streams ended`);
      if (liveParcels() !== parcelsBefore) return new FuzzFailure("leak", `${liveParcels() - parcelsBefore} parcel(s) still live after the session ended`);
      if (parcelCounts.collected !== collectedBefore) return new FuzzFailure("leak", `${parcelCounts.collected - collectedBefore} parcel(s) never disposed (freed by the GC)`);
      return null;
    } finally {
      for (const c of transport.conns) c.end();
    }
  }
}

// ---- properties ----------------------------------------------------------------------------

export type PropertyName = "raw" | "handshake+bytes" | "frames" | "client";
export const PROPERTY_NAMES: readonly PropertyName[] = ["raw", "handshake+bytes", "frames", "client"];

export interface PropertyContext { server: ServerRig; client: ClientRig; echoEvery: number; count: number }

export function newContext(opts: { echoEvery?: number; scribble?: boolean } = {}): PropertyContext {
  return { server: new ServerRig(opts), client: new ClientRig(opts), echoEvery: opts.echoEvery ?? 100, count: 0 };
}

async function maybeEcho(ctx: PropertyContext): Promise<void> {
  if (++ctx.count % ctx.echoEvery === 0) await ctx.server.checkEcho(DIALS[(ctx.count / ctx.echoEvery) % DIALS.length]!);
}

/** The fast-check property for one kind of input. */
export function property(name: PropertyName, ctx: PropertyContext): fc.IAsyncPropertyWithHooks<[ServerInput] | [ClientInput]> {
  switch (name) {
    case "raw": return fc.asyncProperty(rawServerInput, async (i) => { await ctx.server.run(i); await maybeEcho(ctx); }) as never;
    case "handshake+bytes": return fc.asyncProperty(handshakeThenBytesInput, async (i) => { await ctx.server.run(i); await maybeEcho(ctx); }) as never;
    case "frames": return fc.asyncProperty(framesServerInput, async (i) => { await ctx.server.run(i); await maybeEcho(ctx); }) as never;
    case "client": return fc.asyncProperty(clientInputArb, async (i) => { await ctx.client.run(i); }) as never;
  }
}

/** A printable form of an input (for reports and regression tests). */
export function describeInput(x: unknown): string {
  return JSON.stringify(x, function (this: Record<string, unknown>, k, v) {
    const orig = this[k];
    return orig instanceof Uint8Array ? `hex:${hex(orig)}` : typeof v === "bigint" ? `${v}n` : v;
  });
}
/** Inverse of describeInput for the byte fields. */
export function parseInput<T>(s: string): T {
  return JSON.parse(s, (_k, v) => (typeof v === "string" && v.startsWith("hex:") ? unhex(v.slice(4)) : v)) as T;
}

