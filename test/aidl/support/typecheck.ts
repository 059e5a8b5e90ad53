// Type-checks a folder of generated code with the repo's TypeScript (strict, the repo's own
// compiler options) and the package's entry points mapped to its sources.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./helpers.js";

export interface TypecheckResult {
  /** Diagnostics located in the generated folder (must be empty). */
  generated: string[];
  /** Diagnostics elsewhere (the runtime sources pulled in through "tsbinder/codegen"). */
  other: string[];
}

export function typecheck(dir: string): TypecheckResult {
  const rel = (p: string) => relative(dir, join(repoRoot, p)).split("\\").join("/");
  const extraIncludes = ["build/core.d.ts"].filter((f) => existsSync(join(repoRoot, f))).map(rel);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    extends: rel("tsconfig.json"),
    // the repo's paths map "tsbinder/codegen" (what generated code imports) to src/codegen.ts
    compilerOptions: { noEmit: true, strict: true },
    include: ["**/*.ts", ...extraIncludes],
  }, null, 2));
  let out = "";
  try {
    execFileSync(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? "") + String((e as { stderr?: string }).stderr ?? "");
  }
  const lines = out.split("\n").filter((l) => /error TS\d+/.test(l));
  // tsc prints paths relative to the working directory (the repo root under vitest).
  const dirRel = relative(process.cwd(), dir).split("\\").join("/");
  return {
    generated: lines.filter((l) => l.startsWith(dirRel)),
    other: lines.filter((l) => !l.startsWith(dirRel)),
  };
}
