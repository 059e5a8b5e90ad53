// A service in a web Worker under Deno and Bun, reached over the MessagePort transport through
// both data paths (SharedArrayBuffer ring, postMessage). Runs the BUILT package (npm run build)
// in the other runtimes, so it is an integration test; the node Worker case is in inprocess.test.ts.
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

describe("a service in a web Worker (Deno, Bun) over MessagePorts", () => {
  const main = fileURLToPath(new URL("./fixtures/web-worker-main.mjs", import.meta.url));
  const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));
  const dist = fileURLToPath(new URL("../../dist/src/transport.js", import.meta.url));
  for (const [name, args] of [["deno", ["run", "--allow-read", main]], ["bun", [main]]] as const) {
    it(name, () => {
      if (!existsSync(dist)) throw new Error("dist/src/transport.js is missing: run `npm run build` (node build/build.mjs) first");
      const r = spawnSync(bin(name), [...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } });
      if (r.status !== 0) throw new Error(`${name} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(out.sharedMemoryAvailable).toBe(true);
      expect(out.results).toEqual([
        { sharedMemory: true, stats: { ring: 1, message: 0 }, nested: "worker(main(hi+cb))", echoed: true },
        { sharedMemory: false, stats: { ring: 0, message: 1 }, nested: "worker(main(hi+cb))", echoed: true },
      ]);
    });
  }
});
