// Node servers read accepted sockets through `onread`: the accepted descriptor is duplicated
// into a new net.Socket (runtimes/node/socket.ts, acceptedConnection). Nothing may be lost on
// the way (the client speaks first, right after connect), and nothing may leak.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { connectTcp, connectUnix, listenTcp, listenUnix } from "../../runtimes/node/index.js";
import type { RpcServer, RpcSession } from "../../src/index.js";
import { HelloService, echo, socketPath, until } from "../rpc/helpers.js";

const openFds = () => readdirSync("/proc/self/fd").length;

const kinds: [string, () => Promise<{ server: RpcServer; connect: () => Promise<RpcSession> }>][] = [
  ["unix", async () => {
    const path = socketPath();
    const server = await listenUnix(path);
    return { server, connect: () => connectUnix(path) };
  }],
  ["tcp", async () => {
    const server = await listenTcp("127.0.0.1", 0, { allowAnonymous: true });
    return { server, connect: () => connectTcp("127.0.0.1", server.port!) };
  }],
];

describe.runIf(process.platform === "linux")("accepted Node sockets read through onread", () => {
  for (const [kind, make] of kinds) {
    it(`${kind}: 50 sessions come and go with calls of every size, and the server's descriptors come back`, async () => {
      const { server, connect } = await make();
      server.setRoot(new HelloService());
      const warm = await connect();
      await echo((await warm.getRoot())!, "warm");
      warm.shutdown();
      await until(() => server.sessionCount === 0);
      const before = openFds();
      for (let i = 0; i < 50; i++) {
        const session = await connect();
        const root = (await session.getRoot())!;
        const text = "x".repeat((i * 7919) % 200_000);
        expect(await echo(root, text)).toBe(text);
        session.shutdown();
      }
      await until(() => server.sessionCount === 0);
      await until(() => openFds() <= before, 5_000);
      expect(openFds()).toBeLessThanOrEqual(before);
      await server.shutdown();
    }, 30_000);
  }
});
