// The AOSP AIDL test corpus as compilation units (the import roots its README describes), the
// files the TypeScript back end cannot support, and one compile of it all: shared by the corpus
// test (what compiles and what is reported) and the type-check of what it generates.
import { join, relative } from "node:path";
import type { CompileResult } from "../../../src/aidl/compile.js";
import { aidlFilesUnder, compileDir, corpusRoot, writeOutput } from "./helpers.js";

export const rel = (p: string) => relative(corpusRoot, p).split("\\").join("/");

/** Compilation units as the corpus README describes its import roots. */
export function groups(): { name: string; root: string; inputs: string[]; version?: number; hash?: string }[] {
  const snapshots = ["aidl_test_nonvintf_parcelable", "aidl_test_vintf_parcelable"].flatMap((m) =>
    ["1", "current"].map((v) => {
      const root = join(corpusRoot, "stability_test/aidl_api", m, v);
      return { name: `stability-${m}-${v}`, root, inputs: aidlFilesUnder(root) };
    }),
  );
  return [
    { name: "main", root: corpusRoot, inputs: aidlFilesUnder(join(corpusRoot, "android")) },
    { name: "versioned", root: join(corpusRoot, "versioned"), inputs: aidlFilesUnder(join(corpusRoot, "versioned")), version: 3, hash: "corpus-test-hash" },
    { name: "stability", root: join(corpusRoot, "stability_test"), inputs: aidlFilesUnder(join(corpusRoot, "stability_test/android")) },
    ...snapshots,
    { name: "lazy", root: join(corpusRoot, "lazy_test"), inputs: aidlFilesUnder(join(corpusRoot, "lazy_test")) },
    { name: "java", root: join(corpusRoot, "java/src"), inputs: aidlFilesUnder(join(corpusRoot, "java/src")) },
  ];
}

/** Files the TypeScript back end cannot support, and why (framework types outside the corpus). */
export const UNSUPPORTED: Record<string, RegExp[]> = {
  "android/aidl/tests/ICppJavaTests.aidl": [
    /^25:1: couldn't find import for class android\.os\.PersistableBundle/,
    /^35:5: unknown type 'PersistableBundle'$/,
    /^39:5: unknown type 'PersistableBundle'$/,
  ],
  "android/aidl/tests/permission/platform/IProtected.aidl": [
    /^3:1: couldn't find import for class android\.content\.AttributionSource/,
    /^7:44: unknown type 'AttributionSource'$/,
  ],
};

/** Compiles every group ("main-all" is the main group with the unsupported files, which must
 *  fail; "main" is the rest) and writes each group's output under `outDir` (not "main-all"). */
export function compileCorpus(outDir: string): { results: Map<string, CompileResult>; generatedFiles: number } {
  const results = new Map<string, CompileResult>();
  let generatedFiles = 0;
  for (const g of groups()) {
    const opts = g.version !== undefined ? { version: g.version, hash: g.hash! } : {};
    let r = compileDir(g.inputs, [g.root], opts);
    if (g.name === "main") {
      results.set("main-all", r);
      // Second pass without the unsupported files: the rest must compile.
      const supported = g.inputs.filter((f) => !(rel(f) in UNSUPPORTED));
      r = compileDir(supported, [g.root], opts);
    }
    results.set(g.name, r);
    generatedFiles += r.files.size;
  }
  for (const [name, r] of results) if (name !== "main-all") writeOutput(r.files, join(outDir, name));
  return { results, generatedFiles };
}
