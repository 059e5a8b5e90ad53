// Platforms side by side in one process (src/platform/platform.ts): each session's parcels,
// frames and call context go through the platform it was given, and nothing one platform does
// reaches a session on another. Before issue 19 these were module-global setters, and the
// adapter imported last won for every session.
import { afterEach, describe, expect, it } from "vitest";
import {
  Binder, getCallingIdentity, Parcel, ParcelFileDescriptor, RpcServer, type PeerIdentity,
  type RpcSession,
} from "../../src/index.js";
import { transactCall, writeNoException } from "../../src/codegen.js";
import {
  connectSession, MemoryTransport, portablePlatform, type Platform, type TransportConnection,
} from "../../src/transport.js";
import { derivePlatform } from "../../src/platform/platform.js";
import { portableString16Codec } from "../../src/core/string16.js";
import { asyncLocalStorageStores } from "../../src/platform/context-store.js";
import { MODE } from "../../src/core/layout.js";
import { AsyncLocalStorage } from "node:async_hooks";

const D = "test.IPlatforms";
const ECHO = 1, WHO = 2;

/** An echo of a String16 that also says who called, read after an await. */
class Echo extends Binder {
  constructor() { super(D); }
  protected override async onTransact(code: number, data: Parcel, reply: Parcel): Promise<boolean> {
    data.enforceInterface(D);
    const text = code === ECHO ? data.readString16() : null;
    await new Promise<void>((r) => queueMicrotask(r));
    await Promise.resolve();
    writeNoException(reply);
    if (code === ECHO) reply.writeString16(text);
    else reply.writeString16(JSON.stringify(getCallingIdentity()));
    return true;
  }
}

/** A platform like `base` that records every String16 it decodes and every byte array it
 *  allocates for frames (so a test can tell whose parcels went through it). */
function recording(name: string, base: Platform) {
  const texts: string[] = [];
  const frames: number[] = [];
  const platform = derivePlatform(base, {
    name,
    string16: {
      ...base.string16,
      decode(memory, at, units) { const s = base.string16.decode(memory, at, units); texts.push(s); return s; },
      // every text goes through decode, so what was read is what was recorded
      decodeLatin1: undefined,
    },
    bytes: { ...base.bytes, allocate: (n) => { frames.push(n); return base.bytes.allocate(n); } },
  });
  return { platform, texts, frames };
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

/** A memory transport that shows every array its client connections are asked to write. */
class WatchedTransport extends MemoryTransport {
  constructor(private readonly watch: (bytes: Uint8Array) => void) { super(); }
  override async connect(address: string): Promise<TransportConnection> {
    const conn = await super.connect(address);
    const write = conn.write.bind(conn);
    conn.write = (bytes, fds, more) => { this.watch(bytes); write(bytes, fds, more); };
    return conn;
  }
}

async function pair(platform: Platform | undefined, name: string, watch: (bytes: Uint8Array) => void = () => {}): Promise<{ session: RpcSession; root: Awaited<ReturnType<RpcSession["getRoot"]>> }> {
  const transport = new WatchedTransport(watch);
  const server = new RpcServer({ platform });
  server.setRoot(new Echo());
  await server.listen(transport, name);
  cleanup.push(() => server.shutdown());
  const session = await connectSession(transport, name, { platform });
  cleanup.push(() => session.shutdown());
  return { session, root: await session.getRoot() };
}

const echo = (root: NonNullable<Awaited<ReturnType<RpcSession["getRoot"]>>>, s: string) =>
  transactCall(root, D, ECHO, 0, (p) => p.writeString16(s), (r) => r.readString16());
const who = (root: NonNullable<Awaited<ReturnType<RpcSession["getRoot"]>>>) =>
  transactCall(root, D, WHO, 0, () => {}, (r) => JSON.parse(r.readString16()!) as PeerIdentity | null);

describe("two platforms in one process", () => {
  it("each session's parcels and frames go through its own platform, and only its own", async () => {
    const a = recording("a", portablePlatform);
    const b = recording("b", derivePlatform(portablePlatform, { string16: portableString16Codec }));
    const [sa, sb] = await Promise.all([pair(a.platform, "a"), pair(b.platform, "b")]);
    expect(sa.session.platform).toBe(a.platform);
    expect(sb.session.platform).toBe(b.platform);
    const framesBefore = [a.frames.length, b.frames.length];

    // interleaved, so a global that one of them changed would show in the other
    const got = await Promise.all([echo(sa.root!, "alpha-1"), echo(sb.root!, "beta-1"), echo(sa.root!, "alpha-2"), echo(sb.root!, "beta-2")]);
    expect(got).toEqual(["alpha-1", "beta-1", "alpha-2", "beta-2"]);

    // both ends of each pair read its texts (server: the argument; client: the reply)
    expect(a.texts.filter((t) => t.startsWith("alpha")).sort()).toEqual(["alpha-1", "alpha-1", "alpha-2", "alpha-2"]);
    expect(b.texts.filter((t) => t.startsWith("beta")).sort()).toEqual(["beta-1", "beta-1", "beta-2", "beta-2"]);
    expect(a.texts.some((t) => t.startsWith("beta"))).toBe(false);
    expect(b.texts.some((t) => t.startsWith("alpha"))).toBe(false);
    // frames that could not be sent at once (the memory transport takes the rest from
    // linear memory directly) were copied by their own session's platform
    expect(a.frames.length).toBeGreaterThan(framesBefore[0]!);
    expect(b.frames.length).toBeGreaterThan(framesBefore[1]!);
  });

  it("getCallingIdentity works across awaits on each async platform, side by side, and not on the portable one", async () => {
    const one = derivePlatform(portablePlatform, { name: "als-1", context: asyncLocalStorageStores(AsyncLocalStorage) });
    const two = derivePlatform(portablePlatform, { name: "als-2", context: asyncLocalStorageStores(AsyncLocalStorage) });
    const [p1, p2, p0] = await Promise.all([pair(one, "one"), pair(two, "two"), pair(undefined, "portable")]);
    const got = await Promise.all([who(p1.root!), who(p2.root!), who(p0.root!), who(p1.root!)]);
    expect(got[0]).toEqual({ kind: "local", detail: "in-process" });
    expect(got[1]).toEqual(got[0]);
    expect(got[3]).toEqual(got[0]);
    // the portable store sees the call only until the handler's first await
    expect(got[2]).toBeNull();
    expect(getCallingIdentity()).toBeNull();
  });

  it("a parcel made by user code is on the portable platform; one a session makes is on the session's", async () => {
    const a = recording("a", portablePlatform);
    const { root } = await pair(a.platform, "user");
    const mine = new Parcel();
    cleanup.push(() => mine.dispose());
    expect(mine._platform).toBe(portablePlatform);
    const theirs = root!.newParcel();
    cleanup.push(() => theirs.dispose());
    expect(theirs._platform).toBe(a.platform);
  });
});

describe("a platform's timers", () => {
  it("run the server's handshake timeout and the session's frame and idle timeouts", async () => {
    const asked: number[] = [];
    const timers = {
      setTimeout: (fn: () => void, ms: number) => { asked.push(ms); return setTimeout(fn, ms); },
      clearTimeout: (t: unknown) => clearTimeout(t as ReturnType<typeof setTimeout>),
    };
    const platform = derivePlatform(portablePlatform, { name: "timed", timers });
    const transport = new MemoryTransport();
    const server = new RpcServer({ platform, handshakeTimeoutMs: 4321, frameTimeoutMs: 1234, unusedSessionTimeoutMs: 98_765 });
    server.setRoot(new Echo());
    await server.listen(transport, "timed");
    cleanup.push(() => server.shutdown());
    const session = await connectSession(transport, "timed", { platform });
    cleanup.push(() => session.shutdown());
    expect(await echo((await session.getRoot())!, "tick")).toBe("tick");
    expect(asked).toContain(4321);
    expect(asked.some((ms) => ms > 0 && ms <= 98_765 && ms !== 4321)).toBe(true);
  });
});

describe("importing an adapter", () => {
  it("changes nothing for a session on the portable platform", async () => {
    const before = await portableBehaviour("before");
    const frozen = JSON.stringify(Object.keys(portablePlatform));
    const node = await import("../../runtimes/node/index.js");
    expect(node.nodePlatform).not.toBe(portablePlatform);
    expect(Object.isFrozen(portablePlatform)).toBe(true);
    expect(JSON.stringify(Object.keys(portablePlatform))).toBe(frozen);
    const after = await portableBehaviour("after");
    expect(after).toEqual(before);
    // and the Node platform's sessions do get what the Node platform gives
    const { root } = await pair(node.nodePlatform, "node");
    expect(await who(root!)).toEqual({ kind: "local", detail: "in-process" });
  });
});

/** What a session on the portable platform does that an adapter used to change globally: the
 *  kind of array frames are copied into, String16 decoding, the call context after an await,
 *  and whether a descriptor can be closed through it. */
async function portableBehaviour(name: string) {
  const frameKinds = new Set<string>();
  const { session, root } = await pair(undefined, name, (bytes) => frameKinds.add(Object.getPrototypeOf(bytes).constructor.name));
  const text = await echo(root!, "\uD800 lone");
  const identity = await who(root!);
  return { frameKinds: [...frameKinds], text, identity, platform: session.platform.name, fds: session.platform.fds };
}

describe("descriptors and platforms", () => {
  it("a descriptor wrapped by user code closes through the platform it was given, or the first parcel's it is written into", () => {
    const closed: number[] = [];
    const fds = { close: (fd: number) => { closed.push(fd); }, dup: (fd: number) => fd + 1000 };
    const platform = derivePlatform(portablePlatform, { name: "recording fds", fds });
    // given at construction
    new ParcelFileDescriptor(7, platform).close();
    expect(closed).toEqual([7]);
    // none yet: close() cannot act and says so; the number stays the caller's
    const loose = new ParcelFileDescriptor(8);
    expect(() => loose.close()).toThrow(/no platform to close it/);
    expect(loose.fd).toBe(8);
    // written into a parcel of a platform with fd ops: bound to it
    const p = new Parcel({ platform });
    try {
      p._setMode(MODE.FDS);
      p.writeFileDescriptor(loose);
      p.dataPosition = 0;
      const read = p.readFileDescriptor();
      expect(read.fd).toBe(1008); // a duplicate, made through the parcel's platform
      read.close();
    } finally { p.dispose(); }
    loose.close();
    expect(closed).toEqual([7, 1008, 8]);
  });
});
