// The long fuzz pass (bundled and started by fuzz/run.mjs; see there for the options). Runs
// each property in batches of fast-check runs, each batch with its own seed derived from the
// base seed, so a whole pass is reproducible from --seed; prints progress per batch and one
// JSON summary line at the end (prefixed "RESULT ").
import {
  fc, newContext, property, installWatchers, sampleMemory, fmtMem, describeInput, MB,
  PROPERTY_NAMES, type PropertyName, type MemorySample, FuzzFailure,
} from "../test/fuzz/harness.js";

interface Args { runs: number; seed: number; props: PropertyName[]; batch: number; echoEvery: number; scribble: boolean; replay: string | null; worker: string }

function parse(argv: string[]): Args {
  const a: Args = { runs: 10_000, seed: Date.now() % 2 ** 31, props: [...PROPERTY_NAMES], batch: 5_000, echoEvery: 500, scribble: false, replay: null, worker: "" };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => argv[++i]!;
    switch (k) {
      case "--runs": a.runs = Number(v()); break;
      case "--seed": a.seed = Number(v()); break;
      case "--props": a.props = v().split(",") as PropertyName[]; break;
      case "--batch": a.batch = Number(v()); break;
      case "--echo-every": a.echoEvery = Number(v()); break;
      case "--scribble": a.scribble = true; break;
      case "--replay": a.replay = v(); break;
      case "--worker": a.worker = v(); break;
      default: throw new Error(`unknown option ${k}`);
    }
  }
  for (const p of a.props) if (!PROPERTY_NAMES.includes(p)) throw new Error(`unknown property ${p} (${PROPERTY_NAMES.join(", ")})`);
  return a;
}

interface Found { property: string; kind: string; message: string; seed: number; path: string; input: string; repro: string }

const args = parse(process.argv.slice(2));
const tag = args.worker ? `[${args.worker}] ` : "";
const log = (s: string) => console.log(`${tag}${s}`);
const uninstall = installWatchers(true);
const ctx = newContext({ echoEvery: args.echoEvery, scribble: args.scribble });

const PER_INPUT_TIMEOUT_MS = 10_000;
/** fast-check's own per-run timeout turns a run that never settles into a failure (a hang). */
const checkParams = { timeout: PER_INPUT_TIMEOUT_MS } as const;

async function main(): Promise<void> {
  if (args.replay) {
    // --replay property:seed:path  (as printed for a failure)
    const [name, seed, path] = args.replay.split(":");
    const r = await fc.check(property(name as PropertyName, ctx), { seed: Number(seed), path, numRuns: 1, ...checkParams });
    log(r.failed ? `${name}: fails: ${String((r.errorInstance as Error)?.stack ?? r.errorInstance)}\ninput ${describeInput(r.counterexample)}` : `${name}: passes`);
    return;
  }
  log(`seed ${args.seed}, ${args.runs} runs per property (${args.props.join(", ")}), batches of ${args.batch}, echo check every ${args.echoEvery} server inputs${args.scribble ? ", chunk buffers scribbled after delivery" : ""}`);
  // warm up (JIT, pools) before the memory baseline
  await fc.check(property("frames", newContext({ echoEvery: 50 })), { seed: 1, numRuns: 300 });
  const start = await sampleMemory();
  log(`memory at start: ${fmtMem(start)}`);
  const peak = { ...start };
  const found: Found[] = [];
  let inputs = 0;
  const t0 = performance.now();
  for (const name of args.props) {
    const tp = performance.now();
    let done = 0;
    for (let b = 0; done < args.runs; b++) {
      const n = Math.min(args.batch, args.runs - done);
      const seed = (args.seed + hashName(name) + b * 7919) | 0;
      const tb = performance.now();
      const r = await fc.check(property(name, ctx), { seed, numRuns: n, ...checkParams });
      const ran = r.failed ? r.numRuns : n;
      done += n; // a failed batch is not repeated: its remaining runs are counted as skipped
      inputs += ran;
      if (r.failed) {
        const err = r.errorInstance as Error | undefined;
        const f: Found = {
          property: name, kind: err instanceof FuzzFailure ? err.kind : /timeout|timed out/i.test(String(err)) ? "hang" : "crash",
          message: String(err?.stack ?? err ?? "interrupted (timeout)"), seed, path: r.counterexamplePath ?? "",
          input: describeInput(r.counterexample), repro: `npm run fuzz -- --replay ${name}:${seed}:${r.counterexamplePath}`,
        };
        found.push(f);
        log(`FAILURE (${f.kind}) in ${name} after ${r.numRuns} runs of batch ${b}, shrunk ${r.numShrinks} times:\n  ${f.message.split("\n").join("\n  ")}\n  input: ${f.input}\n  repro: ${f.repro}`);
      }
      const m = await sampleMemory();
      for (const k of Object.keys(peak) as (keyof MemorySample)[]) peak[k] = Math.max(peak[k], m[k]);
      const dt = (performance.now() - tb) / 1000;
      log(`${name} batch ${b}: ${ran} inputs in ${dt.toFixed(1)} s (${(ran / dt).toFixed(0)}/s); ${fmtMem(m)}`);
    }
    const dt = (performance.now() - tp) / 1000;
    log(`${name}: ${done} inputs in ${dt.toFixed(1)} s (${(done / dt).toFixed(0)}/s)`);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const end = await sampleMemory();
  log(`memory at end:   ${fmtMem(end)}`);
  log(`server stats ${JSON.stringify(ctx.server.stats)}; client stats ${JSON.stringify(ctx.client.stats)}`);
  const summary = {
    seed: args.seed, inputs, seconds: Number(elapsed.toFixed(1)), perSecond: Math.round(inputs / elapsed),
    crashes: found.filter((f) => f.kind !== "hang" && f.kind !== "leak").length,
    hangs: found.filter((f) => f.kind === "hang").length,
    leaks: found.filter((f) => f.kind === "leak").length,
    start, end, peak, maxRssKiB: process.resourceUsage().maxRSS,
    server: ctx.server.stats, client: ctx.client.stats, failures: found,
  };
  log(`${inputs} inputs in ${elapsed.toFixed(1)} s (${summary.perSecond}/s): ${summary.crashes} crashes, ${summary.hangs} hangs, ${summary.leaks} leaks; ` +
    `heap ${(start.heapUsed / MB).toFixed(1)} -> ${(end.heapUsed / MB).toFixed(1)} MB (peak ${(peak.heapUsed / MB).toFixed(1)}), ` +
    `wasm ${(start.wasm / MB).toFixed(2)} -> ${(end.wasm / MB).toFixed(2)} MB, live parcels ${start.liveParcels} -> ${end.liveParcels}`);
  console.log(`RESULT ${JSON.stringify(summary)}`);
  uninstall();
  process.exitCode = found.length ? 1 : 0;
}

function hashName(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h & 0xffff;
}

main().then(() => process.exit(), (e) => {
  console.error(e);
  process.exit(2);
});
