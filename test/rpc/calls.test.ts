// Calls in a session, each wire version: nested callbacks, oneway ordering, exceptions,
// unknown codes, binders passed around and back.
import { afterEach, describe, expect, it } from "vitest";
import {
  ServiceSpecificException, UnknownTransactionError, BinderError, StatusCode, type RpcServer,
  type RpcSession,
} from "../../src/index.js";
import { BinderProxy } from "../../src/codegen.js";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { socketPath, ended, until } from "./helpers.js";
import { Nester, nest, record, recorded, throwSse, returnBinder, hold, releaseHeld, DESCRIPTOR } from "./test-service.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

async function pair(version: number | "r34", opts: { maxThreads?: number; incoming?: number } = {}) {
  const path = socketPath();
  const server: RpcServer = await listenUnix(path, { maxThreads: opts.maxThreads ?? 1 });
  const service = new Nester("server");
  server.setRoot(service);
  const session: RpcSession = await connectUnix(path, { version, maxIncomingThreads: opts.incoming ?? 0 });
  cleanup.push(() => server.shutdown(), () => session.shutdown());
  const root = (await session.getRoot())!;
  return { server, service, session, root };
}

for (const version of [0, 1, 2, "r34"] as const) {
  describe(`wire ${version}`, () => {
    it("nested calls three levels deep (server -> client -> server -> client)", async () => {
      const { root } = await pair(version);
      const client = new Nester("client");
      expect(await nest(root, client, 3)).toBe("server>client>server>leaf");
    });

    it("1,000 oneway calls arrive in order", async () => {
      const { root, service } = await pair(version);
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 1000; i++) sent.push(record(root, i));
      await Promise.all(sent);
      const got = await recorded(root);
      expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(service.recorded).toHaveLength(1000);
    });

    it("service-specific exceptions arrive typed, with code and message", async () => {
      const { root } = await pair(version);
      const err = await throwSse(root, 42).catch((e) => e);
      expect(err).toBeInstanceOf(ServiceSpecificException);
      expect(err.errorCode).toBe(42);
      expect(err.message).toBe("asked to fail");
    });

    it("an unknown transaction code is UNKNOWN_TRANSACTION, and the session goes on", async () => {
      const { root } = await pair(version);
      const data = root.newParcel();
      data.writeInterfaceToken(DESCRIPTOR);
      const err = await root.transact(0x1234, data).catch((e) => e);
      expect(err).toBeInstanceOf(UnknownTransactionError);
      expect((err as BinderError).status).toBe(StatusCode.UNKNOWN_TRANSACTION);
      expect(await root.getInterfaceDescriptor()).toBe(DESCRIPTOR);
    });

    it("a wrong interface token is BAD_TYPE", async () => {
      const { root } = await pair(version);
      const data = root.newParcel();
      data.writeInterfaceToken("not.the.Interface");
      const err = await root.transact(1, data).catch((e) => e);
      expect(err).toBeInstanceOf(BinderError);
      expect(err.status).toBe(StatusCode.BAD_TYPE);
    });

    it("a local binder sent to the server and back is the same object", async () => {
      const { root } = await pair(version);
      const mine = new Nester("mine");
      expect(await returnBinder(root, mine)).toBe(mine);
      expect(await returnBinder(root, null)).toBeNull();
      // the root proxy sent back to its owner arrives there as the service itself
      const back = await returnBinder(root, root);
      expect(back).toBe(root);
    });

    it("concurrent two-way calls all complete", async () => {
      const { root } = await pair(version, { maxThreads: 3 });
      const client = new Nester("c");
      const results = await Promise.all(Array.from({ length: 50 }, () => nest(root, client, 1)));
      expect(new Set(results)).toEqual(new Set(["server>leaf"]));
    });
  });
}

describe("references (libbinder counting)", () => {
  it("releasing the last proxy ends the session on both sides", async () => {
    const { session, server, root } = await pair(1);
    expect(server.sessionCount).toBe(1);
    (root as BinderProxy).dispose();
    await ended(session);
    await until(() => server.sessionCount === 0);
  });

  it("a binder the server holds keeps the client's object alive; releasing it returns the refs", async () => {
    const { session, root } = await pair(2, { incoming: 1 });
    const cb = new Nester("cb");
    await hold(root, cb);
    // the client has two nodes: the root proxy and its own callback object
    expect(session.stats.objectCount).toBe(2);
    await releaseHeld(root);
    await until(() => session.stats.objectCount === 1);
  });

  it("calling a disposed proxy fails with DeadObjectError", async () => {
    const { root, session } = await pair(1);
    const other = await session.getRoot();
    (root as BinderProxy).dispose();
    const err = await nest(root, new Nester("x"), 0).catch((e) => e);
    expect(err.name).toBe("DeadObjectError");
    void other;
  });
});
