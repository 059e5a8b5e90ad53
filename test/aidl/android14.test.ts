// Real Android AIDL: every module of the Android 14 HAL sample, every frozen version and every
// `current` dump compiles with the imports its module entry names; each frozen version's computed
// hash matches its `.hash` file (the generated TypeScript type-checks: android14-typecheck.test.ts).
// Counts are logged for the issue note.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { frozenApiHash } from "../../src/aidl/api/hash.js";
import type { CompileResult } from "../../src/aidl/compile.js";
import { aidlFilesUnder, freshDir } from "./support/helpers.js";
import { android14Root, compileUnits, readModules, units, type Unit } from "./support/android14.js";

/** A frozen version's files as the hash sees them: paths relative to the version directory. */
export function apiFiles(dir: string) {
  return aidlFilesUnder(dir).map((f) => ({ path: relative(dir, f).split("\\").join("/"), content: readFileSync(f) }));
}

describe("Android 14 HALs (aidl-android14)", () => {
  const all: Unit[] = units();
  const results = new Map<string, CompileResult>();
  const outDir = freshDir("android14");

  beforeAll(() => {
    for (const [name, r] of compileUnits(all, outDir)) results.set(name, r);
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
});
