// The BUILT package (dist/, from `npm run build`) in every runtime: Node, Deno, Bun, and a
// `bun build --compile` single-file executable run from an empty directory (which proves the
// wasm core is embedded, not read from a file). Each prints one golden vector and a read-back;
// the scripts are in ./fixtures. A missing dist/ is a failure, not a skip.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const distIndex = path("../../dist/src/index.js");
const fixtures = path("./fixtures/");
const bin = (name: string) => path(`../../node_modules/.bin/${name}`);

// writeInterfaceToken("tok"): golden-wire-vectors.md §1.2 #0
const EXPECTED = {
  hex: "0300000074006f006b000000",
  token: "tok",
  back: ["-2", "astral 😀", [0.1, "-0"]],
  error: "TRUNCATED",
};

function requireDist(): void {
  if (!existsSync(distIndex)) {
    throw new Error("dist/src/index.js is missing: the runtime smoke tests load the built package; run `npm run build` (node build/build.mjs) first");
  }
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeout?: number } = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? fixtures,
    encoding: "utf8",
    timeout: opts.timeout ?? 30_000,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function result(stdout: string): { runtime: string } & typeof EXPECTED {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`no result line in output:\n${stdout}`);
  }
}

describe("the built package in each runtime", () => {
  it("Node", () => {
    requireDist();
    const r = result(run(process.execPath, [join(fixtures, "node.mjs")]));
    expect(r.runtime).toMatch(/^node \d+\.\d+\.\d+$/);
    expect(r).toMatchObject(EXPECTED);
  });

  it("Deno", () => {
    requireDist();
    expect(existsSync(bin("deno")), "node_modules/.bin/deno (npm package `deno`)").toBe(true);
    const r = result(run(bin("deno"), ["run", "--allow-read", join(fixtures, "deno.mjs")]));
    expect(r.runtime).toMatch(/^deno \d+\.\d+\.\d+/);
    expect(r).toMatchObject(EXPECTED);
  });

  it("Bun", () => {
    requireDist();
    expect(existsSync(bin("bun")), "node_modules/.bin/bun (npm package `bun`)").toBe(true);
    const r = result(run(bin("bun"), [join(fixtures, "bun.mjs")]));
    expect(r.runtime).toMatch(/^bun \d+\.\d+\.\d+$/);
    expect(r).toMatchObject(EXPECTED);
  });

  it("Bun single-file executable, run alone in an empty directory", () => {
    requireDist();
    const build = mkdtempSync(join(tmpdir(), "tsbinder-bun-build-"));
    const alone = mkdtempSync(join(tmpdir(), "tsbinder-bun-run-"));
    try {
      const exe = join(build, "smoke");
      run(bin("bun"), ["build", "--compile", join(fixtures, "bun-compile.mjs"), "--outfile", exe], { timeout: 45_000 });
      const copy = join(alone, "smoke");
      copyFileSync(exe, copy);
      rmSync(build, { recursive: true, force: true }); // nothing of the build is left to read
      expect(readdirSync(alone)).toEqual(["smoke"]);
      const r = result(run(copy, [], { cwd: alone }));
      expect(r.runtime).toMatch(/^bun-compiled \d+\.\d+\.\d+$/);
      expect(r).toMatchObject(EXPECTED);
    } finally {
      rmSync(build, { recursive: true, force: true });
      rmSync(alone, { recursive: true, force: true });
    }
  }, 60_000);
});
