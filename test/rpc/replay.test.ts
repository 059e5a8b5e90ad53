// Replays of the real rsbinder sessions in ../shared/reference/rsbinder-sessions.hex against
// tsbinder, in both directions, for every captured section:
//   A      rsbinder's default "r34" dialect (u32 length prefix, no handshake) with rsbinder's
//          service directory as the root;
//   V0..V2 the Android 13+ versioned wire (the AOSP-faithful profile), IHello as the root.
//
// Direction 1 ("client side"): the capture's client bytes go to a tsbinder server over a raw
// socket, and what the server sends back is compared with the capture's server bytes.
// Direction 2 ("server side"): a raw socket server plays the capture's server bytes to a
// tsbinder client, and what the client sends is compared with the capture's client bytes.
//
// The comparison is byte for byte. The only fields allowed to differ are named here, each
// with its reason, and only on the versioned wire; section A matches exactly both ways:
//
//  (a) OBJECT IDS A SERVER MINTS. rsbinder numbers its objects from 1, libbinder from 0
//      (RpcState::mNextId starts at 0; rpc-wire.md §2.7), and tsbinder follows libbinder on
//      the versioned wire. So the id field of the server-minted address (options 0x3) in the
//      GET_ROOT reply is the one place the server's bytes may differ (it must be 0); direction
//      1 maps the id the tsbinder server returned onto the capture's and rewrites the
//      capture's address in the client bytes it sends afterwards. (rsbinder's r34 dialect has
//      its own numbering, a u64 counter from 1 plus a role tag byte; tsbinder's r34 server
//      mints exactly that, so A's addresses must match as captured.)
//  (b) THE CALL TARGET'S DEC_STRONG BEFORE A REPLY. libbinder counts a TRANSACT to an address
//      as sending that address (the caller's timesSent += 1), and the serving side returns
//      that reference with one DEC_STRONG written just before the REPLY
//      (flushExcessBinderRefs; rpc-wire.md §2.8). rsbinder's server does not send it. In
//      direction 1 exactly one such DEC_STRONG (amount 1, address = the call target) must
//      come before the REPLY to each TRANSACT on a non-zero address; it is checked and then
//      skipped. In direction 2 the capture never sends it; what the tsbinder client does
//      about that is spelled out at replayServerSide below.
//
// And one exchange that is not in the capture: libbinder's RpcSession::setupClient sends the
// special transactions GET_MAX_THREADS and GET_SESSION_ID right after the handshake (and
// tsbinder then asks whether the server takes frames above libbinder's cap, frame-size.ts);
// rsbinder's client goes straight to GET_ROOT. tsbinder's client does what libbinder does, so
// in direction 2 the raw server answers those as extra exchanges (reply int32 1, a 32-byte
// session id, UNKNOWN_TRANSACTION), and a separate test checks a tsbinder server answers them.
import { describe, expect, it } from "vitest";
import * as net from "node:net";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { StatusCode, getService, type IBinder, type RpcServer, type RpcSession } from "../../src/index.js";
import { BinderProxy } from "../../src/codegen.js";
import { SPECIAL_MAX_FRAME_BODY } from "../../src/rpc/frame-size.js";
import { bytesToHex, capturedSessions, type CapturedMessage } from "../fixtures/reference.js";
import { socketPath, HelloService, HELLO, echo, ended, until } from "./helpers.js";

const SECTIONS = ["A", "V0", "V1", "V2"] as const;
type Section = (typeof SECTIONS)[number];
const sessions = capturedSessions();

const TRANSACT = 0, REPLY = 1, DEC_STRONG = 2;
const FLAG_CLEAR_BUF = 0x20;
const SPECIAL_GET_ROOT = 0, SPECIAL_GET_MAX_THREADS = 1, SPECIAL_GET_SESSION_ID = 2;
const READ_TIMEOUT_MS = 2000;

// ---- the wire, read independently of src/ (offsets from rpc-wire.md §1-§2) ----------------

interface Layout {
  r34: boolean;
  version: number; // wire version (0 for r34, which has the v0-style reply)
  head: number; // offset of RpcWireHeader in a frame (r34: after the u32 length prefix)
  addrSize: number; // RpcWireAddress: 8 bytes; r34: 32 raw bytes
  txSize: number; // RpcWireTransaction
  replySize: number; // RpcWireReply on the wire
}

function layoutOf(section: Section): Layout {
  if (section === "A") return { r34: true, version: 0, head: 4, addrSize: 32, txSize: 64, replySize: 4 };
  const version = Number(section.slice(1));
  return { r34: false, version, head: 0, addrSize: 8, txSize: 40, replySize: version === 0 ? 4 : 20 };
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.length).getUint32(at, true);
const hex = (b: Uint8Array) => bytesToHex(b);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const le32 = (...words: number[]) => {
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
};

const command = (L: Layout, f: Uint8Array) => u32(f, L.head);
const body = (L: Layout) => L.head + 16;
/** Address of a TRANSACT or DEC_STRONG (both start their body with it). */
const addressOf = (L: Layout, f: Uint8Array) => f.slice(body(L), body(L) + L.addrSize);
const codeOf = (L: Layout, f: Uint8Array) => u32(f, body(L) + L.addrSize);
const flagsOf = (L: Layout, f: Uint8Array) => u32(f, body(L) + L.addrSize + 4);
const isZero = (b: Uint8Array) => b.every((x) => x === 0);
const txParcel = (L: Layout, f: Uint8Array) => f.subarray(body(L) + L.txSize);

/** A String16 at `at`: [text, offset after it]. */
function readString16(b: Uint8Array, at: number): [string, number] {
  const n = u32(b, at);
  const units = new Uint16Array(b.slice(at + 4, at + 4 + n * 2).buffer);
  return [String.fromCharCode(...units), at + 4 + ((n + 1) * 2 + 3 & ~3)];
}

/** libbinder's DEC_STRONG frame (versioned wire): header + {address, amount, reserved}. */
function decStrongFrame(address: Uint8Array, amount: number): Uint8Array {
  return cat(le32(DEC_STRONG, 16, 0, 0), address, le32(amount, 0));
}

/** A REPLY frame with status OK carrying `parcel` (no binders in it, so no object table). */
function replyFrame(L: Layout, parcel: Uint8Array, status = 0): Uint8Array {
  const reply = L.version === 0 ? le32(status) : le32(status, parcel.length, 0, 0, 0);
  return cat(le32(REPLY, reply.length + parcel.length, 0, 0), reply, parcel);
}

/** Messages before the first RpcWireHeader frame: the versioned handshake (none in r34). */
function handshakeCount(L: Layout, msgs: CapturedMessage[]): number {
  if (L.r34) return 0;
  const n = msgs.findIndex((m) => m.dir === "S>C") + 1; // ... up to RpcNewSessionResponse
  expect(msgs.slice(0, n).map((m) => [m.dir, m.bytes.length])).toEqual([["C>S", 16], ["C>S", 8], ["S>C", 8]]);
  return n;
}

// ---- a raw socket that can read exactly n bytes ------------------------------------------

class RawPeer {
  private chunks: Buffer[] = [];
  private length = 0;
  private eof = false;
  private wake: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {
    socket.on("data", (c: Buffer) => { this.chunks.push(c); this.length += c.length; this.notify(); });
    socket.on("end", () => { this.eof = true; this.notify(); });
    socket.on("close", () => { this.eof = true; this.notify(); });
    socket.on("error", () => { this.eof = true; this.notify(); });
  }

  static connect(path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ path });
      s.once("connect", () => { s.off("error", reject); resolve(new RawPeer(s)); });
      s.once("error", reject);
    });
  }

  write(bytes: Uint8Array): void { this.socket.write(bytes); }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async waitFor(cond: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.wake = null; resolve(); }, left);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
    return true;
  }

  private take(n: number): Uint8Array {
    const all = Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.length -= n;
    return new Uint8Array(all.subarray(0, n));
  }

  private pending(): string {
    return this.length ? hex(new Uint8Array(Buffer.concat(this.chunks))) : "";
  }

  /** Exactly n bytes, or an error saying what came instead (timeout or EOF). */
  async readExactly(n: number, what: string, ms = READ_TIMEOUT_MS): Promise<Uint8Array> {
    await this.waitFor(() => this.length >= n || this.eof, ms);
    if (this.length < n) {
      throw new Error(`${what}: wanted ${n} bytes, ${this.eof ? "peer closed" : `nothing more in ${ms} ms`} ` +
        `after ${this.length}: ${this.pending()}`);
    }
    return this.take(n);
  }

  /** One whole frame: [r34 length prefix +] RpcWireHeader + bodySize bytes. */
  async readFrame(L: Layout, what: string): Promise<Uint8Array> {
    const head = await this.readExactly(L.head + 16, `${what} (header)`);
    const bodySize = u32(head, L.head + 4);
    if (L.r34) expect(u32(head, 0), `${what}: r34 length prefix`).toBe(16 + bodySize);
    return cat(head, await this.readExactly(bodySize, `${what} (body of ${bodySize})`));
  }

  /** The peer closes within `ms` and sends nothing more before it does. */
  async expectClosed(what: string, ms = READ_TIMEOUT_MS): Promise<void> {
    await this.waitFor(() => this.eof, ms);
    expect(this.pending(), `${what}: bytes after the last expected message`).toBe("");
    expect(this.eof, `${what}: the peer closes the socket`).toBe(true);
  }

  /** Nothing arrives and the peer keeps the socket open for `ms`. */
  async expectQuiet(what: string, ms: number): Promise<void> {
    await this.waitFor(() => this.eof || this.length > 0, ms);
    expect(this.pending(), `${what}: unexpected bytes`).toBe("");
    expect(this.eof, `${what}: the peer keeps the socket open`).toBe(false);
  }

  close(): void { this.socket.destroy(); }
}

function rawServer(path: string): Promise<{ accepted: Promise<RawPeer>; close: () => void }> {
  return new Promise((resolve, reject) => {
    let onAccept!: (p: RawPeer) => void;
    const accepted = new Promise<RawPeer>((r) => { onAccept = r; });
    const srv = net.createServer((s) => onAccept(new RawPeer(s)));
    srv.once("error", reject);
    srv.listen(path, () => resolve({ accepted, close: () => srv.close() }));
  });
}

// ---- direction 1: the capture's client vs a tsbinder server --------------------------------

async function replayClientSide(section: Section): Promise<void> {
  const L = layoutOf(section);
  const msgs = sessions.get(section)!;
  const hs = handshakeCount(L, msgs);
  const path = socketPath("replay-c");
  const server: RpcServer = await listenUnix(path, L.r34 ? {} : { maxVersion: L.version });
  if (L.r34) server.addService("hello", new HelloService());
  else server.setRoot(new HelloService());
  const peer = await RawPeer.connect(path);
  try {
    // capture address (hex) -> the address the tsbinder server minted for the same object
    const minted = new Map<string, Uint8Array>();
    let lastTx: { address: Uint8Array; code: number; flags: number } | null = null;
    let clearBufAnswered = false;
    let targetDecStrongs = 0;

    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (m.dir === "C>S") {
        let out = m.bytes;
        if (i >= hs && [TRANSACT, DEC_STRONG].includes(command(L, out))) {
          // (a) refer to the server's objects by the addresses it actually minted
          const was = addressOf(L, out);
          const now = minted.get(hex(was));
          if (now) {
            out = out.slice();
            out.set(now, body(L));
            for (const capt of minted.keys()) {
              expect(hex(out).includes(capt), `${m.id}: capture address ${capt} left elsewhere in the message`).toBe(false);
            }
          }
          if (command(L, out) === TRANSACT) lastTx = { address: addressOf(L, out), code: codeOf(L, out), flags: flagsOf(L, out) };
        }
        peer.write(out);
        continue;
      }

      // S>C
      if (i < hs) {
        const got = await peer.readExactly(m.bytes.length, m.id);
        expect(hex(got), `${m.id} ${m.title}`).toBe(hex(m.bytes));
        continue;
      }
      expect(command(L, m.bytes), `${m.id} is a REPLY`).toBe(REPLY);
      expect(lastTx, `${m.id} answers a TRANSACT`).not.toBeNull();
      const call = lastTx!;
      lastTx = null;
      if (!L.r34 && !isZero(call.address)) {
        // (b) libbinder's flushExcessBinderRefs: the target's reference comes back first
        const dec = await peer.readFrame(L, `${m.id}: call target's DEC_STRONG before the REPLY`);
        expect(hex(dec), `${m.id}: DEC_STRONG(target, amount 1) before the REPLY`).toBe(hex(decStrongFrame(call.address, 1)));
        targetDecStrongs++;
      }
      const got = await peer.readFrame(L, m.id);
      expect(got.length, `${m.id} ${m.title}: length`).toBe(m.bytes.length);
      const want = m.bytes.slice();
      if (!L.r34 && isZero(call.address) && call.code === SPECIAL_GET_ROOT) {
        // (a) the root's server-minted address: flattened binder = i32 1, u32 options, u32 id,
        //     i32 stability at parcel offset 0
        const p = body(L) + L.replySize;
        expect(u32(want, p + 4), `${m.id}: captured root address is server-minted`).toBe(0x3);
        expect(u32(got, p + 4), `${m.id}: tsbinder root address options CREATED|FOR_SERVER`).toBe(0x3);
        expect(u32(want, p + 8), `${m.id}: rsbinder's first id`).toBe(1);
        expect(u32(got, p + 8), `${m.id}: libbinder's first id (mNextId starts at 0)`).toBe(0);
        minted.set(hex(want.slice(p + 4, p + 12)), got.slice(p + 4, p + 12));
        want.set(got.subarray(p + 8, p + 12), p + 8);
      }
      expect(hex(got), `${m.id} ${m.title}`).toBe(hex(want));
      if (call.flags & FLAG_CLEAR_BUF) {
        expect(u32(got, body(L)), `${m.id}: status of a call with FLAG_CLEAR_BUF`).toBe(0);
        clearBufAnswered = true;
      }
    }

    // rsbinder's AIDL proxies set FLAG_CLEAR_BUF; the server must accept (and ignore) it
    expect(clearBufAnswered, "the capture has a FLAG_CLEAR_BUF call and it was answered").toBe(true);
    const callsOnObjects = msgs.filter((m, i) => i >= hs && m.dir === "C>S" && command(L, m.bytes) === TRANSACT && !isZero(addressOf(L, m.bytes))).length;
    expect(targetDecStrongs).toBe(L.r34 ? 0 : callsOnObjects);

    // The capture's client returned its last reference (its final DEC_STRONG) and closed. The
    // server's node table is then empty (both counts of every node are zero): libbinder ends
    // the session ("RpcState has no binders left", rpc-wire.md §2.8), so the server closes the
    // socket by itself, sending nothing more. tsbinder applies that rule in r34 too, where a
    // call target is counted by neither side (no target DEC_STRONG in A, see above).
    await peer.expectClosed(`${section}: server after the client's last DEC_STRONG`);
    await until(() => server.sessionCount === 0, READ_TIMEOUT_MS);
  } finally {
    peer.close();
    await server.shutdown();
  }
}

// ---- direction 2: the capture's server vs a tsbinder client --------------------------------

/**
 * The raw server plays the capture's server side; the tsbinder client makes the calls the
 * capture shows. `libbinderTargetDecStrong` makes the raw server also send (b), as a libbinder
 * server would, right before the REPLY to each call on an object.
 *
 * Without it (the capture as is, rsbinder's behaviour) the tsbinder client first counts the
 * reference its echo TRANSACT gave the server, as libbinder does (transacting on a proxy is
 * onBinderLeaving for that proxy's node: timesSent 1, which only the peer's DEC_STRONG takes
 * back; a node is erased only when both counts are zero, and erasing the last one ends the
 * session). A libbinder client would wait for that DEC_STRONG forever and never close. The
 * tsbinder client notices that the echo's REPLY came without it although nothing else was in
 * flight to that object (src/rpc/target-acks.ts), stops counting call targets for this
 * session and forgets the one it counted; so after it drops its IHello proxy (returning
 * timesRecd with DEC_STRONG, as the capture's V*-8 shows) its table is empty and it closes,
 * with the same bytes as before. The r34 dialect never counts a call target as sent, so in
 * section A the client closes after its last DEC_STRONG exactly as the capture shows.
 */
async function replayServerSide(section: Section, libbinderTargetDecStrong = false): Promise<void> {
  const L = layoutOf(section);
  const msgs = sessions.get(section)!;
  const hs = handshakeCount(L, msgs);
  const path = socketPath("replay-s");
  const raw = await rawServer(path);

  // the text the capture's client echoes: the last TRANSACT's parcel = token, then the String16
  const lastTx = [...msgs].reverse().find((m) => m.dir === "C>S" && command(L, m.bytes) === TRANSACT)!;
  const [token, next] = readString16(txParcel(L, lastTx.bytes), 0);
  expect(token).toBe(HELLO);
  const [text] = readString16(txParcel(L, lastTx.bytes), next);
  expect(flagsOf(L, lastTx.bytes), "rsbinder's AIDL proxy sets FLAG_CLEAR_BUF on echo").toBe(FLAG_CLEAR_BUF);

  let session: RpcSession | null = null;
  let hello: IBinder | null = null;
  const client = (async () => {
    session = await connectUnix(path, { version: L.r34 ? "r34" : L.version });
    const root = await session.getRoot();
    expect(root).toBeInstanceOf(BinderProxy);
    if (L.r34) {
      hello = await getService(root!, "hello");
      (root as BinderProxy).dispose();
    } else {
      hello = root;
    }
    const answer = await echo(hello!, text, FLAG_CLEAR_BUF);
    (hello as BinderProxy).dispose();
    return answer;
  })();
  let clientError: unknown = null;
  client.catch((e) => { clientError = e; });

  const peer = await raw.accepted;
  const sessionId = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
  try {
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (m.dir === "S>C") {
        if (libbinderTargetDecStrong && i >= hs) {
          const call = msgs[i - 1]!;
          if (command(L, call.bytes) === TRANSACT && !isZero(addressOf(L, call.bytes))) {
            peer.write(decStrongFrame(addressOf(L, call.bytes), 1));
          }
        }
        peer.write(m.bytes);
        continue;
      }
      // C>S
      if (i < hs) {
        // the RpcConnectionHeader and "cci" both arrive before we have answered anything:
        // the client pipelines them, as libbinder's setupOneSocketConnection does
        const got = await peer.readExactly(m.bytes.length, `${m.id} ${m.title} (before any response was sent)`);
        expect(hex(got), `${m.id} ${m.title}`).toBe(hex(m.bytes));
        continue;
      }
      if (i === hs && !L.r34) {
        // Not in the capture: rsbinder's client goes straight to GET_ROOT after the handshake,
        // libbinder's setupClient (and so tsbinder's client) first asks GET_MAX_THREADS and
        // GET_SESSION_ID. Same special-transaction frame as the capture's GET_ROOT, other code.
        expect(isZero(addressOf(L, m.bytes)) && codeOf(L, m.bytes) === SPECIAL_GET_ROOT, `${m.id} is GET_ROOT`).toBe(true);
        for (const [code, answer] of [
          [SPECIAL_GET_MAX_THREADS, le32(1)],
          [SPECIAL_GET_SESSION_ID, cat(le32(32), sessionId)],
        ] as const) {
          const want = m.bytes.slice();
          want.set(le32(code), body(L) + L.addrSize);
          const got = await peer.readFrame(L, `special transaction ${code}`);
          expect(hex(got), `special transaction ${code} (setupClient)`).toBe(hex(want));
          peer.write(replyFrame(L, answer));
        }
        // then tsbinder's own ask for larger frames (frame-size.ts), which rsbinder, like
        // libbinder, answers with UNKNOWN_TRANSACTION: the client keeps the default cap
        const ask = await peer.readFrame(L, "the frame-size ask");
        expect(isZero(addressOf(L, ask)) && codeOf(L, ask) === SPECIAL_MAX_FRAME_BODY, "the frame-size ask").toBe(true);
        peer.write(replyFrame(L, new Uint8Array(0), StatusCode.UNKNOWN_TRANSACTION));
      }
      const got = await peer.readFrame(L, m.id);
      expect(hex(got), `${m.id} ${m.title}`).toBe(hex(m.bytes));
    }
    expect(await client).toBe(text);
    const s = session! as RpcSession;
    if (!L.r34) expect(hex(s.sessionId!)).toBe(hex(sessionId));

    // Every reference is back, so the last node is erased and the session ends. Without
    // libbinder's target DEC_STRONG (rsbinder's server as captured) the client learnt from the
    // echo's REPLY, which came without it, that this peer keeps call targets' references
    // (src/rpc/target-acks.ts): it stopped counting them, so the echo target's reference is
    // not waited for either.
    await peer.expectClosed(`${section}: client after its last DEC_STRONG`);
    await ended(s);
  } catch (e) {
    // a raw read that timed out usually means the client gave up: say why
    if (clientError) throw new Error(`${(e as Error).message}\n(the tsbinder client failed: ${(clientError as Error)?.stack ?? clientError})`);
    throw e;
  } finally {
    peer.close();
    raw.close();
    (session as RpcSession | null)?.shutdown();
  }
}

// ---- the tests ---------------------------------------------------------------------------

describe("replay of captured rsbinder sessions", () => {
  it("the capture has the four sections", () => {
    expect([...sessions.keys()].sort()).toEqual([...SECTIONS].sort());
  });

  for (const section of SECTIONS) {
    describe(`section ${section}`, () => {
      it("the capture's client against a tsbinder server", () => replayClientSide(section));
      it("the capture's server against a tsbinder client", () => replayServerSide(section));
    });
  }

  for (const section of ["V0", "V1", "V2"] as const) {
    it(`${section}: with libbinder's target DEC_STRONG added, the client ends the session after its last proxy`,
      () => replayServerSide(section, true));

    it(`${section}: a tsbinder server answers GET_MAX_THREADS and GET_SESSION_ID (libbinder setupClient)`, async () => {
      const L = layoutOf(section);
      const msgs = sessions.get(section)!;
      const hs = handshakeCount(L, msgs);
      const getRoot = msgs[hs]!;
      expect(isZero(addressOf(L, getRoot.bytes)) && codeOf(L, getRoot.bytes) === SPECIAL_GET_ROOT).toBe(true);
      const path = socketPath("specials");
      const server = await listenUnix(path, { maxVersion: L.version });
      server.setRoot(new HelloService());
      const serverSession = new Promise<RpcSession>((r) => server.onSession(r));
      const peer = await RawPeer.connect(path);
      try {
        peer.write(cat(msgs[0]!.bytes, msgs[1]!.bytes));
        expect(hex(await peer.readExactly(8, "RpcNewSessionResponse"))).toBe(hex(msgs[2]!.bytes));
        const special = (code: number) => {
          const f = getRoot.bytes.slice();
          f.set(le32(code), body(L) + L.addrSize);
          return f;
        };
        peer.write(special(SPECIAL_GET_MAX_THREADS));
        expect(hex(await peer.readFrame(L, "GET_MAX_THREADS reply"))).toBe(hex(replyFrame(L, le32(1))));
        peer.write(special(SPECIAL_GET_SESSION_ID));
        const idReply = await peer.readFrame(L, "GET_SESSION_ID reply");
        const id = (await serverSession).sessionId!;
        expect(id.length).toBe(32);
        expect(hex(idReply)).toBe(hex(replyFrame(L, cat(le32(32), id))));
      } finally {
        peer.close();
        await server.shutdown();
      }
    });
  }
});
