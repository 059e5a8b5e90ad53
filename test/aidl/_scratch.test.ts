import { test } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAidl } from "../../src/aidl/parser.js";
const corpus = fileURLToPath(new URL("../../../shared/reference/aidl-corpus", import.meta.url));
function walk(d: string): string[] { return readdirSync(d).flatMap((f) => { const p = join(d, f); return statSync(p).isDirectory() ? walk(p) : p.endsWith(".aidl") ? [p] : []; }); }
test("parse all", () => {
  let n = 0;
  for (const f of walk(corpus)) { try { parseAidl(readFileSync(f, "utf8"), f); n++; } catch (e) { console.log(String(e)); } }
  console.log("parsed", n);
});
