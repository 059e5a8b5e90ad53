// The safety net: a proxy the program forgets (no dispose()) still returns its references
// once it is garbage collected, and the session ends when nothing is left.
import { describe, expect, it } from "vitest";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { socketPath, until } from "./helpers.js";
import { Nester, nest } from "./test-service.js";

const gc = (globalThis as { gc?: () => void }).gc;

describe("garbage-collected proxies", () => {
  it("a forgotten root proxy is released by the FinalizationRegistry and the session ends", async () => {
    if (!gc) throw new Error("run with --expose-gc (vitest.config.ts passes it to the test workers)");
    const path = socketPath();
    const server = await listenUnix(path);
    server.setRoot(new Nester("server"));
    const session = await connectUnix(path);
    await (async () => {
      const root = (await session.getRoot())!;
      expect(await nest(root, new Nester("c"), 0)).toBe("leaf");
    })();
    // the proxy is unreachable now; collect until the registry has run
    await until(() => {
      gc();
      return !session.isAlive();
    }, 10_000);
    await until(() => server.sessionCount === 0);
    await server.shutdown();
  });
});
