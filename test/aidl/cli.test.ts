// The `tsbinder aidl` command line: main(argv) in-process, and bin/tsbinder.mjs as shipped
// (run against a tsc build of src/ made for this test).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli as run } from "./support/cli.js";
import { corpusRoot, freshDir, repoRoot } from "./support/helpers.js";

describe("tsbinder aidl (in-process)", () => {
  test("compiles a directory with -I roots and writes one module per type", async () => {
    const out = freshDir("cli-ok");
    const r = await run(["aidl", join(corpusRoot, "android/aidl/loggable"), "-I", corpusRoot, "-o", out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("wrote 4 file(s)");
    expect(existsSync(join(out, "android/aidl/loggable/ILoggableInterface.ts"))).toBe(true);
    expect(readFileSync(join(out, "android/aidl/loggable/Data.ts"), "utf8")).toContain("export class Data ");
  });

  test("--check validates and writes nothing", async () => {
    const out = freshDir("cli-check");
    const r = await run(["aidl", join(corpusRoot, "versioned"), "-I", join(corpusRoot, "versioned"), "--check", "-o", join(out, "x")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("3 file(s) OK");
    expect(existsSync(join(out, "x"))).toBe(false);
  });

  test("errors: file:line:col: message, non-zero exit, no stack trace, nothing written", async () => {
    const dir = freshDir("cli-bad");
    mkdirSync(join(dir, "src/p"), { recursive: true });
    writeFileSync(join(dir, "src/p/Good.aidl"), "package p;\nparcelable Good { int a; }\n");
    writeFileSync(join(dir, "src/p/IBad.aidl"), "package p;\ninterface IBad {\n  void f(out int x);\n  Nope g();\n}\n");
    const out = join(dir, "out");
    const r = await run(["aidl", join(dir, "src"), "-I", join(dir, "src"), "-o", out]);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split("\n");
    expect(lines[0]).toBe(`${join(dir, "src/p/IBad.aidl")}:3:10: 'out' argument 'x' has type int, which can only be an 'in' argument (primitives, String, enums, interfaces, IBinder and FileDescriptor are passed by value)`);
    expect(lines[1]).toBe(`${join(dir, "src/p/IBad.aidl")}:4:3: unknown type 'Nope'`);
    expect(lines[2]).toBe("tsbinder aidl: 2 errors, nothing written");
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false); // the good file was not written either
  });

  test("usage errors exit 2", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["frobnicate"])).code).toBe(2);
    expect((await run(["aidl", join(corpusRoot, "lazy_test")])).err).toContain("missing -o");
    expect((await run(["aidl", join(corpusRoot, "lazy_test"), "--check", "--version", "x"])).err).toContain("--version must be a positive integer");
    expect((await run(["aidl", "--bogus"])).code).toBe(2);
  });
});

describe("bin/tsbinder.mjs", () => {
  test("works from a tsc build of src/ (dist/src/cli/main.js)", () => {
    const stage = freshDir("cli-bin");
    // Same layout as the package: <stage>/bin/tsbinder.mjs imports ../dist/src/cli/main.js.
    mkdirSync(join(stage, "bin"), { recursive: true });
    copyFileSync(join(repoRoot, "bin/tsbinder.mjs"), join(stage, "bin/tsbinder.mjs"));
    let tscOutput = "";
    try {
      execFileSync(process.execPath, [
        join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", join(repoRoot, "tsconfig.json"),
        "--outDir", join(stage, "dist"), "--noEmit", "false", "--declaration", "false", "--sourceMap", "false",
      ], { stdio: "pipe" });
    } catch (e) {
      // Diagnostics from sources outside src/cli and src/aidl do not stop the emit; shown if it failed.
      tscOutput = String((e as { stdout?: unknown }).stdout ?? "");
    }
    expect(existsSync(join(stage, "dist/src/cli/main.js")), tscOutput).toBe(true);
    const out = join(stage, "out");
    const ok = spawnSync(process.execPath, [join(stage, "bin/tsbinder.mjs"), "aidl", join(corpusRoot, "lazy_test"), "-I", join(corpusRoot, "lazy_test"), "-o", out], { encoding: "utf8" });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("wrote 2 file(s)");
    expect(existsSync(join(out, "ILazyTestServiceCb.ts"))).toBe(true);
    const bad = spawnSync(process.execPath, [join(stage, "bin/tsbinder.mjs"), "aidl", join(corpusRoot, "android/aidl/tests/ICppJavaTests.aidl"), "-I", corpusRoot, "--check"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("ICppJavaTests.aidl:25:1: couldn't find import for class android.os.PersistableBundle");
  }, 120_000);
});
