// Sequential round trips (one call in flight) of one case, for several systems measured
// together in interleaved blocks: null-call, echo-1k, bytes-64k, bytes-1m.
import { measureInterleaved, summarize } from "../lib/stats.mjs";
import { payloadBytes, payloadOf } from "./payloads.mjs";

export async function run(job) {
  const payload = payloadOf(job.case);
  const clients = [];
  for (const s of job.systems) {
    const mod = await import(`../systems/${s.system}.mjs`);
    clients.push(await mod.latencyClient({ ...s, tls: job.tls, kase: job.case, payload }));
  }
  const timed = await measureInterleaved(clients.map((c) => c.call), job);
  for (const c of clients) await c.close();
  const bytes = payloadBytes(payload);
  return job.systems.map((s, i) => ({
    runtime: job.runtime, transport: s.transport, case: job.case, system: s.system,
    ...(s.variant ? { variant: s.variant } : {}),
    ...summarize(timed[i].samples, timed[i].wall, bytes),
  }));
}
