// The TypeScript generated for the AOSP AIDL test corpus (every file but the two that cannot be
// supported, see corpus.test.ts) type-checks under strict with the repo's own compiler.
import { beforeAll, describe, expect, test } from "vitest";
import { freshDir } from "./support/helpers.js";
import { compileCorpus } from "./support/corpus.js";
import { typecheck } from "./support/typecheck.js";

describe("AOSP AIDL corpus", () => {
  const outDir = freshDir("corpus-typecheck");
  let generatedFiles = 0;
  beforeAll(() => { ({ generatedFiles } = compileCorpus(outDir)); });

  test("the generated TypeScript type-checks with tsc --strict", () => {
    expect(generatedFiles).toBe(72); // something to check: every supported file was generated
    const r = typecheck(outDir);
    if (r.other.length) console.log(`[aidl corpus] ${r.other.length} tsc diagnostics outside the generated code (runtime sources, not the AIDL back end):\n${r.other.slice(0, 10).join("\n")}`);
    expect(r.generated).toEqual([]);
  }, 120_000);

});
