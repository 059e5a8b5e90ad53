// The API tools against real frozen HALs (aidl-android14): --dumpapi reproduces the dumps AOSP
// wrote, `current` is the same API as the sources (what AOSP's build checks), and each frozen
// version is a compatible evolution of the one before it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { checkApi } from "../../src/aidl/api/checkapi.js";
import { dumpDocument } from "../../src/aidl/api/dump.js";
import { analyze, type Analysis } from "../../src/aidl/compile.js";
import { aidlFilesUnder, freshDir, nodeFileSystem, writeOutput } from "./support/helpers.js";
import { units, type Unit } from "./support/android14.js";

const all = units();
const analyses = new Map<string, Analysis>();
const analysis = (u: Unit) => analyses.get(u.name)!;

beforeAll(() => {
  for (const u of all) analyses.set(u.name, analyze({ inputs: u.inputs, importRoots: u.importRoots, fs: nodeFileSystem() }));
});

describe("--dumpapi", () => {
  test("re-dumping every frozen version and current dump reproduces AOSP's files", () => {
    let same = 0;
    const differing: string[] = [];
    const dumps = all.filter((u) => u.version !== undefined || u.current);
    const out = freshDir("redump");
    for (const u of dumps) {
      const a = analysis(u);
      expect(a.errors).toEqual([]);
      const files = new Map(a.inputs.map((doc) => dumpDocument(a.model, doc)));
      for (const [rel, text] of files) {
        if (text === readFileSync(join(u.root, rel), "utf8")) same++;
        else differing.push(`${u.name}/${rel}`);
      }
      // whatever the spelling, the re-dump is the same API (AOSP's --checkapi=equal)
      const dir = join(out, u.name);
      writeOutput(files, dir);
      const again = analyze({ inputs: aidlFilesUnder(dir), importRoots: [dir, ...u.importRoots.slice(1)], fs: nodeFileSystem() });
      expect(again.errors).toEqual([]);
      expect(checkApi({ analysis: a }, { analysis: again }, "equal").map((e) => e.message), u.name).toEqual([]);
    }
    const total = dumps.reduce((n, u) => n + u.inputs.length, 0);
    console.log(`[aidl android14] --dumpapi of ${total} dump files: ${same} byte-identical; ${differing.length} written by older aidl versions differ in spelling only, same API`);
    // The others were written by older aidl versions (another preamble, values instead of
    // expressions, implicit enumerator values spelled out): the same API, spelled differently.
    expect(same).toBeGreaterThanOrEqual(1284);
  });

  test("dumping the sources gives the module's current dump (same API, AOSP's --checkapi=equal)", () => {
    for (const u of all.filter((x) => x.version === undefined && !x.current)) {
      const cur = all.find((x) => x.current && x.module === u.module)!;
      const errors = checkApi({ analysis: analysis(cur) }, { analysis: analysis(u) }, "equal");
      expect(errors.map((e) => e.message), u.name).toEqual([]);
    }
  });
});

describe("--checkapi on real HALs", () => {
  test("each frozen version is a compatible evolution of the version before it, and current of the last", () => {
    let pairs = 0;
    const modules = [...new Set(all.map((u) => u.module))];
    for (const m of modules) {
      const chain = all.filter((u) => u.module === m && (u.version !== undefined || u.current))
        .sort((a, b) => (a.version ?? Infinity) - (b.version ?? Infinity));
      for (let i = 1; i < chain.length; i++) {
        const errors = checkApi({ analysis: analysis(chain[i - 1]!) }, { analysis: analysis(chain[i]!) });
        expect(errors.map((e) => e.message), `${chain[i - 1]!.name} → ${chain[i]!.name}`).toEqual([]);
        pairs++;
      }
    }
    console.log(`[aidl android14] --checkapi: ${pairs} consecutive version pairs of ${modules.length} modules are compatible`);
  });

  test("and going back is not: a newer version is never compatible as the old side when it added API", () => {
    const light1 = all.find((u) => u.name === "android.hardware.light@1")!;
    const light2 = all.find((u) => u.name === "android.hardware.light@2")!;
    const errors = checkApi({ analysis: analysis(light2) }, { analysis: analysis(light1) });
    expect(errors.length).toBeGreaterThan(0);
  });
});
