// The README's first command: the hello demo (AIDL -> generated TS -> two processes over a
// Unix socket) runs end to end from the built package.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("examples/hello", () => {
  it("generates IHello from AIDL and echoes over a real Unix socket", () => {
    if (!existsSync(root + "dist/src/cli/main.js")) throw new Error("dist/ is missing: run `npm run build` first");
    const out = execFileSync(process.execPath, [root + "examples/hello/run.mjs"], { encoding: "utf8", timeout: 60_000 });
    expect(out).toMatch(/\[server\] hello service listening on /);
    expect(out).toMatch(/\[client\] wire v2: echo\("Hello over RPC!"\) = "Hello over RPC!"/);
  });
});
