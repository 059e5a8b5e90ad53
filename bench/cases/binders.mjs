// binders-10k: memory for 10,000 live binders in one session. The client makes 10,000 local
// Binder objects (counted in its baseline: they are the application's), sends them to the
// server in batches (the server keeps every proxy), and both sides then collect garbage and
// report JS heap + external memory (external includes the wasm core's linear memory).
import { CODE_HOLD, CODE_MEMORY, CODE_RELEASE } from "../common.mjs";
import { callbackBinder, call, connect } from "../systems/tsbinder.mjs";
import { fullGc, memory } from "../lib/rt.mjs";
import { round1 } from "../lib/stats.mjs";

const BATCH = 500; // under the session's maxParcelObjects (1,024)

export async function run(job) {
  const c = await connect({ transport: job.transport, address: job.address, tls: job.tls });
  const serverMem = () => call(c.root, CODE_MEMORY, undefined, (r) => r.readDoubleArray());
  const hold = (bs) => call(c.root, CODE_HOLD, (d) => { d.writeInt32(bs.length); for (const b of bs) d.writeStrongBinder(b); });
  // warm the paths (and the tables' first allocations) with a small batch
  const warm = [];
  for (let i = 0; i < 100; i++) warm.push(await callbackBinder());
  await hold(warm);
  await call(c.root, CODE_RELEASE);
  const binders = [];
  for (let i = 0; i < job.count; i++) binders.push(await callbackBinder());
  fullGc();
  const c0 = memory(), s0 = await serverMem();
  const t0 = performance.now();
  for (let i = 0; i < binders.length; i += BATCH) await hold(binders.slice(i, i + BATCH));
  const sendMs = performance.now() - t0;
  fullGc();
  const c1 = memory(), s1 = await serverMem();
  c.close();
  const mb = (x) => round1(x / 1e6);
  const client = { heap: c1.heap - c0.heap, external: c1.external - c0.external, rss: c1.rss - c0.rss };
  const server = { heap: s1[0] - s0[0], external: s1[1] - s0[1], rss: s1[2] - s0[2] };
  const total = client.heap + client.external + server.heap + server.external;
  return [{
    runtime: job.runtime, transport: job.transport, case: "binders-10k", system: "tsbinder",
    binders: job.count, memory_mb: mb(total),
    client_mb: mb(client.heap + client.external), server_mb: mb(server.heap + server.external),
    client_heap_mb: mb(client.heap), client_external_mb: mb(client.external), server_heap_mb: mb(server.heap), server_external_mb: mb(server.external),
    client_rss_mb: mb(client.rss), server_rss_mb: mb(server.rss),
    bytes_per_binder: Math.round(total / job.count), send_ms: round1(sendMs),
    ops_per_s: Math.round(job.count / (sendMs / 1000)),
  }];
}
