// The TypeScript generated for every unit of the Android 14 HAL sample (see android14.test.ts)
// type-checks under strict, all of it in one tsc run.
import { beforeAll, describe, expect, test } from "vitest";
import { freshDir } from "./support/helpers.js";
import { compileUnits, units } from "./support/android14.js";
import { typecheck } from "./support/typecheck.js";

describe("Android 14 HALs (aidl-android14)", () => {
  const all = units();
  const outDir = freshDir("android14-typecheck");
  let failed: string[] = [];
  beforeAll(() => {
    failed = [...compileUnits(all, outDir)].filter(([, r]) => r.errors.length > 0 || r.files.size === 0).map(([name]) => name);
  });

  test("the generated TypeScript type-checks with tsc --strict (one tsc run over every unit)", () => {
    expect(failed).toEqual([]); // every unit generated code to check
    const r = typecheck(outDir);
    if (r.other.length) console.log(`[aidl android14] ${r.other.length} tsc diagnostics outside the generated code:\n${r.other.slice(0, 10).join("\n")}`);
    expect(r.generated).toEqual([]);
  }, 300_000);
});
