// Command-line options of run.mjs, and the iteration counts of the quick and full runs.
export const SUITES = ["latency", "columns", "worker", "inflight", "callback", "oneway", "death", "binders", "sessions", "parcel"];

export const HELP = `usage: npm run bench -- [options]
  --quick                  fewer iterations (under 2 minutes on 2 cores); writes no files unless --out/--md
  --only a,b               suites: ${SUITES.join(", ")}
  --cases a,b              latency cases: null-call, echo-1k, bytes-64k, bytes-1m
  --systems a,b            tsbinder, raw-echo, grpc-js, capnweb
  --runtimes a,b           node, deno, bun (columns suite)
  --pin same,split         CPU placements (default both; "none" for unpinned)
  --iterations N           override the measured round trips of the latency cases
  --out FILE               where results.json goes (full run default: bench/results.json)
  --no-json                write no files at all (no results.json, no RESULTS.md)
  --md FILE                also write the Markdown tables (full run default: bench/RESULTS.md)
  --server-node-args "..." extra node flags for node server processes (e.g. --cpu-prof)
  --client-node-args "..." extra node flags for node client processes`;

export function parseArgs(argv) {
  const o = { quick: false, only: null, cases: null, systems: null, runtimes: null, pin: null, iterations: 0, out: undefined, md: undefined, json: true, serverNodeArgs: [], clientNodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(0, eq) : a;
    const val = () => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    const list = () => val().split(",").filter(Boolean);
    switch (key) {
      case "--quick": o.quick = true; break;
      case "--only": o.only = list(); break;
      case "--cases": o.cases = list(); break;
      case "--systems": o.systems = list(); break;
      case "--runtimes": o.runtimes = list(); break;
      case "--pin": o.pin = list(); break;
      case "--iterations": o.iterations = Number(val()); break;
      case "--out": o.out = val(); break;
      case "--md": o.md = val(); break;
      case "--no-json": o.json = false; break;
      case "--server-node-args": o.serverNodeArgs = val().split(/\s+/).filter(Boolean); break;
      case "--client-node-args": o.clientNodeArgs = val().split(/\s+/).filter(Boolean); break;
      case "--help": case "-h": console.log(HELP); process.exit(0); break;
      default: console.error(`bench: unknown option ${a} (see --help)`); process.exit(2);
    }
  }
  if (o.only && !o.only.every((s) => SUITES.includes(s))) { console.error(`bench: --only takes ${SUITES.join(", ")}`); process.exit(2); }
  if (o.pin && !o.pin.every((p) => ["same", "split", "none"].includes(p))) { console.error("bench: --pin takes same, split, none"); process.exit(2); }
  return o;
}

/** Iterations per case; `lat(case)` gives { warmup, iterations, block } for sequential cases.
 *  The full run's warm-ups are long enough for V8 to finish optimizing the call path (measured:
 *  a null call after 2,000 warm-up calls still ran 2-3 µs slower than after 20,000, and 64 calls
 *  in flight reached full speed only after ~50,000): a server is measured as it runs for hours,
 *  not in its first second. Every system gets the same warm-up. */
export function settingsFor(o) {
  const q = o.quick;
  const lat = {
    "null-call": q ? [200, 1_500, 500] : [20_000, 20_000, 1_000],
    "echo-1k": q ? [200, 1_500, 500] : [20_000, 20_000, 1_000],
    "bytes-64k": q ? [50, 300, 100] : [2_000, 3_000, 500],
    "bytes-1m": q ? [5, 30, 10] : [100, 300, 50],
  };
  return {
    quick: q,
    lat: (kase) => {
      const [warmup, iterations, block] = lat[kase];
      const n = o.iterations || iterations;
      return { warmup, iterations: n, block: Math.min(block, n) };
    },
    inflight: q ? { warmup: 500, calls: 4_000, block: 2_000 } : { warmup: 50_000, calls: 100_000, block: 10_000 },
    callback: q ? { warmup: 300, iterations: 2_000, block: 500 } : { warmup: 2_000, iterations: 20_000, block: 1_000 },
    oneway: q ? { warmup: 300, iterations: 10_000, block: 1_000 } : { warmup: 2_000, iterations: 100_000, block: 1_000 },
    death: q ? { warmup: 20, iterations: 100 } : { warmup: 50, iterations: 1_000 },
    binders: { count: 10_000 },
    sessions: { sessions: 1_000, processes: 4, durationMs: q ? 1_500 : 5_000 },
    parcel: q ? { timeMs: 150, rounds: 2 } : { timeMs: 600, rounds: 3 },
    worker: q ? { warmup: 300, iterations: 2_000, block: 500 } : { warmup: 2_000, iterations: 20_000, block: 1_000 },
  };
}
