// Latency statistics and the interleaved measurement loop (runtime-neutral).

export const round1 = (x) => Math.round(x * 10) / 10;
export const round2 = (x) => Math.round(x * 100) / 100;

/** p50/p90/p99/mean in µs and ops/s from per-call samples in ms and the wall time in ms;
 *  with `bytesPerOp` also MB/s (10^6 bytes per second, both directions counted once). */
export function summarize(samples, wallMs, bytesPerOp = 0) {
  const n = samples.length;
  const s = Float64Array.from(samples).sort();
  const q = (p) => s[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))] * 1000;
  let sum = 0;
  for (const x of s) sum += x;
  const ops = n / (wallMs / 1000);
  const out = {
    p50_us: round1(q(0.5)), p90_us: round1(q(0.9)), p99_us: round1(q(0.99)), mean_us: round1((sum / n) * 1000),
    ops_per_s: Math.round(ops), n,
  };
  if (bytesPerOp) out.mb_per_s = round1((ops * bytesPerOp) / 1e6);
  return out;
}

/**
 * Time `calls` (async functions, one per system) together in interleaved blocks: system A
 * for a block, then B, then C, the order rotating each round, so a noisy neighbour or a CPU
 * frequency change hits every system alike instead of whichever happened to run then.
 */
export async function measureInterleaved(calls, { warmup, iterations, block }) {
  for (const c of calls) for (let i = 0; i < warmup; i++) await c();
  const n = iterations;
  block = Math.max(1, Math.min(block, n));
  const state = calls.map(() => ({ samples: new Float64Array(n), done: 0, wall: 0 }));
  for (let round = 0; state.some((s) => s.done < n); round++) {
    for (let k = 0; k < calls.length; k++) {
      const j = (k + round) % calls.length;
      const call = calls[j], s = state[j];
      const upto = Math.min(n, s.done + block);
      const start = performance.now();
      for (let i = s.done; i < upto; i++) {
        const t = performance.now();
        await call();
        s.samples[i] = performance.now() - t;
      }
      s.wall += performance.now() - start;
      s.done = upto;
    }
  }
  return state.map((s) => ({ samples: s.samples, wall: s.wall }));
}
