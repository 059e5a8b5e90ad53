// The cross-runtime matrix (issue 6): a server in each of Node, Deno and Bun, a client in each,
// over a Unix socket, TCP and mutual TLS: 27 cells. Every process runs the SAME script,
// fixtures/matrix/peer.mjs, unchanged: it picks its runtime's BUILT adapter (dist/runtimes/*)
// and hands it to a program written against the runtime-neutral API (dist/src).
//
// Each cell, with three processes (a server, a client, a watcher):
//   - hello echo, a 1.5 MiB echo, 16 echoes of 256 KiB in flight at once, and 48 small ones
//     pipelined on the one connection (the peers agree to it: src/rpc/pipelining.ts);
//   - a callback: the server calls, after an await, a binder the client passed;
//   - a burst of 200 oneway calls, all arrived and in order;
//   - the protocol version, and the caller's identity as the server sees it after an await
//     (SO_PEERCRED on Unix: Deno runs with --allow-ffi; the client certificate on mutual TLS);
//   - death both ways: the client is killed (the server's proxy of the client's binder dies),
//     then the server is killed (the watcher's proxy of the server's root dies).
// Cells run three at a time (each is three processes; the machine may have two cores). A missing
// dist/ is a failure, not a skip. Runtime-specific checks stay in deno.test.ts and bun.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { TestPki } from "../support/certs.js";
import { Peers, RUNTIMES, limiter, requireBuilt, scratch, session, type Runtime } from "./peer.js";

const TRANSPORTS = ["unix", "tcp", "mtls"] as const;
type Transport = (typeof TRANSPORTS)[number];

let work: Awaited<ReturnType<typeof scratch>> | undefined;
let pki: TestPki;
const inTurn = limiter(3);
const running = new Set<Peers>();

beforeAll(async () => {
  requireBuilt();
  work = await scratch("tsbinder-matrix-");
  pki = work.pki;
});
afterAll(() => {
  for (const p of running) p.killAll();
  work?.remove();
});

let sockets = 0;

async function cell(server: Runtime, client: Runtime, transport: Transport): Promise<void> {
  const label = `[${server} server × ${client} client over ${transport}]`;
  const peers = new Peers();
  running.add(peers);
  try {
    const where = transport === "unix" ? join(work!.dir, `m${sockets++}.sock`) : "127.0.0.1";
    const r = await session(peers, { label, server, client, serverKind: transport, where, pkiFile: work!.pkiFile });
    const who = r.whoami;
    if (transport === "mtls") {
      expect(who, `${label} identity`).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
      expect(who.fingerprint256, `${label} fingerprint`).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } else if (transport === "unix") {
      // SO_PEERCRED: koffi in Node, bun:ffi in Bun, Deno.dlopen in Deno (run with --allow-ffi;
      // without it a Deno server's peers are anonymous: deno.test.ts)
      expect(who, `${label} identity`).toMatchObject({ kind: "unix", uid: process.getuid!(), gid: process.getgid!() });
    } else {
      expect(who, `${label} identity`).toMatchObject({ kind: "anonymous", reason: "plain TCP" });
    }
  } finally {
    peers.killAll();
    running.delete(peers);
  }
}

describe.concurrent("27 cells: server runtime × client runtime × transport", () => {
  for (const server of RUNTIMES) {
    for (const client of RUNTIMES) {
      for (const transport of TRANSPORTS) {
        it(`${server} server × ${client} client over ${transport === "mtls" ? "mutual TLS" : transport}`,
          () => inTurn(() => cell(server, client, transport)), 60_000);
      }
    }
  }
});
