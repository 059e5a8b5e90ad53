// Real Android AIDL: every module of the Android 14 HAL sample, every frozen version and every
// `current` dump compiles with the imports its module entry names; the generated TypeScript
// type-checks under strict (all of it in one tsc run); each frozen version's computed hash matches
// its `.hash` file. Counts are logged for the issue note.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { frozenApiHash } from "../../src/aidl/api/hash.js";
import type { CompileResult } from "../../src/aidl/compile.js";
import { aidlFilesUnder, compileDir, freshDir, writeOutput } from "./support/helpers.js";
import { android14Root, readModules, units, type Unit } from "./support/android14.js";
import { typecheck } from "./support/typecheck.js";

/** A frozen version's files as the hash sees them: paths relative to the version directory. */
export function apiFiles(dir: string) {
  return aidlFilesUnder(dir).map((f) => ({ path: relative(dir, f).split("\\").join("/"), content: readFileSync(f) }));
}

describe("Android 14 HALs (aidl-android14)", () => {
  const all: Unit[] = units();
  const results = new Map<string, CompileResult>();
  const outDir = freshDir("android14");

  beforeAll(() => {
    for (const u of all) {
      const opts = u.version !== undefined ? { version: u.version, hash: u.hashes![0]! } : {};
      results.set(u.name, compileDir(u.inputs, u.importRoots, opts));
    }
    // Each unit's output folder also holds the generated code of what it imports (the unit whose
    // root that is), so its relative imports resolve when type-checking.
    const byRoot = new Map(all.map((u) => [u.root, u]));
    for (const u of all) {
      const dir = join(outDir, u.name);
      for (const root of u.importRoots) {
        const dep = byRoot.get(root);
        if (dep && dep !== u) writeOutput(results.get(dep.name)!.files, dir);
      }
      writeOutput(results.get(u.name)!.files, dir);
    }
  });

  test("the sample is what its README describes", () => {
    const modules = readModules();
    expect(modules.size).toBe(24);
    expect(aidlFilesUnder(android14Root).length).toBe(1726);
    // every .aidl file of the sample is an input of exactly one unit
    const inputs = all.flatMap((u) => u.inputs).sort();
    expect(new Set(inputs).size).toBe(inputs.length);
    expect(inputs.length).toBe(1726);
  });

  test("every module, frozen version and current dump compiles", () => {
    const failed = all.filter((u) => results.get(u.name)!.errors.length > 0)
      .map((u) => `${u.name}: ${results.get(u.name)!.errors.slice(0, 3).map((e) => e.message).join("; ")}`);
    expect(failed).toEqual([]);
    for (const u of all) expect(results.get(u.name)!.files.size, u.name).toBe(u.inputs.length);
    const frozen = all.filter((u) => u.version !== undefined).length;
    console.log(`[aidl android14] ${readModules().size} modules, ${frozen} frozen versions, ${all.filter((u) => u.current).length} current dumps: ${all.length} units, ${all.reduce((n, u) => n + u.inputs.length, 0)} files compiled`);
  });

  test("the computed hash of every frozen version is in its .hash file", () => {
    const frozen = all.filter((u) => u.version !== undefined);
    expect(frozen.length).toBe(54);
    const mismatched = frozen.filter((u) => !u.hashes!.includes(frozenApiHash(apiFiles(u.root), u.previousVersion))).map((u) => u.name);
    expect(mismatched).toEqual([]);
    // the hash depends on every byte and on the previous version
    const u = frozen.find((x) => x.previousVersion !== undefined)!;
    const files = apiFiles(u.root);
    expect(u.hashes).not.toContain(frozenApiHash(files, undefined));
    expect(u.hashes).not.toContain(frozenApiHash([...files.slice(1), { ...files[0]!, content: Buffer.concat([files[0]!.content, Buffer.from(" ")]) }], u.previousVersion));
    console.log(`[aidl android14] ${frozen.length} of ${frozen.length} frozen-version hashes match their .hash files`);
  });

  test("the generated TypeScript type-checks with tsc --strict (one tsc run over every unit)", () => {
    const r = typecheck(outDir);
    if (r.other.length) console.log(`[aidl android14] ${r.other.length} tsc diagnostics outside the generated code:\n${r.other.slice(0, 10).join("\n")}`);
    expect(r.generated).toEqual([]);
  }, 300_000);
});
