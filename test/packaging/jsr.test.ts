// Deno's own registry (JSR): jsr.json publishes the TypeScript sources under the same entry
// names as package.json, for the entries that make sense on Deno ("tsbinder", /codegen,
// /transport, /aidl and the Deno adapter /deno; Node and Bun users install from npm). The
// dry run type-checks every entry and refuses slow types (exported symbols without an explicit
// type), offline: nothing is fetched and nothing is uploaded. The sources import "./x.js" for
// "./x.ts" as tsc wants; DENO_UNSTABLE_SLOPPY_IMPORTS lets deno resolve them, and publish
// rewrites them to the .ts files it uploads.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const DENO = join(root, "node_modules/.bin/deno");
const read = (f: string) => JSON.parse(readFileSync(join(root, f), "utf8"));
const pkg = read("package.json") as { version: string; exports: Record<string, { types: string }> };
const jsr = read("jsr.json") as { name: string; version: string; exports: Record<string, string> };

describe("jsr.json", () => {
  it("has the npm package's version and, for each of its entries, the source of the npm entry of that name", () => {
    expect(jsr.version).toBe(pkg.version);
    expect(Object.keys(jsr.exports).sort()).toEqual([".", "./aidl", "./codegen", "./deno", "./transport"]);
    for (const [key, source] of Object.entries(jsr.exports)) {
      // dist/src/codegen.d.ts is what tsc made of src/codegen.ts
      expect(pkg.exports[key]?.types.replace(/^\.\/dist\//, "./").replace(/\.d\.ts$/, ".ts"), key).toBe(source);
      expect(existsSync(join(root, source)), source).toBe(true);
    }
  });

  it("deno publish --dry-run passes: every entry type-checks, no slow types, the wasm core included (slow: deno check)", () => {
    if (!existsSync(DENO)) throw new Error(`${DENO} is missing: run npm ci`);
    const denoDir = mkdtempSync(join(tmpdir(), "tsbinder-jsr-"));
    try {
      const r = spawnSync(DENO, ["publish", "--dry-run", "--allow-dirty", "--config", "jsr.json"], {
        cwd: root, encoding: "utf8", timeout: 120_000,
        env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_UNSTABLE_SLOPPY_IMPORTS: "1", DENO_DIR: denoDir },
      });
      const out = `${r.stdout}\n${r.stderr}`;
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/Success Dry run complete/);
      expect(out).toContain("src/core/core-wasm.gen.ts");
      expect(out).not.toMatch(/src\/cli\/|\/test\//);
    } finally {
      rmSync(denoDir, { recursive: true, force: true });
    }
  }, 120_000);
});
