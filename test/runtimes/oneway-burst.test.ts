// Issue 17's failure 2 (12,000 in-order oneways then a two-way call ended the session) on every
// runtime's own Unix sockets, on the BUILT package: fixtures/oneway-burst.mjs.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { command, env, path, requireBuilt, root, type Runtime } from "./peer.js";

describe("12,000 in-order oneways, then a two-way call", () => {
  for (const runtime of ["node", "deno", "bun"] as Runtime[]) {
    it(runtime, () => {
      requireBuilt();
      const socket = join(mkdtempSync(join(tmpdir(), "tsb-burst-")), "s.sock");
      const [cmd, args] = command(runtime, [path("./fixtures/oneway-burst.mjs"), runtime, socket]);
      const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8", timeout: 60_000 });
      if (r.status !== 0) throw new Error(`${runtime} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(out).toEqual({ count: 12_000, inOrder: true, ran: 12_000, peakParked: 0, peakQueuedBytes: 0, alive: true, logged: [] });
    }, 90_000);
  }
});
