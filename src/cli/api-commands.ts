/**
 * The stable-AIDL commands of `tsbinder aidl`: `--dumpapi` (write an API dump, AOSP's format),
 * `--checkapi` (compare two dumps with AOSP's compatibility rules) and `--compute-hash` (the hash
 * AOSP's build stores in a frozen version's `.hash` file).
 */
import { checkApi, type CheckApiLevel } from "../aidl/api/checkapi.js";
import { dumpDocument } from "../aidl/api/dump.js";
import { frozenApiHash, previousVersionOf } from "../aidl/api/hash.js";
import { analyze, type Analysis } from "../aidl/compile.js";
import type { AidlError } from "../aidl/errors.js";
import { expandInputs, hostFileSystem, type Host } from "./host.js";
import type { CliIO } from "./io.js";

function report(io: CliIO, errors: readonly AidlError[], what: string): void {
  for (const e of errors) io.stderr(`${e.message}\n`);
  io.stderr(`tsbinder aidl: ${errors.length} error${errors.length === 1 ? "" : "s"}${what}\n`);
}

/** `--dumpapi <out>`: one dump file per input type, under its package path. */
export function dumpApi(h: Host, io: CliIO, inputs: string[], importRoots: string[], outDir: string): number {
  const a = analyze({ inputs, importRoots, fs: hostFileSystem(h) });
  if (a.errors.length) {
    report(io, a.errors, ", nothing written");
    return 1;
  }
  try {
    for (const doc of a.inputs) {
      const [rel, text] = dumpDocument(a.model, doc);
      const path = h.path.join(outDir, rel);
      h.fs.mkdirSync(h.path.dirname(path), { recursive: true });
      h.fs.writeFileSync(path, text);
    }
  } catch (e) {
    io.stderr(`tsbinder aidl: cannot write the dump: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout(`tsbinder aidl: dumped the API of ${a.inputs.length} file(s) to ${outDir}\n`);
  return 0;
}

/** Analyzes one side of --checkapi: every .aidl file under `dir`, which is its own import root. */
function loadDump(h: Host, dir: string, importRoots: string[]): Analysis {
  return analyze({ inputs: expandInputs(h, [dir]), importRoots: [dir, ...importRoots], fs: hostFileSystem(h) });
}

/** `--checkapi <old> <new>`: 0 when `new` is a compatible (or, at level equal, the same) API. */
export function checkApiDirs(h: Host, io: CliIO, dirs: string[], importRoots: string[], level: CheckApiLevel): number {
  if (dirs.length !== 2) {
    io.stderr(`tsbinder aidl: --checkapi needs two directories (the old API dump, then the new one), got ${dirs.length}\n`);
    return 2;
  }
  const [oldDir, newDir] = dirs as [string, string];
  if (h.path.resolve(oldDir) === h.path.resolve(newDir)) {
    io.stderr(`tsbinder aidl: --checkapi: no use in comparing ${oldDir} with itself\n`);
    return 2;
  }
  let older: Analysis;
  let newer: Analysis;
  try {
    older = loadDump(h, oldDir, importRoots);
    newer = loadDump(h, newDir, importRoots);
  } catch (e) {
    io.stderr(`tsbinder aidl: ${(e as Error).message}\n`);
    return 1;
  }
  const loadErrors = [...older.errors, ...newer.errors];
  if (loadErrors.length) {
    report(io, loadErrors, " reading the API dumps");
    return 1;
  }
  const errors = checkApi({ analysis: older }, { analysis: newer }, level);
  if (errors.length) {
    report(io, errors, `: ${newDir} is not ${level === "equal" ? "equal to" : "compatible with"} ${oldDir}`);
    return 1;
  }
  io.stdout(`tsbinder aidl: ${newDir} is ${level === "equal" ? "equal to" : "compatible with"} ${oldDir}\n`);
  return 0;
}

/**
 * The frozen-API hash of a version directory. The version frozen before it is `previous` when
 * given, else the highest numbered sibling directory below this one's number (none: a first version).
 */
export function frozenHashOf(h: Host, dir: string, previous: string | undefined): string {
  let prev: number | string | undefined = previous;
  if (prev === undefined) {
    const version = Number(h.path.basename(h.path.resolve(dir)));
    if (!Number.isInteger(version)) throw new Error(`${dir} is not a numbered version directory: give --previous-version`);
    const siblings = h.fs.readdirSync(h.path.dirname(h.path.resolve(dir))).filter((d) => /^\d+$/.test(d)).map(Number);
    prev = previousVersionOf(version, siblings);
  }
  const files = expandInputs(h, [dir]).map((f) => ({ path: h.path.relative(dir, f).split("\\").join("/"), content: h.fs.readFileSync(f) }));
  return frozenApiHash(files, prev);
}

/** `--compute-hash <dir>`: prints the hash AOSP's build stores in the directory's `.hash` file. */
export function computeHash(h: Host, io: CliIO, dirs: string[], previous: string | undefined): number {
  if (dirs.length !== 1) {
    io.stderr(`tsbinder aidl: --compute-hash needs one frozen version directory, got ${dirs.length}\n`);
    return 2;
  }
  try {
    io.stdout(`${frozenHashOf(h, dirs[0]!, previous)}\n`);
    return 0;
  } catch (e) {
    io.stderr(`tsbinder aidl: ${(e as Error).message}\n`);
    return 2;
  }
}
