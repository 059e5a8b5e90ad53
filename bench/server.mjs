// The server side of a benchmark, run as its own process by run.mjs:
//   node bench/server.mjs <raw|tsbinder> <socket path>
// Prints "ready" on stdout once listening; exits when stdin closes (a normal exit, so
// --cpu-prof can write its profile).
import * as net from "node:net";
import { existsSync, unlinkSync } from "node:fs";
import { BENCH_DESCRIPTOR, CODE_ECHO, CODE_PING, loadDist, rawFramer } from "./common.mjs";

const [system, path] = process.argv.slice(2);
if (!system || !path) {
  console.error("usage: node bench/server.mjs <raw|tsbinder> <socket path>");
  process.exit(2);
}

let stop;
if (system === "raw") {
  if (existsSync(path)) unlinkSync(path);
  const server = net.createServer((socket) => {
    socket.on("data", rawFramer((msg) => socket.write(msg)));
    socket.on("error", () => {});
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, resolve);
  });
  stop = () => new Promise((resolve) => server.close(() => resolve()));
} else if (system === "tsbinder") {
  const { Binder, listenUnix } = await loadDist();

  /** IBench, hand-written the way a generated stub reads and writes its parcels. */
  class BenchService extends Binder {
    constructor() { super(BENCH_DESCRIPTOR); }
    onTransact(code, data, reply) {
      switch (code) {
        case CODE_PING:
          data.enforceInterface(BENCH_DESCRIPTOR);
          reply.writeNoException();
          return true;
        case CODE_ECHO: {
          data.enforceInterface(BENCH_DESCRIPTOR);
          const s = data.readString16();
          reply.writeNoException();
          reply.writeString16(s);
          return true;
        }
        default:
          return false;
      }
    }
  }

  const server = await listenUnix(path);
  server.setRoot(new BenchService());
  stop = () => server.shutdown();
} else {
  console.error(`unknown system ${system}`);
  process.exit(2);
}

process.stdin.on("data", () => {});
process.stdin.on("end", async () => {
  await stop();
  process.exit(0);
});
process.stdout.write("ready\n");
