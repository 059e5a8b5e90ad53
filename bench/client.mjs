// The client side of a benchmark, run as its own process by run.mjs under node, deno or bun:
//   node bench/client.mjs '<job json>'
// The job names a case module (bench/cases/<module>.mjs) and what it needs (the systems and
// their addresses, iterations...). Prints one line "result <json>" with the case's rows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { args, process, RUNTIME } from "./lib/rt.mjs";

const job = JSON.parse(args()[0]);
if (job.tlsDir) job.tls = { ca: readFileSync(join(job.tlsDir, "cert.pem"), "utf8") };
const mod = await import(`./cases/${job.module}.mjs`);
const rows = await mod.run({ ...job, runtime: RUNTIME });
process.stdout.write(`result ${JSON.stringify(rows)}\n`);
process.exit(0);
