// oneway: blocks of oneway calls carrying a sequence number, each block closed by a two-way
// call that returns how many arrived and how many came out of order. Rate = oneway calls per
// second including that closing round trip. Blocks of sequential two-way null calls alternate
// with them, for the unary rate of the same run.
import { FLAG_ONEWAY_VALUE, CODE_ONEWAY_SEQ, CODE_PING, CODE_SEQ_CHECK } from "../common.mjs";
import { call, connect } from "../systems/tsbinder.mjs";
import { round1 } from "../lib/stats.mjs";

export async function run(job) {
  const c = await connect({ transport: job.transport, address: job.address, tls: job.tls });
  const oneways = async (n) => {
    for (let i = 0; i < n; i++) await call(c.root, CODE_ONEWAY_SEQ, (d) => d.writeInt32(i), undefined, FLAG_ONEWAY_VALUE);
    return call(c.root, CODE_SEQ_CHECK, undefined, (r) => r.readInt32Array());
  };
  await oneways(job.block);
  for (let i = 0; i < job.warmup; i++) await call(c.root, CODE_PING);
  let sent = 0, received = 0, outOfOrder = 0, onewayWall = 0, unaryWall = 0, unary = 0;
  while (sent < job.iterations) {
    const n = Math.min(job.block, job.iterations - sent);
    let t = performance.now();
    const [got, bad] = await oneways(n);
    onewayWall += performance.now() - t;
    sent += n; received += got; outOfOrder += bad;
    t = performance.now();
    for (let i = 0; i < n; i++) await call(c.root, CODE_PING);
    unaryWall += performance.now() - t;
    unary += n;
  }
  c.close();
  const ops = sent / (onewayWall / 1000), unaryOps = unary / (unaryWall / 1000);
  return [{
    runtime: job.runtime, transport: job.transport, case: "oneway", system: "tsbinder",
    variant: `${job.block} oneway calls, then one two-way check`,
    ops_per_s: Math.round(ops), mean_us: round1(1e6 / ops), unary_ops_per_s: Math.round(unaryOps),
    sent, received, out_of_order: outOfOrder, ordered: received === sent && outOfOrder === 0,
  }];
}
