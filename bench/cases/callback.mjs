// callback: the server calls a binder the client sent it (nested inside the client's call, as
// a libbinder callback during a call runs). Each callback is timed in the server; blocks of
// them alternate with blocks of ordinary null calls from the client, for the ratio.
import { CODE_CALLBACK, CODE_PING } from "../common.mjs";
import { callbackBinder, call, connect } from "../systems/tsbinder.mjs";
import { summarize } from "../lib/stats.mjs";

export async function run(job) {
  const c = await connect({ transport: job.transport, address: job.address, tls: job.tls });
  const cb = await callbackBinder();
  const callbacks = (n) => call(c.root, CODE_CALLBACK, (d) => { d.writeStrongBinder(cb); d.writeInt32(n); }, (r) => r.readDoubleArray());
  await callbacks(job.warmup);
  for (let i = 0; i < job.warmup; i++) await call(c.root, CODE_PING);
  const cbSamples = [], pingSamples = [];
  let pingWall = 0;
  while (cbSamples.length < job.iterations) {
    const n = Math.min(job.block, job.iterations - cbSamples.length);
    cbSamples.push(...(await callbacks(n)));
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      const t1 = performance.now();
      await call(c.root, CODE_PING);
      pingSamples.push(performance.now() - t1);
    }
    pingWall += performance.now() - t;
  }
  c.close();
  // the callbacks run back to back in the server: their wall time is the sum of their times
  const cbStats = summarize(cbSamples, cbSamples.reduce((a, b) => a + b, 0));
  const ping = summarize(pingSamples, pingWall);
  return [{
    runtime: job.runtime, transport: job.transport, case: "callback", system: "tsbinder", variant: "server calls a client binder (nested), timed in the server",
    ...cbStats, null_call_p50_us: ping.p50_us, null_call_p99_us: ping.p99_us,
  }];
}
