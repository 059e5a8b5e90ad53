// Shared helpers for the AIDL compiler tests: where the corpus is, an in-memory file system for
// small inline sources, and generation of TypeScript into the repo's (git-ignored) .tmp folder.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, type CompileResult } from "../../../src/aidl/compile.js";
import type { FileSystem } from "../../../src/aidl/resolve.js";
import { hostFileSystem } from "../../../src/cli/host.js";
import * as fs from "node:fs";
import * as path from "node:path";

/** The compiler's file access on the real file system, as the CLI has it (a read cache). */
export function nodeFileSystem(): FileSystem {
  return hostFileSystem({ fs, path });
}

/** Repository root, computed from this file's URL. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** The AOSP AIDL test corpus: `../shared/reference/aidl-corpus` relative to the repo root. */
export const corpusRoot = join(repoRoot, "../shared/reference/aidl-corpus");
/** Scratch space (listed in .gitignore). */
export const tmpRoot = join(repoRoot, ".tmp", "aidl-tests");

export function aidlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".aidl")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** In-memory sources: `{ "a/b/Foo.aidl": "package a.b; ..." }`, root "" (paths as given). */
export function memFs(files: Record<string, string>): FileSystem {
  return {
    readFile: (p) => files[p.replace(/^\.\//, "")],
    canonical: (p) => p.replace(/^\.\//, ""),
  };
}

/** Compiles inline sources; every key is an input, the root is the in-memory top level. */
export function compileSources(files: Record<string, string>, opts: { version?: number; hash?: string; inputs?: string[] } = {}): CompileResult {
  return compile({
    inputs: opts.inputs ?? Object.keys(files),
    importRoots: [""],
    fs: memFs(files),
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    ...(opts.hash !== undefined ? { hash: opts.hash } : {}),
  });
}

/** Error messages without the file part, e.g. "3:5: unknown type 'Foo'". */
export function errorsOf(r: CompileResult): string[] {
  return r.errors.map((e) => `${e.pos.line}:${e.pos.col}: ${e.detail}`);
}

export function compileDir(inputs: string[], roots: string[], opts: { version?: number; hash?: string } = {}): CompileResult {
  return compile({
    inputs,
    importRoots: roots,
    fs: nodeFileSystem(),
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    ...(opts.hash !== undefined ? { hash: opts.hash } : {}),
  });
}

export function writeOutput(files: Map<string, string>, outDir: string): void {
  for (const [rel, text] of files) {
    const p = join(outDir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

export function freshDir(name: string): string {
  const dir = join(tmpRoot, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Generates the main corpus suite (minus the two unsupported files) into .tmp; returns the dir. */
export function generateMainSuite(name: string): string {
  const out = freshDir(name);
  const inputs = aidlFilesUnder(join(corpusRoot, "android")).filter((f) => !/ICppJavaTests|platform[\\/]IProtected/.test(f));
  const r = compileDir(inputs, [corpusRoot]);
  if (r.errors.length) throw new Error(r.errors.map((e) => e.message).join("\n"));
  writeOutput(r.files, out);
  return out;
}
