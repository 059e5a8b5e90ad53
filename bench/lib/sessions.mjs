// sessions-1k, the orchestrator's side: a probe session reads the server's memory before any
// client connects and again while all sessions are open; `processes` client processes open
// their share of the sessions and call on all of them at once from a common start time.
import { CODE_MEMORY } from "../common.mjs";
import { call, connect } from "../systems/tsbinder.mjs";
import { runClient } from "./proc.mjs";
import { round1 } from "./stats.mjs";

export async function runSessions(address, { sessions, processes, durationMs }) {
  const probe = await connect({ transport: "unix", address });
  const mem = () => call(probe.root, CODE_MEMORY, undefined, (r) => r.readDoubleArray());
  const m0 = await mem();
  const share = Math.ceil(sessions / processes);
  const startAt = Date.now() + 2_000 + sessions * 2; // time to start the processes and handshake
  const holdUntil = startAt + durationMs + 2_000;
  const runs = Array.from({ length: processes }, (_, i) => runClient({
    runtime: "node", job: { module: "sessions", address, sessions: Math.min(share, sessions - i * share), startAt, durationMs, holdUntil },
  }));
  // read the server's memory while every session is open (after the calls, before the close)
  const wait = startAt + durationMs + 700 - Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  const m1 = await mem();
  const parts = (await Promise.all(runs)).map((rows) => rows[0]);
  probe.close();
  const opened = parts.reduce((a, p) => a + p.opened, 0);
  const calls = parts.reduce((a, p) => a + p.calls, 0);
  const errors = parts.reduce((a, p) => a + p.failed + p.call_errors, 0);
  const wall = Math.max(...parts.map((p) => p.wall_ms));
  const serverBytes = m1[0] - m0[0] + (m1[1] - m0[1]);
  return {
    runtime: "node", transport: "unix", case: "sessions-1k", system: "tsbinder",
    variant: `${processes} client processes, one call in flight per session`,
    target_sessions: sessions, sessions: opened, processes, errors, error_samples: parts.flatMap((p) => p.errors).slice(0, 5),
    calls, ops_per_s: Math.round(calls / (wall / 1000)),
    p50_us: Math.max(...parts.map((p) => p.p50_us ?? 0)), p99_us: Math.max(...parts.map((p) => p.p99_us ?? 0)),
    server_mb: round1(serverBytes / 1e6), server_rss_mb: round1((m1[2] - m0[2]) / 1e6), bytes_per_session: Math.round(serverBytes / Math.max(1, opened)),
    open_ms: Math.round(Math.max(...parts.map((p) => p.open_ms))), late_ms: Math.max(...parts.map((p) => p.late_ms)),
  };
}
