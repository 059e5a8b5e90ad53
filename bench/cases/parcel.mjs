// In-process parcel encode+decode (no socket): the wasm core's Parcel against the pure-JS
// DataView baseline, with tinybench. One operation = build the parcel, take its bytes as a
// transport would (wasm: the session frames it and lends the frame, a view of linear memory,
// to the transport's writeNow; baseline: a view), rebuild a parcel from those bytes as a
// receiver does (wasm: one copy into the receiving parcel, from linear memory here where a
// socket's chunk would be; baseline: a view), and read it back.
//   echo-1k    the echo request (interface token + 1 KiB String16) and its reply (status + string)
//   bytes-64k / bytes-1m   a byte[] parcel
//   null-call  the ping request (interface token) and its reply (status)
// The byte[] cases also run "write+read": one parcel written and read back in place (wasm:
// writeByteArray copies in, readByteArray copies out), the 1 GB/s target.
import { Bench } from "tinybench";
import { BENCH_DESCRIPTOR } from "../common.mjs";
import { loadDistFile, loadTsb } from "../lib/rt.mjs";
import { round1 } from "../lib/stats.mjs";
import { Decoder, Encoder } from "../systems/dataview-baseline.mjs";
import { payloadBytes, payloadOf } from "./payloads.mjs";

export async function run(job) {
  const { Parcel, readException, writeNoException } = await loadTsb();
  const { transactionFrame, prepareIncoming, openPrepared } = await loadDistFile("src/wire/frames.js");
  const { mem8, SIZES } = await loadDistFile("src/core/core.js");
  const { Command } = await loadDistFile("src/wire/structs.js");
  const D = BENCH_DESCRIPTOR;
  const ADDRESS = { options: 0, id: 1 };
  /** `p` as the session sends it (a TRANSACT frame lent to the transport: a view of linear
   *  memory) and as the peer receives it (the body copied into a parcel and opened); `p` is
   *  disposed. The copy is made within linear memory after the receiving parcel is sized, as
   *  that may grow memory (a socket's chunk would be outside it). */
  const pass = (p) => {
    const frame = transactionFrame(p, 2, ADDRESS, 1, 0, 0, true);
    const at = frame.byteOffset + SIZES.wireHeader, n = frame.length - SIZES.wireHeader;
    const q = new Parcel({ capacity: 0 });
    const base = prepareIncoming(q, n);
    mem8().copyWithin(base, at, at + n);
    openPrepared(q, 2, Command.TRANSACT);
    p.dispose();
    return q;
  };

  // wasm: what a call's parcels go through on both sides
  const wasm = {
    "null-call": () => {
      let p = new Parcel(); p.writeInterfaceToken(D);
      p = pass(p); p.enforceInterface(D); p.dispose();
      p = new Parcel(); writeNoException(p);
      p = pass(p); readException(p); p.dispose();
    },
    "echo-1k": (s) => {
      let p = new Parcel(); p.writeInterfaceToken(D); p.writeString16(s);
      p = pass(p); p.enforceInterface(D); const got = p.readString16(); p.dispose();
      p = new Parcel(); writeNoException(p); p.writeString16(got);
      p = pass(p); readException(p); const back = p.readString16(); p.dispose();
      if (back.length !== s.length) throw new Error("wasm echo differs");
    },
    bytes: (a) => {
      let p = new Parcel({ capacity: a.length + 8 }); p.writeByteArray(a);
      p = pass(p); const got = p.readByteArray(); p.dispose();
      if (got.length !== a.length || got[a.length - 1] !== a[a.length - 1]) throw new Error("wasm bytes differ");
    },
  };
  const js = {
    "null-call": () => {
      let e = new Encoder(); e.writeString16(D); let d = new Decoder(e.finish());
      if (d.readString16() !== D) throw new Error("token");
      e = new Encoder(); e.writeInt32(0); d = new Decoder(e.finish());
      if (d.readInt32() !== 0) throw new Error("status");
    },
    "echo-1k": (s) => {
      let e = new Encoder(); e.writeString16(D); e.writeString16(s); let d = new Decoder(e.finish());
      if (d.readString16() !== D) throw new Error("token");
      const got = d.readString16();
      e = new Encoder(); e.writeInt32(0); e.writeString16(got); d = new Decoder(e.finish());
      if (d.readInt32() !== 0) throw new Error("status");
      if (d.readString16().length !== s.length) throw new Error("baseline echo differs");
    },
    bytes: (a) => {
      const e = new Encoder(a.length + 8); e.writeByteArray(a);
      if (new Decoder(e.finish()).readByteArray().length !== a.length) throw new Error("baseline bytes differ");
    },
  };
  const inPlace = {
    tsbinder: (a) => {
      const p = new Parcel({ capacity: a.length + 8 }); p.writeByteArray(a); p.dataPosition = 0;
      if (p.readByteArray().length !== a.length) throw new Error("wasm bytes differ");
      p.dispose();
    },
    "dataview-baseline": (a) => {
      const e = new Encoder(a.length + 8); e.writeByteArray(a);
      if (new Decoder(e.finish()).readByteArray().length !== a.length) throw new Error("baseline bytes differ");
    },
  };
  checkSameBytes(Parcel, D);

  const rows = [];
  for (const kase of job.cases) {
    const payload = payloadOf(kase);
    const bench = new Bench({ time: job.timeMs, warmupTime: Math.min(200, job.timeMs / 4) });
    const w = wasm[kase] ?? wasm.bytes, j = js[kase] ?? js.bytes;
    // alternate the two a few times so load changes hit both
    const bytesCase = kase.startsWith("bytes-");
    for (let r = 0; r < job.rounds; r++) {
      bench.add(`tsbinder|parcel encode+decode|${r}`, () => w(payload));
      bench.add(`dataview-baseline|parcel encode+decode|${r}`, () => j(payload));
      if (bytesCase) for (const [system, fn] of Object.entries(inPlace)) bench.add(`${system}|parcel write+read|${r}`, () => fn(payload));
    }
    await bench.run();
    const variants = ["parcel encode+decode", ...(bytesCase ? ["parcel write+read"] : [])];
    for (const [system, variant] of variants.flatMap((v) => [["tsbinder", v], ["dataview-baseline", v]])) {
      const tasks = bench.tasks.filter((t) => t.name.startsWith(`${system}|${variant}|`));
      const lat = (k) => median(tasks.map((t) => t.result.latency[k]));
      const period = median(tasks.map((t) => t.result.period)); // ms per op
      const ops = 1000 / period;
      const row = {
        runtime: job.runtime, transport: "in-process", case: kase, system, variant,
        p50_us: round1(lat("p50") * 1000), p99_us: round1(lat("p99") * 1000), mean_us: round1(period * 1000), ops_per_s: Math.round(ops),
      };
      const bytes = payloadBytes(payload);
      if (bytes) row.mb_per_s = round1((ops * bytes) / 1e6);
      rows.push(row);
    }
  }
  return rows;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The baseline must produce the bytes the wasm Parcel does, or the comparison means nothing. */
function checkSameBytes(Parcel, D) {
  const p = new Parcel();
  p.writeInterfaceToken(D); p.writeString16("héllo"); p.writeInt32(-7); p.writeByteArray(new Uint8Array([1, 2, 3, 4, 5]));
  const a = p.toBytes();
  p.dispose();
  const e = new Encoder();
  e.writeString16(D); e.writeString16("héllo"); e.writeInt32(-7); e.writeByteArray(new Uint8Array([1, 2, 3, 4, 5]));
  const b = e.finish();
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) throw new Error(`dataview-baseline writes different bytes than Parcel:\n${a}\n${b}`);
}
