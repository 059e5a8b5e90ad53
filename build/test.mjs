// `npm test`: build (the wasm core and dist/, which several suites run), then every vitest
// suite, then the portable tier: the suites that open sockets (runtimes, transports, fds,
// native) again with the accelerations switched off (TSBINDER_ACCELERATE=0: no send(2) on
// node:net sockets, no descriptor re-wrapping), then one plain closing line with the counts of
// both passes ("vitest: N passed, N failed, N skipped"). With arguments (a targeted run), only
// the first pass runs, on what they name.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (args) => spawnSync(process.execPath, args, { stdio: "inherit", cwd: root }).status ?? 1;

if (run([join(root, "build", "build.mjs")]) !== 0) process.exit(1);
const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
/** The suites that run again in the portable tier. */
const PORTABLE = ["test/runtimes", "test/transports", "test/native", "test/rpc/fds.test.ts", "test/rpc/fd-boundaries.test.ts", "test/rpc/fd-ownership.test.ts"];

/** One vitest pass: its exit status and counts. */
function pass(name, args, env) {
  const report = join(root, ".tmp", `vitest-results-${name}.json`);
  mkdirSync(dirname(report), { recursive: true });
  rmSync(report, { force: true });
  const status = spawnSync(process.execPath, [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile=${report}`, ...args],
    { stdio: "inherit", cwd: root, env: { ...process.env, ...env } }).status ?? 1;
  const counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, "utf8"));
    Object.assign(counts, { passed: r.numPassedTests, failed: r.numFailedTests, skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) });
  } else if (status !== 0) counts.failed = 1;
  console.log(`vitest (${name}): ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return { status, ...counts };
}

const targeted = process.argv.length > 2;
const passes = [pass("accelerated", process.argv.slice(2), {})];
if (!targeted) passes.push(pass("portable", PORTABLE, { TSBINDER_ACCELERATE: "0" }));
const total = (k) => passes.reduce((n, p) => n + p[k], 0);
console.log(`vitest: ${total("passed")} passed, ${total("failed")} failed, ${total("skipped")} skipped`);
process.exit(passes.some((p) => p.status !== 0) ? 1 : 0);
