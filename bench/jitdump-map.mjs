// Turns the JIT dumps JavaScriptCore writes (Bun, with BUN_JSC_useJITDump=1) into perf map files
// (/tmp/perf-PID.map), so `perf report` names Bun's JIT-compiled functions and wasm functions.
// perf's own `perf inject --jit` skips JSC's dumps: it expects `jit-PID.dump`, and JSC names them
// `jit-TID-PID.dump` (the thread that writes them, then the process). See "Profiling Bun" in
// bench/README.md for the whole recipe.
//
//   node bench/jitdump-map.mjs DIR        every jit-*.dump in DIR -> /tmp/perf-PID.map
//
// The jitdump format (perf's tools/perf/Documentation/jitdump-specification.txt): a header whose
// third u32 is its size, then records {id u32, total_size u32, timestamp u64, ...}; id 0 is a
// code load: pid u32, tid u32, vma u64, code_addr u64, code_size u64, code_index u64, a
// NUL-terminated name, then the code.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const CODE_LOAD = 0;

export function symbolsOf(dump) {
  const v = new DataView(dump.buffer, dump.byteOffset, dump.byteLength);
  const out = [];
  for (let off = v.getUint32(8, true); off + 16 <= dump.length;) {
    const id = v.getUint32(off, true), size = v.getUint32(off + 4, true);
    if (size === 0 || off + size > dump.length) break; // a dump cut short by the process's end
    if (id === CODE_LOAD) {
      const addr = v.getBigUint64(off + 32, true), codeSize = v.getBigUint64(off + 40, true);
      const nameAt = off + 56;
      const name = new TextDecoder().decode(dump.subarray(nameAt, dump.indexOf(0, nameAt)));
      out.push(`${addr.toString(16)} ${codeSize.toString(16)} ${name}`);
    }
    off += size;
  }
  return out;
}

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node bench/jitdump-map.mjs DIR   (the BUN_JSC_jitDumpDirectory of the run)");
  process.exit(2);
}
for (const f of readdirSync(dir).filter((n) => /^jit-\d+-\d+\.dump$/.test(n))) {
  const pid = f.match(/^jit-\d+-(\d+)\.dump$/)[1];
  const lines = symbolsOf(readFileSync(join(dir, f)));
  writeFileSync(`/tmp/perf-${pid}.map`, lines.join("\n") + "\n");
  console.log(`${f}: ${lines.length} symbols -> /tmp/perf-${pid}.map`);
}
