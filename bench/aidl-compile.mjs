// AIDL compiler speed on real Android sources (the Android 14 HAL sample in
// ../shared/reference/aidl-android14): wall time of `tsbinder aidl --check` run in-process on
//  1. the whole tree of module sources in ONE invocation (every module folder an import root);
//  2. every frozen version and `current` dump, one invocation each (its directory first on the
//     import path, then the module folders for what it imports), all in this one process;
// and 3. generating TypeScript for the AOSP AIDL test corpus's main suite (../shared/reference/
//     aidl-corpus/android, minus the two files that cannot be supported), which the corpus test
//     once timed (< 1000 ms) and now only checks for correctness.
// Runs the built package: `npm run build` first. Not a test: it asserts nothing, it reports.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../dist/src/cli/main.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const tree = join(repo, "../shared/reference/aidl-android14");
if (!existsSync(tree)) throw new Error(`no sample tree at ${tree}`);

const modules = readFileSync(join(tree, "modules.tsv"), "utf8").split("\n")
  .filter((l) => l && !l.startsWith("#") && !l.startsWith("module\t"))
  .map((l) => { const [name, folder] = l.split("\t"); return { name, folder: join(tree, folder) }; });
const roots = modules.map((m) => m.folder);
const include = roots.flatMap((r) => ["-I", r]);
// a module's sources: its folder minus the aidl_api snapshots (all under android/ here)
const sources = roots.map((r) => join(r, "android"));
const count = (dir) => readdirSync(dir).reduce((n, f) => {
  const p = join(dir, f);
  return n + (statSync(p).isDirectory() ? (f === "aidl_api" ? 0 : count(p)) : f.endsWith(".aidl") ? 1 : 0);
}, 0);
const quiet = { stdout: () => {}, stderr: (s) => process.stderr.write(s) };
// Wall time, and CPU time (user + system) since other processes on a shared machine inflate wall time.
let cpuMs = 0;
const timed = async (argv) => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const code = await main(argv, quiet);
  const c = process.cpuUsage(c0);
  cpuMs = (c.user + c.system) / 1000;
  if (code !== 0) throw new Error(`tsbinder ${argv.join(" ")} exited ${code}`);
  return performance.now() - t0;
};

await timed(["aidl", ...sources, ...include, "--check"]); // warm-up (JIT), not reported
const sourceFiles = roots.reduce((n, r) => n + count(r), 0);
const out = mkdtempSync(join(tmpdir(), "tsbinder-aidl-bench-"));
for (const [what, mode] of [["--check", ["--check"]], ["generating TypeScript", ["-o", out]]]) {
  const runs = [];
  const cpu = [];
  for (let i = 0; i < 5; i++) {
    runs.push(await timed(["aidl", ...sources, ...include, ...mode]));
    cpu.push(cpuMs);
  }
  runs.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(`whole tree of sources, one invocation, ${what}: ${sourceFiles} files, median ${runs[2].toFixed(0)} ms wall (min ${runs[0].toFixed(0)}, max ${runs[4].toFixed(0)}), median ${cpu[2].toFixed(0)} ms CPU`);
}
rmSync(out, { recursive: true, force: true });

let files = 0;
let dumps = 0;
let cpuTotal = 0;
const t0 = performance.now();
for (const m of modules) {
  const api = join(m.folder, "aidl_api", m.name);
  if (!existsSync(api)) continue;
  for (const v of readdirSync(api)) {
    const dir = join(api, v);
    files += count(dir);
    dumps++;
    await timed(["aidl", dir, "-I", dir, ...include, "--check"]);
    cpuTotal += cpuMs;
  }
}
console.log(`every frozen version and current dump, one invocation each: ${dumps} invocations, ${files} files, ${(performance.now() - t0).toFixed(0)} ms wall, ${cpuTotal.toFixed(0)} ms CPU in total`);

const corpus = join(repo, "../shared/reference/aidl-corpus");
if (existsSync(corpus)) {
  const listAidl = (dir) => readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listAidl(p) : p.endsWith(".aidl") ? [p] : [];
  });
  const mainSuite = listAidl(join(corpus, "android")).filter((f) => !/ICppJavaTests|platform[\\/]IProtected/.test(f));
  const corpusOut = mkdtempSync(join(tmpdir(), "tsbinder-aidl-corpus-bench-"));
  const argv = ["aidl", ...mainSuite, "-I", corpus, "-o", corpusOut];
  await timed(argv); // warm-up
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await timed(argv));
  runs.sort((a, b) => a - b);
  console.log(`AOSP AIDL corpus main suite, generating TypeScript: ${mainSuite.length} files, median ${runs[2].toFixed(0)} ms wall (min ${runs[0].toFixed(0)}, max ${runs[4].toFixed(0)})`);
  rmSync(corpusOut, { recursive: true, force: true });
}
