// Type-checks a folder of generated code with the repo's TypeScript (strict, the repo's own
// compiler options) and "tsbinder" mapped to the package sources.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./helpers.js";

export interface TypecheckResult {
  /** Diagnostics located in the generated folder (must be empty). */
  generated: string[];
  /** Diagnostics elsewhere (the runtime sources pulled in through "tsbinder"). */
  other: string[];
  /** Runtime symbols the shim had to add because src/index.ts does not export them yet. */
  shimmed: string[];
}

export function typecheck(dir: string): TypecheckResult {
  const rel = (p: string) => relative(dir, join(repoRoot, p)).split("\\").join("/");
  const index = readFileSync(join(repoRoot, "src/index.ts"), "utf8");
  const shimmed: string[] = [];
  // The shim is the package entry plus, while not yet re-exported there, the AIDL runtime and Binder.
  const shim = [`export * from "${rel("src/index.js")}";`];
  if (!index.includes("aidl/runtime")) {
    shim.push(`export * from "${rel("src/aidl/runtime/index.js")}";`);
    shimmed.push("AIDL runtime (src/aidl/runtime/index.ts)");
  }
  if (!index.includes("binder/binder.js")) {
    shim.push(`export { Binder } from "${rel("src/binder/binder.js")}";`);
    shimmed.push("Binder (src/binder/binder.ts)");
  }
  writeFileSync(join(dir, "tsbinder-entry.ts"), shim.join("\n") + "\n");
  const extraIncludes = ["build/core.d.ts"].filter((f) => existsSync(join(repoRoot, f))).map(rel);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    extends: rel("tsconfig.json"),
    compilerOptions: { noEmit: true, strict: true, paths: { tsbinder: ["./tsbinder-entry.ts"] } },
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
    shimmed,
  };
}
