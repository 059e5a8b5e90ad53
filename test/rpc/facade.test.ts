// The public RpcSession is a small facade over the session engine: what an application uses
// (the root, services by name — typed by an AIDL interface object —, liveness, the end, stats,
// close and `await using`), nothing of the engine's own members. RpcServer is disposable too.
import { afterEach, describe, expect, it } from "vitest";
import { BinderError, RpcServer, RpcSession, StatusCode, type IBinder } from "../../src/index.js";
import { connectSession, memoryTransport } from "../../src/transport.js";
import { HELLO, HelloService, echo } from "./helpers.js";

/** What generated code exports for an AIDL interface, reduced to what getService uses. */
class HelloProxy {
  constructor(readonly remote: IBinder) {}
  echo(text: string): Promise<string | null> { return echo(this.remote, text); }
}
const IHello = { descriptor: HELLO, fromBinder: (b: IBinder): HelloProxy => new HelloProxy(b) };

let n = 0;
const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0)) await c(); });

async function serve(): Promise<{ server: RpcServer; name: string; hello: HelloService }> {
  const server = new RpcServer({ allowAnonymous: true, maxThreads: 2 });
  const hello = new HelloService();
  server.addService("hello", hello);
  const name = `facade-${n++}`;
  await server.listen(memoryTransport, name);
  cleanup.push(() => server.shutdown());
  return { server, name, hello };
}

describe("RpcSession, the facade", () => {
  it("has only the members an application uses", () => {
    const own = Object.getOwnPropertyNames(RpcSession.prototype).filter((k) => k !== "constructor").sort();
    expect(own).toEqual(["close", "getRoot", "getService", "isAlive", "onEnd", "platform", "sessionId", "shutdown", "stats"]);
    expect(Object.getOwnPropertySymbols(RpcSession.prototype)).toEqual([Symbol.asyncDispose]);
  });

  it("getService(IHello, name) gives the typed proxy; getService(name) the binder; a missing name is NAME_NOT_FOUND", async () => {
    const { name, hello } = await serve();
    const session = await connectSession(memoryTransport, name);
    cleanup.push(() => session.close());
    const typed = await session.getService(IHello, "hello");
    expect(typed).toBeInstanceOf(HelloProxy);
    expect(await typed.echo("typed")).toBe("typed");
    const binder = await session.getService("hello");
    expect(await binder.getInterfaceDescriptor()).toBe(HELLO);
    expect(hello.calls).toBe(1);
    const err = await session.getService(IHello, "nobody").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinderError);
    expect((err as BinderError).status).toBe(StatusCode.NAME_NOT_FOUND);
  });

  it("stats say what was agreed and what the session holds", async () => {
    const { name } = await serve();
    const session = await connectSession(memoryTransport, name, { version: 1, maxOutgoingConnections: 2 });
    cleanup.push(() => session.close());
    const before = session.stats;
    expect(before).toMatchObject({ protocolVersion: 1, pipelineDepth: 1, outgoingConnections: 2, incomingConnections: 0, queuedBytes: 0 });
    const root = await session.getRoot();
    expect(root).not.toBeNull();
    // the directory's proxy is an object the session now tracks
    expect(session.stats.objectCount).toBe(before.objectCount + 1);
  });

  it("`await using` closes the session: calls fail, onEnd runs once with null", async () => {
    const { name } = await serve();
    const ended: (Error | null)[] = [];
    let root: IBinder | null;
    {
      await using session = await connectSession(memoryTransport, name);
      session.onEnd((reason) => ended.push(reason));
      root = await session.getRoot();
      expect(session.isAlive()).toBe(true);
    }
    expect(ended).toEqual([null]);
    expect(root!.isBinderAlive()).toBe(false);
    const err = await echo(root!, "late").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinderError);
    expect((err as BinderError).status).toBe(StatusCode.DEAD_OBJECT);
  });
});

describe("RpcServer", () => {
  it("`await using` shuts it down: its sessions end and its name is free again", async () => {
    const name = `facade-${n++}`;
    let session: RpcSession;
    const ended = new Promise<Error | null>((resolve) => {
      void (async () => {
        await using server = new RpcServer({ allowAnonymous: true });
        server.setRoot(new HelloService());
        await server.listen(memoryTransport, name);
        session = await connectSession(memoryTransport, name);
        session.onEnd(resolve);
      })();
    });
    await ended;
    expect(session!.isAlive()).toBe(false);
    // the listener is gone with the server: the name can be listened on again
    const again = new RpcServer({ allowAnonymous: true });
    await again.listen(memoryTransport, name);
    await again.shutdown();
  });
});
