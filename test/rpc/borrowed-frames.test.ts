// Frames lent to the transport (TransportConnection.writeNow): the session hands a transport a
// view of the core's memory only for writeNow, which sends it on the spot; write() always gets
// a copy of its own, and a reply that must wait its turn (a nested call of ours still on top)
// is copied before its parcel is disposed and the memory reused.
import { afterEach, describe, expect, it } from "vitest";
import { Binder, RpcServer, type IBinder, type Parcel } from "../../src/index.js";
import { transactCall, writeNoException } from "../../src/codegen.js";
import { connectSession, memoryTransport, type RpcTransport, type TransportConnection } from "../../src/transport.js";
import { core } from "../../src/core/core.js";

const D = "test.IBorrow";
const ECHO = 1, FIRE_AND_REPLY = 2, PING = 3;

/** Echo; and a call that starts a call back into the caller's binder, does not wait for it,
 *  and replies at once (its reply is ready while our nested call is still on top). */
class Service extends Binder {
  nested: Promise<string> | null = null;
  constructor() { super(D); }
  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean {
    data.enforceInterface(D);
    if (code === ECHO) { const s = data.readString16(); writeNoException(reply); reply.writeString16(s); return true; }
    if (code === FIRE_AND_REPLY) {
      const cb = data.readStrongBinderNonNull();
      this.nested = transactCall(cb, D, ECHO, 0, (p) => p.writeString16("nested ".repeat(40)), (r) => r.readString16NonNull());
      writeNoException(reply);
      reply.writeString16("reply ".repeat(40));
      return true;
    }
    if (code === PING) { writeNoException(reply); return true; }
    return false;
  }
}

interface Log { lent: number; lentOk: number; written: number; writtenFromCore: number }

/** The memory transport, with a writeNow that either sends (copying, as a socket would send
 *  the bytes before returning) or refuses. Records what each path was given. */
function lendingTransport(accept: boolean, log: Log): RpcTransport {
  const wrap = (c: TransportConnection): TransportConnection => {
    const write = c.write.bind(c);
    return Object.assign(c, {
      write: (bytes: Uint8Array, fds?: readonly number[], more?: boolean) => {
        log.written++;
        if (bytes.buffer === core.memory.buffer) log.writtenFromCore++;
        write(bytes, fds, more);
      },
      writeNow: (bytes: Uint8Array) => {
        log.lent++;
        if (bytes.buffer === core.memory.buffer) log.lentOk++;
        if (!accept) return false;
        write(bytes);
        return true;
      },
    });
  };
  return {
    name: "lending",
    connect: async (a) => wrap(await memoryTransport.connect(a)),
    listen: (a, on) => memoryTransport.listen(a, (c) => on(wrap(c))),
  };
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

async function setup(accept: boolean) {
  const log: Log = { lent: 0, lentOk: 0, written: 0, writtenFromCore: 0 };
  const transport = lendingTransport(accept, log);
  const name = `borrow-${accept}-${Math.random()}`;
  const server = new RpcServer({ allowAnonymous: true });
  await server.listen(transport, name);
  const service = new Service();
  server.setRoot(service);
  const session = await connectSession(transport, name);
  cleanup.push(() => session.shutdown(), () => server.shutdown());
  const root = (await session.getRoot()) as IBinder;
  return { log, service, root };
}

const echo = (b: IBinder, s: string) => transactCall(b, D, ECHO, 0, (p) => p.writeString16(s), (r) => r.readString16NonNull());

describe("frames lent to the transport", () => {
  it("writeNow gets views of the core's memory; calls and replies go out through it", async () => {
    const { log, root } = await setup(true);
    const before = { ...log };
    for (let i = 0; i < 50; i++) expect(await echo(root, `call ${i} `.repeat(i))).toBe(`call ${i} `.repeat(i));
    expect(log.lent - before.lent).toBe(100); // 50 calls + 50 replies
    expect(log.lentOk).toBe(log.lent);
    expect(log.written - before.written).toBe(0);
    expect(log.writtenFromCore).toBe(0);
  });

  it("refused by writeNow, every frame reaches write() as a copy of its own", async () => {
    const { log, root } = await setup(false);
    for (let i = 0; i < 50; i++) expect(await echo(root, `call ${i} `.repeat(i))).toBe(`call ${i} `.repeat(i));
    expect(log.lent).toBeGreaterThanOrEqual(100);
    expect(log.written).toBeGreaterThanOrEqual(100);
    expect(log.writtenFromCore).toBe(0);
  });

  it("a reply ready while a nested call of ours is on top waits in a copy (its parcel's memory is reused meanwhile)", async () => {
    for (const accept of [true, false]) {
      const { log, service, root } = await setup(accept);
      const mine = new Service();
      for (let i = 0; i < 20; i++) {
        const got = await transactCall(root, D, FIRE_AND_REPLY, 0, (p) => p.writeStrongBinder(mine), (r) => r.readString16NonNull());
        expect(got).toBe("reply ".repeat(40));
        expect(await service.nested).toBe("nested ".repeat(40));
        // churn the core's memory between calls
        expect(await echo(root, "x".repeat(300 + i))).toBe("x".repeat(300 + i));
      }
      expect(log.writtenFromCore).toBe(0);
    }
  });

  it("calls that wait for a connection (or go behind another) keep a copy, even when the core's memory grows meanwhile", async () => {
    const { log, root } = await setup(true);
    const calls = Array.from({ length: 40 }, (_, i) => echo(root, `${i} `.repeat(200)));
    // grow linear memory while most of them wait (a view taken before would be detached)
    const { Parcel } = await import("../../src/index.js");
    const big = new Parcel();
    big.writeByteArray(new Uint8Array(32 << 20));
    big.dispose();
    const got = await Promise.all(calls);
    got.forEach((g, i) => expect(g).toBe(`${i} `.repeat(200)));
    expect(log.writtenFromCore).toBe(0);
  });
});
