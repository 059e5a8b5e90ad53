// The end of sessions: killed peers, shutdown with calls in flight, death recipients.
import { afterEach, describe, expect, it } from "vitest";
import { DeadObjectError, type IBinder, type RpcSession } from "../../src/index.js";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { socketPath, spawnFixture, ended, until } from "./helpers.js";
import { Nester, slow, nest } from "./test-service.js";
import type { ChildProcess } from "node:child_process";

const children: ChildProcess[] = [];
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const f of cleanup.splice(0)) await f();
});

describe("a killed peer", () => {
  it("server killed mid-call: the pending call rejects DeadObjectError, death recipients fire once", async () => {
    const path = socketPath();
    const { child } = await spawnFixture("nester-server", [path, "2"]);
    children.push(child);
    const session = await connectUnix(path);
    const root = (await session.getRoot())!;
    const deaths: IBinder[] = [];
    const died = new Promise<void>((r) => root.linkToDeath((who) => { deaths.push(who); r(); }));
    const unlinked = () => { throw new Error("unlinked recipient must not fire"); };
    root.linkToDeath(unlinked);
    expect(root.unlinkToDeath(unlinked)).toBe(true);
    expect(await nest(root, new Nester("c"), 0)).toBe("leaf");
    const pending = slow(root, 30_000);
    // a call made after it is answered (the server runs two at once): the slow one is under way
    expect(await nest(root, new Nester("c"), 0)).toBe("leaf");
    child.kill("SIGKILL");
    await expect(pending).rejects.toBeInstanceOf(DeadObjectError);
    await died;
    expect(deaths).toEqual([root]);
    expect(session.isAlive()).toBe(false);
    expect(root.isBinderAlive()).toBe(false);
    await expect(slow(root, 1)).rejects.toBeInstanceOf(DeadObjectError);
    // no event says "nothing more": a few turns of the event loop give a second firing its chance
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(deaths).toHaveLength(1);
  });

  it("client killed: the server's proxy of the client's callback dies, other sessions go on", async () => {
    const path = socketPath();
    const server = await listenUnix(path);
    const service = new Nester("server");
    server.setRoot(service);
    cleanup.push(() => server.shutdown());
    const other = await connectUnix(path);
    const otherRoot = (await other.getRoot())!;
    const { child } = await spawnFixture("nester-client", [path]);
    children.push(child);
    await service.holds.reached(1);
    const callback = service.held[0]!;
    const died = new Promise<void>((r) => callback.linkToDeath(() => r()));
    child.kill("SIGKILL");
    await died;
    expect(callback.isBinderAlive()).toBe(false);
    expect(await nest(otherRoot, new Nester("other"), 0)).toBe("leaf");
    expect(server.sessionCount).toBe(1);
    other.shutdown();
  });
});

describe("shutdown", () => {
  it("server shutdown with calls in flight: they settle with DeadObjectError, recipients fire once", async () => {
    const path = socketPath();
    const server = await listenUnix(path, { maxThreads: 4 });
    const service = new Nester("server");
    server.setRoot(service);
    const session = await connectUnix(path);
    const root = (await session.getRoot())!;
    let deaths = 0;
    const died = new Promise<void>((r) => root.linkToDeath(() => { deaths++; r(); }));
    const pending = [slow(root, 10_000), slow(root, 10_000), slow(root, 10_000)];
    await service.slowStarted.reached(3);
    await server.shutdown();
    const settled = await Promise.allSettled(pending);
    for (const s of settled) {
      expect(s.status).toBe("rejected");
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(DeadObjectError);
    }
    await died;
    await ended(session);
    expect(deaths).toBe(1);
    expect(server.sessionCount).toBe(0);
  });

  it("client shutdown ends the server side of the session", async () => {
    const path = socketPath();
    const server = await listenUnix(path);
    server.setRoot(new Nester("server"));
    cleanup.push(() => server.shutdown());
    let serverSessions = 0;
    const serverSide = new Promise<RpcSession>((r) => server.onSession((s) => { serverSessions++; r(s); }));
    const session = await connectUnix(path);
    await session.getRoot();
    session.shutdown();
    await ended(await serverSide);
    await until(() => server.sessionCount === 0);
    expect(serverSessions).toBe(1);
  });
});
