import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Two projects. "fast" is everything that runs inside this one process on in-memory data or the
// memory/MessagePort transports (parcel, wire, binder, the AIDL compiler, sessions over memory
// pairs): `npm run test:fast`, 16-20 s on 2 cores, for the edit-test loop. "integration" is what
// needs the outside world: other runtimes and processes, real sockets and fds, tsc over generated
// code, the packed package, gigabytes of memory, long fuzzing runs. `npm test` runs both. A new test file is fast
// unless it is listed here.
const integration = [
  // other runtimes and processes: the Deno and Bun suites, the cross-runtime matrix, the demo
  "test/runtimes/**/*.test.ts",
  "test/examples/**/*.test.ts",
  "test/packaging/**/*.test.ts",
  "test/transports/web-worker.test.ts",
  // tsc over generated code, the CLI as a child process
  "test/aidl/*-typecheck.test.ts",
  "test/aidl/cli.test.ts",
  // real sockets (Unix, TCP, TLS) and file descriptors
  "test/native/**/*.test.ts",
  "test/aidl/session.test.ts",
  "test/support/certs.test.ts",
  "test/transports/node-*.test.ts",
  "test/transports/backpressure.test.ts",
  "test/rpc/basic.test.ts",
  "test/rpc/calls.test.ts",
  "test/rpc/fd-*.test.ts",
  "test/rpc/fds.test.ts",
  "test/rpc/gc.test.ts",
  "test/rpc/held-reads.test.ts",
  "test/rpc/hostile.test.ts",
  "test/rpc/identity.test.ts",
  "test/rpc/lifecycle.test.ts",
  "test/rpc/limits.test.ts",
  "test/rpc/oneway-order.test.ts",
  "test/rpc/pipelining.test.ts",
  "test/rpc/replay.test.ts",
  "test/rpc/setup.test.ts",
  // memory: linear memory grown past 2 GiB, a spike of 100 peers' big frames; and the session
  // fuzzer's thousands of random sessions (its replayed regressions stay fast)
  "test/parcel/high-memory.test.ts",
  "test/parcel/memory-release.test.ts",
  "test/fuzz/session.fuzz.test.ts",
];

/** The package's entry points that live in src/, by public name. */
const entries = [
  ["tsbinder", "./src/index.ts"],
  ["tsbinder/codegen", "./src/codegen.ts"],
  ["tsbinder/transport", "./src/transport.ts"],
  ["tsbinder/aidl", "./src/aidl/index.ts"],
];

export default defineConfig({
  resolve: {
    // Tests and generated code import the package by its public names (package.json exports).
    alias: entries.map(([name, file]) => ({ find: new RegExp(`^${name}$`), replacement: fileURLToPath(new URL(file, import.meta.url)) })),
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // --expose-gc: the FinalizationRegistry safety net for forgotten proxies is tested
    execArgv: ["--expose-gc"],
    projects: [
      // fast files share their worker's modules (isolate: false: 36 -> 16-20 s on 2 cores, the
      // module imports were half of it); they can, as the package keeps no module-global state
      // a test could leave changed (the Platform is passed, not set), and tests of the core's
      // pools measure around their own parcels
      { extends: true, test: { name: "fast", include: ["test/**/*.test.ts"], exclude: integration, isolate: false } },
      { extends: true, test: { name: "integration", include: integration } },
    ],
  },
});
