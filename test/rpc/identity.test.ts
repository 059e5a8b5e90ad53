// Who is calling: SO_PEERCRED taken at accept, the authorizer that runs before any byte is
// read, and getCallingIdentity() inside (nested) calls.
import { afterEach, describe, expect, it } from "vitest";
import { chmodSync } from "node:fs";
import { dirname } from "node:path";
import { Binder, getCallingIdentity, type Parcel, type PeerIdentity, type IBinder } from "../../src/index.js";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { socketPath, spawnFixture } from "./helpers.js";
import { Nester, nest } from "./test-service.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

async function serveRecording(authorize: (p: PeerIdentity) => boolean = () => true) {
  const path = socketPath();
  const server = await listenUnix(path);
  const seen: PeerIdentity[] = [];
  let firstSeen!: () => void;
  const authorized = new Promise<void>((r) => { firstSeen = r; });
  server.setAuthorizer((peer) => { seen.push(peer); firstSeen(); return authorize(peer); });
  server.setRoot(new Nester("server"));
  cleanup.push(() => server.shutdown());
  return { path, server, seen, authorized };
}

describe("peer identity on Unix sockets", () => {
  it("the server sees the client process's pid and uid", async () => {
    const { path, seen } = await serveRecording();
    const { child, firstLine } = await spawnFixture("identity-client", [path]);
    const [, pid, result] = firstLine.split(" ");
    expect(result).toBe("leaf");
    expect(Number(pid)).toBe(child.pid);
    expect(seen[0]).toEqual({ kind: "unix", pid: child.pid, uid: process.getuid!(), gid: process.getgid!() });
  });

  it.runIf(process.getuid?.() === 0)("a client running as another uid is seen as that uid (tests run as root)", async () => {
    const { path, seen, authorized } = await serveRecording();
    chmodSync(dirname(path), 0o777);
    chmodSync(path, 0o777);
    const { child } = await spawnFixture("identity-client", [path], { uid: 65534, gid: 65534 });
    await authorized;
    expect(seen.length).toBe(1);
    expect(seen[0]).toMatchObject({ kind: "unix", uid: 65534, gid: 65534, pid: child.pid });
  });

  it("an authorizer that refuses closes the connection before any transaction is read", async () => {
    const { path, server, seen } = await serveRecording((peer) => peer.kind === "unix" && peer.uid === 4242);
    let served = 0;
    server.setRoot(new (class extends Nester { protected override onTransact(c: number, d: Parcel, r: Parcel) { served++; return super.onTransact(c, d, r); } })("x"));
    const err = await connectUnix(path).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(seen).toHaveLength(1);
    expect(served).toBe(0);
    expect(server.sessionCount).toBe(0);
  });
});

describe("getCallingIdentity", () => {
  it("inside a nested call it is the identity of the connection that call arrived on", async () => {
    // server S calls back into client C, which calls S again: each side sees its own peer
    const path = socketPath();
    const server = await listenUnix(path);
    cleanup.push(() => server.shutdown());
    const log: string[] = [];
    class Recorder extends Nester {
      protected override async onTransact(code: number, data: Parcel, reply: Parcel): Promise<boolean> {
        const id = getCallingIdentity();
        log.push(`${this.name}:${id?.kind}:${id && id.kind === "unix" ? id.pid : "-"}`);
        return super.onTransact(code, data, reply);
      }
    }
    server.setRoot(new Recorder("S"));
    const session = await connectUnix(path);
    cleanup.push(() => session.shutdown());
    const root: IBinder = (await session.getRoot())!;
    expect(await nest(root, new Recorder("C"), 3)).toBe("S>C>S>leaf");
    expect(log).toEqual([`S:unix:${process.pid}`, `C:unix:${process.pid}`, `S:unix:${process.pid}`, `C:unix:${process.pid}`]);
    expect(getCallingIdentity()).toBeNull();
    void Binder;
  });
});
