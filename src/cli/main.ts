/**
 * `tsbinder` command line. Only subcommand so far: `tsbinder aidl`.
 *
 *   tsbinder aidl <files or dirs>... -I <root>... -o <out> [--check] [--version N --hash H]
 *
 * `main(argv)` resolves to the exit code instead of exiting so tests can call it in-process;
 * bin/tsbinder.mjs passes it to process.exitCode.
 *
 * src/ must compile without Node's type definitions (build/build.mjs checks that nothing
 * runtime-specific creeps in), so the CLI loads the few standard-library functions it needs at
 * run time through `node:` specifiers — Node, Deno and Bun all provide them — typed by the narrow
 * interfaces below.
 */
import { compile } from "../aidl/compile.js";
import type { FileSystem } from "../aidl/resolve.js";

interface NodeFs {
  readFileSync(path: string, encoding: "utf8"): string;
  writeFileSync(path: string, data: string): void;
  mkdirSync(path: string, options: { recursive: true }): unknown;
  readdirSync(path: string): string[];
  statSync(path: string): { isDirectory(): boolean };
  realpathSync(path: string): string;
}
interface NodePath {
  join(...parts: string[]): string;
  dirname(path: string): string;
  resolve(...parts: string[]): string;
}
type ParseArgs = (config: {
  args: string[];
  allowPositionals: boolean;
  options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;
}) => { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

interface Host {
  fs: NodeFs;
  path: NodePath;
  parseArgs: ParseArgs;
}

let host: Host | undefined;
async function loadHost(): Promise<Host> {
  if (!host) {
    // Non-literal specifiers: resolved at run time, no compile-time dependency on @types/node.
    const load = (name: string) => import(name) as Promise<unknown>;
    const [fs, path, util] = await Promise.all([load("node:fs"), load("node:path"), load("node:util")]);
    host = { fs: fs as NodeFs, path: path as NodePath, parseArgs: (util as { parseArgs: ParseArgs }).parseArgs };
  }
  return host;
}

const USAGE = `usage: tsbinder aidl <file.aidl | dir>... -I <import root>... -o <out dir> [--check] [--version N] [--hash H]

  -I, --include <dir>  import root: type a.b.C is looked up as <dir>/a/b/C.aidl (repeatable)
  -o, --out <dir>      output directory (one .ts module per AIDL type, under its package path)
  --check              validate only, write nothing
  --version <N>        stable-AIDL interface version (adds getInterfaceVersion/getInterfaceHash)
  --hash <H>           interface hash returned by getInterfaceHash (default "notfrozen")
`;

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

interface ProcessLike {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}
const proc = (globalThis as { process?: ProcessLike }).process;
const defaultIO: CliIO = {
  stdout: (s) => proc?.stdout.write(s),
  stderr: (s) => proc?.stderr.write(s),
};

/** File access for the compiler, with a read cache (imports are probed repeatedly). */
function hostFileSystem({ fs, path }: Host): FileSystem {
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

function expandInputs({ fs, path }: Host, paths: string[]): string[] {
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

export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const h = await loadHost();
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help") {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== "aidl") {
    io.stderr(`tsbinder: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  let values: { include?: string[]; out?: string; check?: boolean; version?: string; hash?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = h.parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        include: { type: "string", short: "I", multiple: true },
        out: { type: "string", short: "o" },
        check: { type: "boolean" },
        version: { type: "string" },
        hash: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }) as { values: typeof values; positionals: string[] });
  } catch (e) {
    io.stderr(`tsbinder aidl: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr(`tsbinder aidl: no input files\n${USAGE}`);
    return 2;
  }
  if (!values.check && !values.out) {
    io.stderr(`tsbinder aidl: missing -o <out dir> (or use --check)\n`);
    return 2;
  }
  let version: number | undefined;
  if (values.version !== undefined) {
    version = Number(values.version);
    if (!Number.isInteger(version) || version < 1 || version > 0x7fffffff) {
      io.stderr(`tsbinder aidl: --version must be a positive integer, got '${values.version}'\n`);
      return 2;
    }
  }
  if (values.hash !== undefined && version === undefined) {
    io.stderr(`tsbinder aidl: --hash needs --version\n`);
    return 2;
  }
  let inputs: string[];
  try {
    inputs = expandInputs(h, positionals);
  } catch (e) {
    io.stderr(`tsbinder aidl: ${(e as Error).message}\n`);
    return 1;
  }
  if (inputs.length === 0) {
    io.stderr(`tsbinder aidl: no .aidl files in ${positionals.join(", ")}\n`);
    return 1;
  }
  const result = compile({
    inputs,
    importRoots: values.include ?? [],
    fs: hostFileSystem(h),
    ...(version !== undefined ? { version } : {}),
    ...(values.hash !== undefined ? { hash: values.hash } : {}),
  });
  if (result.errors.length) {
    for (const e of result.errors) io.stderr(`${e.message}\n`);
    io.stderr(`tsbinder aidl: ${result.errors.length} error${result.errors.length === 1 ? "" : "s"}, nothing written\n`);
    return 1;
  }
  if (values.check) {
    io.stdout(`tsbinder aidl: ${inputs.length} file(s) OK\n`);
    return 0;
  }
  const outDir = values.out!;
  try {
    for (const [rel, text] of result.files) {
      const path = h.path.join(outDir, rel);
      h.fs.mkdirSync(h.path.dirname(path), { recursive: true });
      h.fs.writeFileSync(path, text);
    }
  } catch (e) {
    io.stderr(`tsbinder aidl: cannot write output: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout(`tsbinder aidl: wrote ${result.files.size} file(s) to ${outDir}\n`);
  return 0;
}
