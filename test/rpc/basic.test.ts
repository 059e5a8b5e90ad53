import { describe, expect, it } from "vitest";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { socketPath, HelloService, echo, ended } from "./helpers.js";

describe("sessions over a Unix socket", () => {
  for (const version of [0, 1, 2, "r34"] as const) {
    it(`hello echo at ${version}`, async () => {
      const path = socketPath();
      const server = await listenUnix(path);
      const hello = new HelloService();
      server.setRoot(hello);
      const session = await connectUnix(path, { version });
      expect(session.stats.protocolVersion).toBe(version);
      const root = await session.getRoot();
      expect(root).not.toBeNull();
      expect(await echo(root!, "Hello over RPC!")).toBe("Hello over RPC!");
      expect(await root!.getInterfaceDescriptor()).toBe("hello.IHello");
      expect(hello.calls).toBe(1);
      await server.shutdown();
      await ended(session);
    });
  }
});
