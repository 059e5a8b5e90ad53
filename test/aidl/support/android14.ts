// The Android 14 HAL sample (../shared/reference/aidl-android14, see its README): its module
// table as compilation units. A module's sources compile with the import roots of the modules it
// imports (a `name-Vn` import is that module's frozen version n), and so does every frozen version
// directory with the imports its `versions_with_info` entry names; imports are followed
// transitively, as Soong puts every dependency's root on the include path.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CompileResult } from "../../../src/aidl/compile.js";
import { aidlFilesUnder, compileDir, repoRoot, writeOutput } from "./helpers.js";

export const android14Root = join(repoRoot, "../shared/reference/aidl-android14");

interface ModuleEntry {
  name: string;
  folder: string;
  imports: string[];
  /** frozen version → its imports (`?` in the table: unknown, taken to be the module's own) */
  versions: Map<number, string[]>;
}

export interface Unit {
  /** `module` or `module@N` */
  name: string;
  module: string;
  version?: number;
  /** The directory whose files are the inputs (the sources, or a frozen version's tree). */
  root: string;
  inputs: string[];
  importRoots: string[];
  /** `current`: the API dump of the sources, kept next to the frozen versions. */
  current?: boolean;
  /** Lines of the version's `.hash` file (any one may match: AOSP appends when re-hashing). */
  hashes?: string[];
  /** The version frozen before this one (undefined for the first). */
  previousVersion?: number;
}

const list = (s: string) => (s === "-" || s === "" ? [] : s.split(","));

export function readModules(): Map<string, ModuleEntry> {
  const modules = new Map<string, ModuleEntry>();
  for (const line of readFileSync(join(android14Root, "modules.tsv"), "utf8").split("\n")) {
    if (!line || line.startsWith("#") || line.startsWith("module\t")) continue;
    const [name, folder, imports, versions] = line.split("\t") as [string, string, string, string];
    const entry: ModuleEntry = { name, folder, imports: list(imports), versions: new Map() };
    for (const v of versions.split(" ").filter(Boolean)) {
      const [n, imps] = v.split(":") as [string, string];
      entry.versions.set(Number(n), imps === "?" ? entry.imports : list(imps));
    }
    modules.set(name, entry);
  }
  return modules;
}

/** Numbers of the frozen version directories present for a module. */
export function frozenVersions(m: { name: string; folder: string }): number[] {
  const dir = join(android14Root, m.folder, "aidl_api", m.name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => a - b);
}

export function versionDir(m: { name: string; folder: string }, v: number | "current"): string {
  return join(android14Root, m.folder, "aidl_api", m.name, String(v));
}

export function units(): Unit[] {
  const modules = readModules();
  const moduleOf = (name: string) => {
    const m = modules.get(name);
    if (!m) throw new Error(`modules.tsv: unknown module ${name}`);
    return m;
  };
  /** Import roots for a list of `name` / `name-Vn` imports, transitively, in order, deduplicated. */
  const rootsFor = (imports: string[], acc: string[] = []): string[] => {
    for (const imp of imports) {
      const match = /^(.*)-V(\d+)$/.exec(imp);
      const m = moduleOf(match ? match[1]! : imp);
      const v = match ? Number(match[2]) : undefined;
      const root = v === undefined ? join(android14Root, m.folder) : versionDir(m, v);
      if (acc.includes(root)) continue;
      acc.push(root);
      rootsFor(v === undefined ? m.imports : (m.versions.get(v) ?? m.imports), acc);
    }
    return acc;
  };
  const out: Unit[] = [];
  for (const m of modules.values()) {
    const src = join(android14Root, m.folder);
    out.push({
      name: m.name,
      module: m.name,
      root: src,
      inputs: aidlFilesUnder(src).filter((f) => !f.slice(src.length).includes("/aidl_api/")),
      importRoots: [src, ...rootsFor(m.imports)],
    });
    const cur = versionDir(m, "current");
    if (existsSync(cur)) {
      out.push({ name: `${m.name}@current`, module: m.name, current: true, root: cur, inputs: aidlFilesUnder(cur), importRoots: [cur, ...rootsFor(m.imports)] });
    }
    const frozen = frozenVersions(m);
    for (const v of frozen) {
      const dir = versionDir(m, v);
      const imports = m.versions.get(v) ?? m.imports;
      out.push({
        name: `${m.name}@${v}`,
        module: m.name,
        version: v,
        root: dir,
        inputs: aidlFilesUnder(dir),
        importRoots: [dir, ...rootsFor(imports)],
        hashes: readFileSync(join(dir, ".hash"), "utf8").split("\n").filter(Boolean),
        previousVersion: frozen.filter((x) => x < v).pop(),
      });
    }
  }
  return out;
}

/** Compiles every unit and writes each unit's output under `outDir/<unit>`, together with the
 *  generated code of what it imports (the unit whose root that is), so that its relative
 *  imports resolve when the folder is type-checked. */
export function compileUnits(all: Unit[], outDir: string): Map<string, CompileResult> {
  const results = new Map<string, CompileResult>();
  for (const u of all) {
    const opts = u.version !== undefined ? { version: u.version, hash: u.hashes![0]! } : {};
    results.set(u.name, compileDir(u.inputs, u.importRoots, opts));
  }
  const byRoot = new Map(all.map((u) => [u.root, u]));
  for (const u of all) {
    const dir = join(outDir, u.name);
    for (const root of u.importRoots) {
      const dep = byRoot.get(root);
      if (dep && dep !== u) writeOutput(results.get(dep.name)!.files, dir);
    }
    writeOutput(results.get(u.name)!.files, dir);
  }
  return results;
}
