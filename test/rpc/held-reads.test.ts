// Frames that were already buffered when a connection stopped reading (a oneway waiting for its
// turn, a full outgoing queue, a memory budget): they wait in the byte queue and are processed,
// in order and with their fds, once reading resumes.
import { describe, expect, it } from "vitest";
import { closeSync, fstatSync } from "node:fs";
import { Parcel, ParcelFileDescriptor } from "../../src/index.js";
import { Connection } from "../../src/rpc/engine/connection.js";
import { ByteQueue } from "../../src/rpc/byte-queue.js";
import { FrameReader, type Incoming } from "../../src/rpc/engine/frame-reader.js";
import { replyFrame } from "../../src/wire/frames.js";
import { aosp, parcelMode } from "../../src/rpc/dialect.js";
import { nodePlatform as platform } from "../../runtimes/node/index.js"; // fd closing
import { pipe } from "./fd-service.js";
import { inertTransport } from "./helpers.js";

const d = aosp(1, true);

/** A REPLY frame whose parcel carries `n` fd objects. */
function frameWithFds(n: number): Uint8Array {
  const p = new Parcel();
  p._setMode(parcelMode(d));
  for (let i = 0; i < n; i++) p.writeFileDescriptor(new ParcelFileDescriptor(0));
  try { return replyFrame(p, d.version, 0); } finally { p.dispose(); }
}

function harness() {
  const h = harnessBefore(() => {});
  h.conn.beginFrames(new FrameReader(d, { maxBody: 1 << 20, maxObjects: 1024, platform }));
  return h;
}

/** A connection whose frames have not begun; `first` runs on the first command. */
function harnessBefore(first: (c: Connection) => void) {
  const got: number[][] = [];
  const errors: unknown[] = [];
  const owner = {
    onCommand(c: Connection, cmd: Incoming) {
      if (got.length === 0) first(c);
      if (cmd.kind !== "decStrong") { got.push(cmd.parcel._fds.map((f) => f.fd)); cmd.parcel.dispose(); }
    },
    onProtocolError(_c: Connection, e: unknown) { errors.push(e); },
    onConnectionEnd() {}, onAvailable() {}, platform,
  };
  const conn = new Connection(inertTransport(true), new ByteQueue(), owner, { outgoing: true });
  return { conn, got, errors };
}

describe.runIf(process.platform === "linux")("frames buffered while reads are held", () => {
  it("two whole frames of 200 fds each, buffered while held, are not taken for one frame of 400 fds; both arrive with their own fds on release", () => {
    const { conn, got, errors } = harness();
    const frame = frameWithFds(200);
    const pipes = Array.from({ length: 200 }, () => pipe());
    const first = pipes.map(([r]) => r);
    const second = pipes.map(([, w]) => w);
    try {
      conn.stall();
      // a transport hands over what it had read before the pause reached it
      conn.onData(frame, first);
      conn.onData(frame, second);
      expect(errors).toEqual([]);
      expect(got).toEqual([]);
      conn.unstall();
      expect(errors).toEqual([]);
      // in order, each frame with the fds that came with it
      expect(got).toEqual([first, second]);
    } finally {
      for (const fd of [...first, ...second]) { try { closeSync(fd); } catch { /* closed */ } }
      conn.close();
    }
  });

  it("frames with fds that arrived during the handshake wait behind a first frame that holds reads, then get their own fds", () => {
    const { conn, got, errors } = harnessBefore((c) => c.stall());
    const none = frameWithFds(0);
    const frame = frameWithFds(200);
    const pipes = Array.from({ length: 200 }, () => pipe());
    const first = pipes.map(([r]) => r);
    const second = pipes.map(([, w]) => w);
    try {
      // what attach() buffered while the server authorized and handshook: three whole frames,
      // the second and third each sent with 200 fds
      const q = conn.queue;
      q.push(none);
      q.push(frame);
      const early = [{ from: q.pushed - frame.length, at: q.pushed - 1, fds: first }];
      q.push(frame);
      early.push({ from: q.pushed - frame.length, at: q.pushed - 1, fds: second });
      conn.adoptEarlyFds(early);
      conn.beginFrames(new FrameReader(d, { maxBody: 1 << 20, maxObjects: 1024, platform }));
      expect(got).toEqual([[]]);
      // the first bytes of the next frame arrive while the first frame holds reads
      conn.onData(none.subarray(0, 8));
      expect(errors).toEqual([]);
      conn.unstall();
      expect(errors).toEqual([]);
      expect(got).toEqual([[], first, second]);
    } finally {
      for (const fd of [...first, ...second]) { try { closeSync(fd); } catch { /* closed */ } }
      conn.close();
    }
  });

  it("more than 253 fds pending for the one frame not yet complete still end the connection once the frames before it are taken", () => {
    const { conn, errors } = harness();
    const frame = frameWithFds(1);
    const pipes = Array.from({ length: 130 }, () => pipe());
    conn.stall();
    conn.onData(frame.subarray(0, 4), pipes.map(([, w]) => w));
    conn.onData(frame.subarray(4, 8), pipes.map(([r]) => r));
    conn.unstall();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/253/);
    for (const [r] of pipes) expect(() => fstatSync(r)).toThrow();
    conn.close();
  });
});
