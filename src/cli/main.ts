/**
 * `tsbinder` command line. Only subcommand so far: `tsbinder aidl`.
 *
 *   tsbinder aidl <files or dirs>... -I <root>... -o <out> [--check] [--version N --hash H]
 *   tsbinder aidl <files or dirs>... -I <root>... --dumpapi <out>
 *   tsbinder aidl --checkapi[=compatible|equal] <old dump> <new dump> [-I <root>...]
 *   tsbinder aidl --compute-hash <frozen version dir> [--previous-version V]
 *
 * `main(argv)` resolves to the exit code instead of exiting so tests can call it in-process;
 * bin/tsbinder.mjs passes it to process.exitCode. Runtime access goes through host.ts.
 */
import { compile } from "../aidl/compile.js";
import { checkApiDirs, computeHash, dumpApi, frozenHashOf } from "./api-commands.js";
import { expandInputs, hostFileSystem, loadHost } from "./host.js";
import { processIO, type CliIO } from "./io.js";

export type { CliIO } from "./io.js";

const USAGE = `usage: tsbinder aidl <file.aidl | dir>... -I <import root>... -o <out dir> [--check] [--version N] [--hash H]
       tsbinder aidl <file.aidl | dir>... -I <import root>... --dumpapi <out dir>
       tsbinder aidl --checkapi[=compatible|equal] <old dump dir> <new dump dir> [-I <import root>...]
       tsbinder aidl --compute-hash <frozen version dir> [--previous-version V]

  -I, --include <dir>  import root: type a.b.C is looked up as <dir>/a/b/C.aidl (repeatable)
  -o, --out <dir>      output directory (one .ts module per AIDL type, under its package path)
  --check              validate only, write nothing
  --version <N>        stable-AIDL interface version (adds getInterfaceVersion/getInterfaceHash)
  --hash <H>           interface hash returned by getInterfaceHash (default "notfrozen"); "auto":
                       computed from the one input directory, a frozen version (see --compute-hash)
  --dumpapi <dir>      write the API dump of the inputs (AOSP's aidl_api format) instead of code
  --checkapi           check that the new dump is a compatible evolution of the old one (AOSP's
                       rules); --checkapi=equal checks that they are the same API
  --compute-hash <dir> print the hash AOSP's build stores in a frozen version's .hash file
  --previous-version V the version frozen before it (default: the next lower sibling directory;
                       the first version of a module has none)
`;

type Values = {
  include?: string[]; out?: string; check?: boolean; version?: string; hash?: string; help?: boolean;
  dumpapi?: string; checkapi?: boolean; "checkapi-level"?: string; "compute-hash"?: boolean; "previous-version"?: string;
};

/** `--checkapi=equal` is AOSP's spelling; parseArgs wants the level as an option of its own. */
function splitCheckApiLevel(args: readonly string[]): string[] {
  return args.flatMap((a) => {
    const m = /^--checkapi=(.*)$/.exec(a);
    return m ? ["--checkapi", "--checkapi-level", m[1]!] : [a];
  });
}

export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
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
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = h.parseArgs({
      args: splitCheckApiLevel(rest),
      allowPositionals: true,
      options: {
        include: { type: "string", short: "I", multiple: true },
        out: { type: "string", short: "o" },
        check: { type: "boolean" },
        version: { type: "string" },
        hash: { type: "string" },
        help: { type: "boolean", short: "h" },
        dumpapi: { type: "string" },
        checkapi: { type: "boolean" },
        "checkapi-level": { type: "string" },
        "compute-hash": { type: "boolean" },
        "previous-version": { type: "string" },
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
  const roots = values.include ?? [];
  if (values.checkapi) {
    const level = values["checkapi-level"] ?? "compatible";
    if (level !== "compatible" && level !== "equal") {
      io.stderr(`tsbinder aidl: --checkapi level must be 'compatible' or 'equal', got '${level}'\n`);
      return 2;
    }
    return checkApiDirs(h, io, positionals, roots, level);
  }
  if (values["compute-hash"]) return computeHash(h, io, positionals, values["previous-version"]);
  if (positionals.length === 0) {
    io.stderr(`tsbinder aidl: no input files\n${USAGE}`);
    return 2;
  }
  if (values.dumpapi !== undefined) {
    try {
      return dumpApi(h, io, expandInputs(h, positionals), roots, values.dumpapi);
    } catch (e) {
      io.stderr(`tsbinder aidl: ${(e as Error).message}\n`);
      return 1;
    }
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
  let hash = values.hash;
  if (hash === "auto") {
    if (positionals.length !== 1) {
      io.stderr(`tsbinder aidl: --hash auto needs exactly one input: the frozen version directory\n`);
      return 2;
    }
    try {
      hash = frozenHashOf(h, positionals[0]!, values["previous-version"]);
    } catch (e) {
      io.stderr(`tsbinder aidl: --hash auto: ${(e as Error).message}\n`);
      return 2;
    }
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
    importRoots: roots,
    fs: hostFileSystem(h),
    ...(version !== undefined ? { version } : {}),
    ...(hash !== undefined ? { hash } : {}),
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
