// Build step for the Deno adapter (called by build/build.mjs after tsc has emitted dist/src):
// runtimes/deno/*.ts -> dist/runtimes/deno/*.js + .d.ts + .js.map.
//
// tsc cannot compile these files in the main program: they need Deno's types (Deno.*), which
// clash with node's and the DOM's. So each file is transpiled on its own (TypeScript's
// transpileModule / transpileDeclaration: no type information needed, which is why the
// adapter's exports carry explicit types), and the whole adapter, with the src/ it imports, is
// type-checked by `deno check` against Deno's real types, node: modules included. Offline and
// a few seconds. `node build/build.mjs --no-deno-check` skips the check.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export async function build({ root, check = !process.argv.includes("--no-deno-check") }) {
  const ts = require("typescript");
  const srcDir = join(root, "runtimes", "deno");
  const outDir = join(root, "dist", "runtimes", "deno");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    verbatimModuleSyntax: true,
    sourceMap: true,
    strict: true,
  };
  // declarations from one file at a time: every export must spell out its type
  const declarationOptions = { ...compilerOptions, declaration: true, isolatedDeclarations: true, stripInternal: true };
  const problems = [];
  for (const name of readdirSync(srcDir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).sort()) {
    const file = join(srcDir, name);
    const source = readFileSync(file, "utf8");
    // paths in the source map are relative to dist/runtimes/deno, as tsc writes them
    const fileName = relative(outDir, file).split("\\").join("/");
    const js = ts.transpileModule(source, { compilerOptions, fileName, reportDiagnostics: true });
    const dts = ts.transpileDeclaration(source, { compilerOptions: declarationOptions, fileName, reportDiagnostics: true });
    for (const d of [...(js.diagnostics ?? []), ...(dts.diagnostics ?? [])]) {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      problems.push(`runtimes/deno/${name}${pos ? `:${pos.line + 1}:${pos.character + 1}` : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    }
    const base = name.slice(0, -3);
    writeFileSync(join(outDir, `${base}.js`), js.outputText.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${base}.js.map`));
    if (js.sourceMapText) {
      const map = JSON.parse(js.sourceMapText);
      map.sources = [fileName];
      writeFileSync(join(outDir, `${base}.js.map`), JSON.stringify(map));
    }
    writeFileSync(join(outDir, `${base}.d.ts`), dts.outputText);
  }
  if (problems.length) throw new Error(`runtimes/deno:\n${problems.join("\n")}`);

  if (check) denoCheck(root);
}

/** Type-check runtimes/deno (and the src/ it imports) with Deno's own types. */
export function denoCheck(root) {
  const deno = join(root, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
  if (!existsSync(deno)) {
    console.warn("deno: node_modules/.bin/deno is missing (devDependency `deno`): runtimes/deno transpiled but not type-checked");
    return;
  }
  // sloppy imports: the sources import "./x.js" for "./x.ts", as tsc expects
  execFileSync(deno, ["check", "--quiet", "--no-config", "--sloppy-imports", "--no-lock", join("runtimes", "deno", "index.ts")], {
    cwd: root, stdio: "inherit", env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
}
