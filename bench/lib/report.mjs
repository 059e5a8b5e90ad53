// Turning result rows into ratios, target verdicts, console tables and the Markdown of
// bench/RESULTS.md.
import { round2 } from "./stats.mjs";

const same = (a, b, keys) => keys.every((k) => a[k] === b[k]);
const find = (rows, where) => rows.find((r) => Object.entries(where).every(([k, v]) => r[k] === v));
const LAT_CASES = ["null-call", "echo-1k", "bytes-64k", "bytes-1m"];

/** tsbinder divided by each other system of the same runtime, transport, placement and case. */
export function computeRatios(results) {
  const out = [];
  for (const t of results.filter((r) => r.system === "tsbinder" && (LAT_CASES.includes(r.case) || r.case.startsWith("inflight")))) {
    for (const o of results) {
      if (o === t || o.system === "tsbinder" || !same(o, t, ["runtime", "placement", "case"])) continue;
      // capnweb over ws is TCP but is compared with the unix rows it was measured with
      if (o.transport !== t.transport && !(t.transport === "unix" && o.system === "capnweb")) continue;
      if (t.case.startsWith("inflight") && o.system === "raw-echo" && o.connections !== t.connections) continue;
      if (t.case.startsWith("inflight") && o.system !== "raw-echo" && t.connections !== 8) continue;
      if (t.variant && !t.case.startsWith("inflight") && o.variant) continue;
      const r = {
        runtime: t.runtime, transport: t.transport, placement: t.placement, case: t.case,
        ...(t.variant ? { variant: t.variant } : {}),
        baseline: o.variant ? `${o.system} (${o.variant})` : o.system,
        p50_ratio: round2(t.p50_us / o.p50_us), p99_ratio: round2(t.p99_us / o.p99_us), ops_ratio: round2(t.ops_per_s / o.ops_per_s),
      };
      out.push(r);
    }
  }
  // in-process parcel: wasm Parcel against the DataView baseline
  for (const t of results.filter((r) => r.system === "tsbinder" && r.transport === "in-process")) {
    const o = find(results, { system: "dataview-baseline", transport: "in-process", case: t.case, variant: t.variant });
    if (o) out.push({ runtime: t.runtime, transport: "in-process", placement: t.placement, case: t.case, variant: t.variant, baseline: "dataview-baseline", p50_ratio: round2(t.p50_us / o.p50_us), p99_ratio: round2(t.p99_us / o.p99_us), ops_ratio: round2(t.ops_per_s / o.ops_per_s) });
  }
  return out;
}

/** Every target of issue 8, judged from the rows of this run. */
export function computeTargets(results, ratios) {
  const out = [];
  const add = (target, scope, value, limit, pass, note) => out.push({ target, scope, value, limit, pass, ...(note ? { note } : {}) });
  const rawRatio = (r) => ratios.find((x) => same(x, r, ["runtime", "transport", "placement", "case", "variant"]) && x.baseline === "raw-echo");
  // the targets are judged on each runtime's own sockets (a variant, such as Deno's libc
  // sockets, is in the ratio table)
  for (const t of results.filter((r) => r.system === "tsbinder" && r.transport === "unix" && LAT_CASES.includes(r.case) && !r.variant)) {
    const x = rawRatio(t);
    if (!x) continue;
    const scope = `${t.runtime} unix ${t.placement}`;
    if (t.case === "null-call") {
      add("null-call p50 ≤ 1.25× raw-echo", scope, x.p50_ratio, 1.25, x.p50_ratio <= 1.25);
      add("null-call p99 ≤ 2× raw-echo", scope, x.p99_ratio, 2, x.p99_ratio <= 2);
    }
    if (t.case === "echo-1k") add("echo-1k p50 ≤ 1.3× raw-echo", scope, x.p50_ratio, 1.3, x.p50_ratio <= 1.3);
    if (t.case === "bytes-64k") {
      // beside it, the ratio to the echo that makes the two copies an owned byte[] costs
      const owned = ratios.find((y) => same(y, t, ["runtime", "transport", "placement", "case", "variant"]) && y.baseline.startsWith("raw-echo (owned"));
      add("bytes-64k p50 ≤ 1.5× raw-echo", scope, x.p50_ratio, 1.5, x.p50_ratio <= 1.5, owned ? `${owned.p50_ratio}× the raw echo that copies what it receives into new memory` : undefined);
    }
  }
  for (const t of results.filter((r) => r.system === "tsbinder" && r.transport === "in-process" && r.case === "bytes-1m" && r.variant === "parcel write+read")) {
    add("bytes-1m ≥ 1 GB/s through parcel write+read (in-process)", `${t.runtime} ${t.variant}`, round2(t.mb_per_s / 1000), 1, t.mb_per_s >= 1000, "GB/s (10^9 B/s, payload bytes)");
  }
  for (const t of results.filter((r) => r.system === "tsbinder" && r.case.startsWith("inflight"))) {
    const x = ratios.find((y) => same(y, t, ["runtime", "transport", "placement", "case", "variant"]) && y.baseline.startsWith("raw-echo") && y.baseline.includes("pipelined"));
    if (x) add("inflight-64 ≥ 0.7× raw-echo calls/s", `${t.runtime} ${t.transport} ${t.placement}, ${t.variant}`, x.ops_ratio, 0.7, x.ops_ratio >= 0.7, "raw-echo with the same sockets, 64 in flight (pipelined)");
  }
  for (const t of results.filter((r) => r.case === "callback")) {
    const v = round2(t.p50_us / t.null_call_p50_us);
    add("callback p50 ≤ 1.5× null-call p50", `${t.runtime} ${t.transport} ${t.placement}`, v, 1.5, v <= 1.5);
  }
  for (const t of results.filter((r) => r.case === "oneway")) {
    const v = round2(t.ops_per_s / t.unary_ops_per_s);
    add("oneway rate ≥ 2× unary rate, in order", `${t.runtime} ${t.transport} ${t.placement}`, v, 2, v >= 2 && t.ordered, t.ordered ? "all in order" : `OUT OF ORDER: ${t.out_of_order}, received ${t.received}/${t.sent}`);
  }
  for (const t of results.filter((r) => r.case === "death" && r.system === "tsbinder")) {
    add("death ≤ 1 ms (p50)", `${t.runtime} ${t.transport}`, round2(t.p50_us / 1000), 1, t.p50_us <= 1000, `ms; p99 ${round2(t.p99_us / 1000)} ms`);
  }
  for (const x of ratios.filter((r) => r.baseline === "dataview-baseline")) {
    add("wasm Parcel no slower than dataview-baseline", `${x.runtime} ${x.case}, ${x.variant}`, x.ops_ratio, 1, x.ops_ratio >= 1, "ops/s ratio (wasm / baseline); > 1 is faster");
  }
  for (const t of results.filter((r) => r.case === "binders-10k")) {
    add("binders-10k < 10 MB", `${t.runtime} ${t.transport}`, t.memory_mb, 10, t.memory_mb < 10, `MB, both sides (client ${t.client_mb}, server ${t.server_mb})`);
  }
  for (const t of results.filter((r) => r.case === "sessions-1k")) {
    add("sessions-1k: no errors", `${t.runtime} ${t.transport}`, t.errors, 0, t.errors === 0 && t.sessions === t.target_sessions, `${t.sessions}/${t.target_sessions} sessions opened`);
  }
  return out;
}

// ---- tables -------------------------------------------------------------------------------

const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? "" : typeof x === "number" ? x.toFixed(d) : String(x));
const sysName = (r) => (r.variant ? `${r.system} (${r.variant})` : r.system);

export function tables(doc) {
  const lat = doc.results.filter((r) => r.p50_us !== undefined && !["callback", "death", "sessions-1k"].includes(r.case));
  const out = [];
  out.push({
    title: "Round trips and throughput",
    head: ["runtime", "transport", "placement", "case", "system", "p50 µs", "p99 µs", "ops/s", "MB/s"],
    rows: lat.map((r) => [r.runtime, r.transport === "ws" ? "tcp" : r.transport, r.placement ?? "", r.case, sysName(r), fmt(r.p50_us), fmt(r.p99_us), String(r.ops_per_s ?? ""), fmt(r.mb_per_s)]),
  });
  const other = doc.results.filter((r) => ["callback", "oneway", "death", "binders-10k", "sessions-1k"].includes(r.case));
  out.push({
    title: "Callback, oneway, death, memory, sessions",
    head: ["runtime", "transport", "placement", "case", "system", "result"],
    rows: other.map((r) => [r.runtime, r.transport, r.placement ?? "", r.case, sysName(r), describe(r)]),
  });
  out.push({
    title: "Ratios (tsbinder ÷ other system, same run; ops/s × < 1 means tsbinder is slower)",
    head: ["runtime", "transport", "placement", "case", "vs", "p50 ×", "p99 ×", "ops/s ×"],
    rows: doc.ratios.map((r) => [r.runtime, r.transport, r.placement ?? "", r.case + (r.variant ? ` (${r.variant})` : ""), r.baseline, fmt(r.p50_ratio, 2), fmt(r.p99_ratio, 2), fmt(r.ops_ratio, 2)]),
  });
  out.push({
    title: "Targets (issue 8)",
    head: ["target", "scope", "value", "limit", "verdict", "note"],
    rows: doc.targets.map((t) => [t.target, t.scope, fmt(t.value, 2), String(t.limit), t.pass ? "PASS" : "FAIL", t.note ?? ""]),
  });
  return out;
}

function describe(r) {
  switch (r.case) {
    case "callback": return `p50 ${r.p50_us} µs, p99 ${r.p99_us} µs (null call in the same run: p50 ${r.null_call_p50_us} µs, p99 ${r.null_call_p99_us} µs)`;
    case "oneway": return `${r.ops_per_s} oneway calls/s vs ${r.unary_ops_per_s} two-way calls/s; ${r.ordered ? "all in order" : `${r.out_of_order} out of order`} (${r.received}/${r.sent})`;
    case "death": return `p50 ${r.p50_us} µs, p90 ${r.p90_us} µs, p99 ${r.p99_us} µs`;
    case "binders-10k": return `${r.memory_mb} MB both sides (client ${r.client_mb}, server ${r.server_mb}; ${r.bytes_per_binder} B/binder); sent in ${r.send_ms} ms`;
    case "sessions-1k": return `${r.sessions}/${r.target_sessions} sessions from ${r.processes} processes, ${r.errors} errors; ${r.ops_per_s} calls/s (p50 ${r.p50_us} µs, p99 ${r.p99_us} µs); server +${r.server_mb} MB (${r.bytes_per_session} B/session)`;
    default: return "";
  }
}

export function printTables(doc) {
  for (const t of tables(doc)) {
    if (!t.rows.length) continue;
    console.log(`\n${t.title}`);
    const w = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
    const line = (row) => row.map((c, i) => c.padEnd(w[i])).join("  ").trimEnd();
    console.log(line(t.head));
    console.log(w.map((n) => "-".repeat(n)).join("  "));
    for (const r of t.rows) console.log(line(r));
  }
}

export function markdown(doc) {
  const m = doc.machine;
  let s = `# Benchmark results\n\nMachine: ${m.cpus} CPUs (${m.cpu_model}), ${m.platform}; node ${m.node}, deno ${m.deno ?? "-"}, bun ${m.bun ?? "-"}.\n`;
  s += `Date: ${doc.date}. Load average (1, 5, 15 min) at start ${m.loadavg_at_start.join(", ")}, at end ${m.loadavg_at_end.join(", ")}. ${doc.settings.quick ? "Quick run." : "Full run."} Produced by \`npm run bench\` (see bench/README.md for what each row means).\n`;
  const lat = doc.settings.latency;
  s += `Measured calls per system: ${Object.entries(lat).map(([c, v]) => `${c} ${v.iterations} (+${v.warmup} warm-up)`).join(", ")}; inflight-64 ${doc.settings.inflight.calls}; callback ${doc.settings.callback.iterations}; oneway ${doc.settings.oneway.iterations}; death ${doc.settings.death.iterations}. Placements: ${doc.settings.placements.join(", ")}.\n`;
  for (const t of tables(doc)) {
    if (!t.rows.length) continue;
    s += `\n## ${t.title}\n\n| ${t.head.join(" | ")} |\n|${t.head.map(() => "---").join("|")}|\n`;
    for (const r of t.rows) s += `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |\n`;
  }
  return s;
}
