/**
 * What the CLI needs from the runtime: a few functions of Node's standard library, which Node, Deno
 * and Bun all provide under `node:` specifiers. src/ must compile without Node's type definitions
 * (build/build.mjs checks that nothing runtime-specific creeps in), so they are loaded at run time
 * and typed by the narrow interfaces below.
 */
import type { FileSystem } from "../aidl/resolve.js";

export interface NodeFs {
  readFileSync(path: string, encoding: "utf8"): string;
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: string): void;
  mkdirSync(path: string, options: { recursive: true }): unknown;
  readdirSync(path: string): string[];
  statSync(path: string): { isDirectory(): boolean };
  realpathSync(path: string): string;
}
export interface NodePath {
  join(...parts: string[]): string;
  dirname(path: string): string;
  resolve(...parts: string[]): string;
  relative(from: string, to: string): string;
  basename(path: string): string;
}
type ParseArgs = (config: {
  args: string[];
  allowPositionals: boolean;
  options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;
}) => { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

export interface Host {
  fs: NodeFs;
  path: NodePath;
  parseArgs: ParseArgs;
}

let host: Host | undefined;
export async function loadHost(): Promise<Host> {
  if (!host) {
    // Non-literal specifiers: resolved at run time, no compile-time dependency on @types/node.
    const load = (name: string) => import(name) as Promise<unknown>;
    const [fs, path, util] = await Promise.all([load("node:fs"), load("node:path"), load("node:util")]);
    host = { fs: fs as NodeFs, path: path as NodePath, parseArgs: (util as { parseArgs: ParseArgs }).parseArgs };
  }
  return host;
}

/** File access for the compiler, with a read cache (imports are probed repeatedly). */
export function hostFileSystem({ fs, path }: Pick<Host, "fs" | "path">): FileSystem {
  const { readFileSync, realpathSync } = fs;
  const { resolve } = path;
  const cache = new Map<string, string | undefined>();
  return {
    readFile(path) {
      if (cache.has(path)) return cache.get(path);
      let text: string | undefined;
      try {
        text = readFileSync(path, "utf8");
      } catch {
        text = undefined;
      }
      cache.set(path, text);
      return text;
    },
    canonical(path) {
      try {
        return realpathSync(path);
      } catch {
        return resolve(path);
      }
    },
  };
}

export function expandInputs({ fs, path }: Host, paths: string[]): string[] {
  const { statSync, readdirSync } = fs;
  const { join } = path;
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else if (p.endsWith(".aidl")) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

