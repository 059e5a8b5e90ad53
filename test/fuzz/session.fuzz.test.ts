// The CI pass of the session fuzzer: every property with a fixed seed and a few thousand
// inputs (the long pass is `npm run fuzz`, see fuzz/run.mjs). What each property checks is
// described at the top of ./harness.ts.
import "./counters.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fc, newContext, property, installWatchers, sampleMemory, fmtMem, describeInput, liveParcels, MB,
  ServerRig, DIALS, buildFrame, clientHandshake, concat, FakeConnection, immediate, FuzzFailure,
  type MemorySample, type PropertyName, type PropertyContext, type FrameSpec,
} from "./harness.js";
import { fuzzerSeeds } from "../fixtures/reference.js";
import { SERVICE_DIRECTORY_DESCRIPTOR } from "../../src/rpc/service-directory.js";
import { decodeWireHeader } from "../../src/wire/structs.js";

const SEED = 20261124;
const RUNS: Record<PropertyName, number> = { raw: 5000, "handshake+bytes": 5000, frames: 5000, client: 5000 };

let uninstall: () => void;
let ctx: PropertyContext;
let start: MemorySample;

beforeAll(async () => {
  uninstall = installWatchers();
  ctx = newContext({ echoEvery: 250 });
  // warm up, so the memory baseline is not the JIT's and the pools'
  await fc.check(property("frames", newContext({ echoEvery: 50 })), { seed: 1, numRuns: 200 });
  start = await sampleMemory();
});
afterAll(() => uninstall());

describe("session fuzz (CI pass)", () => {
  it("the harness builds valid frames: a scripted valid exchange is answered in every dialect", async () => {
    for (const d of DIALS) {
      const rig = new ServerRig();
      const c = new FakeConnection(`valid-${d}`);
      const written: Uint8Array[] = [];
      c.onWrite = (b) => written.push(b);
      void rig.server.accept(c);
      await c.whenStarted;
      const frames: FrameSpec[] = [
        { t: "tx", addr: { k: "special" }, code: 0, flags: 0, asyncNumber: 0, ops: [], raw: null, mut: {} },
        { t: "tx", addr: { k: "pool", i: 0 }, code: 1, flags: 0, asyncNumber: 0, raw: null, mut: {},
          ops: [{ o: "tok", s: SERVICE_DIRECTORY_DESCRIPTOR }, { o: "s16", s: "hello" }] },
        { t: "tx", addr: { k: "pool", i: 1 }, code: 1, flags: 0, asyncNumber: 0, raw: null, mut: {},
          ops: [{ o: "tok", s: "hello.IHello" }, { o: "s16", s: "hi" }] },
      ];
      c.push(concat([clientHandshake(d), ...frames.map((f) => buildFrame(f, d))]));
      for (let t = 0; t < 50 && rig.hello.calls === 0; t++) await immediate();
      expect(rig.hello.calls, `dialect ${d}`).toBe(1);
      // every REPLY the server wrote has status OK (r34 frames carry a u32 length prefix)
      const all = concat(written);
      const pre = d === "r34" ? 4 : 0;
      let at = d === "r34" ? 0 : 8; // versioned: after RpcNewSessionResponse
      let replies = 0;
      while (at < all.length) {
        const h = decodeWireHeader(all.subarray(at + pre, at + pre + 16));
        if (h.command === 1) {
          replies++;
          expect(new DataView(all.buffer, all.byteOffset + at + pre + 16, 4).getInt32(0, true), `dialect ${d} reply ${replies}`).toBe(0);
        }
        at += pre + 16 + h.bodySize;
      }
      expect(replies, `dialect ${d}`).toBe(3);
      c.end();
      for (let t = 0; t < 50 && rig.server.sessionCount; t++) await immediate();
      expect(rig.server.sessionCount).toBe(0);
    }
  });

  it("the AOSP rpc_fuzzer seeds, whole and in 1..7-byte pieces", async () => {
    const rig = new ServerRig();
    for (const { bytes } of fuzzerSeeds()) {
      for (const sizes of [[], [1], [3, 7, 2]]) {
        await rig.run({ kind: "raw", dialect: 2, stream: bytes, chunking: { sizes, yieldMask: 0x55 }, endAtOnce: false, second: null });
      }
    }
    await rig.checkEcho(2);
  });

  for (const name of Object.keys(RUNS) as PropertyName[]) {
    it(`property: ${name} (${RUNS[name]} inputs, seed ${SEED})`, async () => {
      const r = await fc.check(property(name, ctx), { seed: SEED, numRuns: RUNS[name] });
      if (r.failed) {
        const e = r.errorInstance;
        throw new Error(`${name} failed after ${r.numRuns} runs (seed ${r.seed}, path ${r.counterexamplePath}):\n` +
          `${e instanceof FuzzFailure ? e.message : String((e as Error)?.stack ?? e)}\ninput: ${describeInput(r.counterexample)}`);
      }
    });
  }

  it("memory is flat over the pass and every parcel was freed", async () => {
    // one last check that a fresh client is served, in every dialect
    for (const d of DIALS) await ctx.server.checkEcho(d);
    const end = await sampleMemory();
    const report = `start: ${fmtMem(start)}\nend:   ${fmtMem(end)}`;
    expect(end.liveParcels, report).toBe(start.liveParcels);
    expect(liveParcels(), report).toBe(0);
    expect(end.collectedParcels, report).toBe(start.collectedParcels);
    expect(end.wasm - start.wasm, report).toBeLessThanOrEqual(1 * MB);
    expect(end.heapUsed - start.heapUsed, report).toBeLessThan(16 * MB);
    expect(end.arrayBuffers - start.arrayBuffers, report).toBeLessThan(8 * MB);
  });
});
