// inflight-64: 64 calls kept in flight at once (64 loops, each awaiting its call, then making
// the next), for a fixed number of calls; throughput in calls/s and the latency each call saw.
// tsbinder's rows use N outgoing connections (server maxThreads = N, client
// maxOutgoingConnections = N); once its calls outnumber them, the two tsbinder peers agree to
// pipeline up to 16 calls per connection (src/rpc/pipelining.ts). raw-echo gets the same N
// sockets with the 64 calls spread over them (pipelined); grpc-js multiplexes all 64 on one
// HTTP/2 channel. A second raw-echo row keeps one message in flight per socket: the floor of
// binder's one-call-per-connection model, which is what a libbinder peer gets. Systems
// take turns in blocks (interleaved).
import { CODE_PING } from "../common.mjs";
import { summarize } from "../lib/stats.mjs";

async function makeClient(s, tls) {
  const mod = await import(`../systems/${s.system}.mjs`);
  if (s.system === "tsbinder") {
    const c = await mod.connect({ ...s, tls, options: { maxOutgoingConnections: s.connections } });
    // (a build from before the session facade has no stats)
    const outgoing = c.session.stats?.outgoingConnections ?? c.session.connections.filter((x) => x.outgoing).length;
    const call = () => mod.call(c.root, CODE_PING);
    return { call: () => call(), close: c.close, connections: outgoing };
  }
  if (s.system === "raw-echo") {
    const socks = [];
    for (let i = 0; i < s.connections; i++) socks.push(await mod.connect({ ...s, tls }));
    const m = mod.message(5);
    const close = () => socks.forEach((x) => x.close());
    if (s.lockstep) {
      // one message in flight per socket, as tsbinder keeps one call per connection: a call
      // waits for a free socket (the floor of that model, not the issue's target baseline)
      const free = [...socks], waiting = [];
      const call = async () => {
        const sock = free.pop() ?? await new Promise((r) => waiting.push(r));
        try { await sock.send(m); } finally { const w = waiting.shift(); if (w) w(sock); else free.push(sock); }
      };
      return { call, close, connections: socks.length, model: "one in flight per socket" };
    }
    let k = 0;
    return { call: () => socks[k++ % socks.length].send(m), close, connections: socks.length, model: "pipelined" };
  }
  const c = await mod.latencyClient({ ...s, kase: "null-call" });
  return { call: c.call, close: c.close, connections: 1 };
}

/** `total` calls with `inflight` of them outstanding at any time; per-call latencies in ms. */
async function burst(call, inflight, total, samples, at) {
  let next = 0;
  const loop = async () => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      await call();
      samples[at + i] = performance.now() - t;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, loop));
  return performance.now() - t0;
}

export async function run(job) {
  const clients = [];
  for (const s of job.systems) clients.push(await makeClient(s, job.tls));
  const { inflight, calls, block } = job;
  const scratch = new Float64Array(block);
  for (const c of clients) {
    for (let done = 0; done < job.warmup; done += block) await burst(c.call, inflight, Math.min(block, job.warmup - done), scratch, 0);
  }
  const state = clients.map(() => ({ samples: new Float64Array(calls), done: 0, wall: 0 }));
  for (let round = 0; state.some((s) => s.done < calls); round++) {
    for (let k = 0; k < clients.length; k++) {
      const j = (k + round) % clients.length, s = state[j];
      const n = Math.min(block, calls - s.done);
      if (n <= 0) continue;
      s.wall += await burst(clients[j].call, inflight, n, s.samples, s.done);
      s.done += n;
    }
  }
  for (const c of clients) await c.close();
  return job.systems.map((s, i) => ({
    runtime: job.runtime, transport: s.transport, case: `inflight-${inflight}`, system: s.system,
    variant: `${clients[i].connections} connection${clients[i].connections === 1 ? "" : "s"}${clients[i].model ? `, ${clients[i].model}` : ""}`,
    connections: clients[i].connections, ...(clients[i].model ? { model: clients[i].model } : {}),
    ...summarize(state[i].samples, state[i].wall),
  }));
}
