// Runtime-neutral helpers for the bench's server and client processes, which run under Node,
// Deno (`deno run -A`) or Bun: which runtime this is, its arguments, loading the built package
// with the matching adapter, and memory readings.
import process from "node:process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../common.mjs";

export const RUNTIME = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
export const args = () => (globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2));
export { process };

// TSB_BENCH_DIST=DIR measures another build (a copy of dist/, e.g. to compare two builds;
// keep it inside the repository so its imports of node_modules resolve)
const DIST = process.env.TSB_BENCH_DIST || join(ROOT, "dist");

/** The built package (dist/) plus the adapter of this runtime: connectUnix, listenTcp, ... */
export async function loadTsb() {
  const core = join(DIST, "src", "index.js");
  const adapter = join(DIST, "runtimes", RUNTIME, "index.js");
  for (const f of [core, adapter]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: npm run build first`);
  }
  // the entries merged: tsbinder, /codegen (transactCall, ...), /transport (connectSession, ...), the adapter
  const entries = [core, join(DIST, "src", "codegen.js"), join(DIST, "src", "transport.js"), adapter];
  return Object.assign({}, ...await Promise.all(entries.map((f) => import(pathToFileURL(f).href))));
}

/** Import a file of dist/ by its path inside dist (e.g. "src/core/core.js"). */
export const loadDistFile = (rel) => import(pathToFileURL(join(DIST, rel)).href);

/** A full GC if the runtime lets us (node --expose-gc, Bun.gc); false if it cannot. */
export function fullGc() {
  if (typeof globalThis.gc === "function") { globalThis.gc(); globalThis.gc(); return true; }
  if (globalThis.Bun) { globalThis.Bun.gc(true); return true; }
  return false;
}

/** Memory in bytes: JS heap used, external (incl. ArrayBuffers), resident set size. */
export function memory() {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

/** The unix-socket (or tcp) address a server prints: the same string connect() takes. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
