// npm run fuzz -- [options]: the session fuzz properties (test/fuzz/harness.ts) for a long pass.
// Bundles fuzz/main.ts with esbuild (into node_modules/.cache, so the bundle resolves the
// project's packages), then runs it under `node --expose-gc` in one or more processes.
//   --runs N          runs per property per process (default 10000)
//   --seed S          base seed (default: random, printed); a pass is reproducible from it
//   --props a,b       properties: raw, handshake+bytes, frames, client (default all)
//   --workers W       processes in parallel (default 1); worker i uses seed S + i
//   --batch N         runs per fast-check batch (default 5000; memory is sampled between)
//   --echo-every N    a fresh valid client session every N server inputs (default 500)
//   --scribble        the fake transports overwrite each chunk after delivering it, as an adapter
//                     reusing its read buffer would (src/rpc/transport.ts forbids that: the
//                     session keeps chunks; expect failures, it shows what such an adapter breaks)
//   --replay P:S:PATH re-run one failing input as printed in a failure report
import { buildSync } from "esbuild";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
let workers = 1;
let seed = null;
const passOn = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--workers") workers = Number(argv[++i]);
  else if (argv[i] === "--seed") seed = Number(argv[++i]);
  else if (argv[i] === "--help" || argv[i] === "-h") {
    console.log(readFileHeader());
    process.exit(0);
  } else passOn.push(argv[i]);
}
seed ??= Math.floor(Math.random() * 2 ** 31);

const outDir = join(root, "node_modules", ".cache", "tsbinder-fuzz");
mkdirSync(outDir, { recursive: true });
const out = join(outDir, "main.mjs");
buildSync({
  entryPoints: [join(root, "fuzz", "main.ts")], bundle: true, platform: "node", format: "esm", outfile: out,
  logLevel: "warning", sourcemap: "inline", external: ["esbuild", "vitest"],
  banner: { js: "import { createRequire as __fuzzCreateRequire } from 'node:module'; const require = __fuzzCreateRequire(import.meta.url);" },
});

console.log(`fuzz: seed ${seed}, ${workers} process(es); reproduce with --seed ${seed}${workers > 1 ? ` --workers ${workers}` : ""}`);
const results = await Promise.all(Array.from({ length: workers }, (_, i) => new Promise((resolve) => {
  const child = spawn(process.execPath, ["--expose-gc", "--enable-source-maps", out, "--seed", String(seed + i),
    ...(workers > 1 ? ["--worker", `w${i}`] : []), ...passOn], { stdio: ["ignore", "pipe", "inherit"], cwd: root });
  let buf = "";
  let result = null;
  child.stdout.on("data", (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7));
      else console.log(line);
    }
  });
  child.on("exit", (code) => resolve({ code, result }));
})));

const ok = results.filter((r) => r.result);
if (ok.length && workers > 1) {
  const sum = (f) => ok.reduce((n, r) => n + f(r.result), 0);
  const seconds = Math.max(...ok.map((r) => r.result.seconds));
  const inputs = sum((r) => r.inputs);
  const mb = (n) => (n / 1048576).toFixed(1);
  console.log(`fuzz total: ${inputs} inputs in ${seconds} s wall (${Math.round(inputs / seconds)}/s over ${workers} processes): ` +
    `${sum((r) => r.crashes)} crashes, ${sum((r) => r.hangs)} hangs, ${sum((r) => r.leaks)} leaks; ` +
    ok.map((r, i) => `w${i} heap ${mb(r.result.start.heapUsed)} -> ${mb(r.result.end.heapUsed)} MB (peak ${mb(r.result.peak.heapUsed)}), ` +
      `wasm ${mb(r.result.start.wasm)} -> ${mb(r.result.end.wasm)} MB, maxRSS ${mb(r.result.maxRssKiB * 1024)} MB`).join("; "));
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);

function readFileHeader() {
  const lines = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
  return lines.filter((l, i) => l.startsWith("//") && lines.slice(0, i).every((x) => x.startsWith("//"))).map((l) => l.slice(3)).join("\n");
}
