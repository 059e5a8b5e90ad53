// worker transport (Node): tsbinder between this thread and a worker thread over the
// MessagePort transport (its SharedArrayBuffer ring when available), against the floor of
// that path: a bare postMessage ping-pong carrying the case's payload (transferred, no copy).
// Sequential round trips in interleaved blocks, like the socket cases.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { caller, serviceClass } from "../systems/tsbinder.mjs";
import { loadDistFile, loadTsb } from "../lib/rt.mjs";
import { measureInterleaved, summarize } from "../lib/stats.mjs";
import { payloadBytes, payloadOf } from "./payloads.mjs";

if (!isMainThread && workerData?.benchWorker) {
  const { RpcServer } = await loadTsb();
  const { messagePortTransport } = await loadDistFile("src/transport.js");
  const Service = await serviceClass();
  const server = new RpcServer();
  server.setRoot(new Service());
  await server.listen(messagePortTransport(workerData.port), "bench");
  workerData.floor.on("message", (buf) => workerData.floor.postMessage(buf, [buf]));
  parentPort.postMessage("ready");
}

export async function run(job) {
  const tsb = await loadTsb();
  const { messagePortTransport, sharedMemoryAvailable } = await loadDistFile("src/transport.js");
  const chan = new MessageChannel(), floor = new MessageChannel();
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { benchWorker: true, port: chan.port2, floor: floor.port2 }, transferList: [chan.port2, floor.port2],
  });
  await new Promise((resolve, reject) => { worker.once("message", resolve); worker.once("error", reject); });
  const session = await tsb.connectSession(messagePortTransport(chan.port1), "bench");
  const root = await session.getRoot();
  const rows = [];
  for (const kase of job.cases) {
    const payload = payloadOf(kase);
    const tsbCall = await caller(root, kase, payload);
    let wake = null, buf = new ArrayBuffer(Math.max(8, payloadBytes(payload)));
    floor.port1.on("message", (b) => { buf = b; wake(); });
    const floorCall = () => new Promise((resolve) => { wake = resolve; floor.port1.postMessage(buf, [buf]); });
    const [a, b] = await measureInterleaved([tsbCall, floorCall], job);
    floor.port1.removeAllListeners("message");
    const bytes = payloadBytes(payload);
    rows.push({ runtime: job.runtime, transport: "worker", case: kase, system: "tsbinder", variant: sharedMemoryAvailable() ? "MessagePort + SharedArrayBuffer ring" : "MessagePort", ...summarize(a.samples, a.wall, bytes) });
    rows.push({ runtime: job.runtime, transport: "worker", case: kase, system: "raw-echo", variant: "postMessage ping-pong (transferred buffer)", ...summarize(b.samples, b.wall, bytes) });
  }
  session.shutdown();
  await worker.terminate();
  return rows;
}
