// The reactor worker's side of node:worker_threads (Node, Bun and Deno all have it): the loop of
// native/reactor.ts over a runtime's Syscalls table, with the commands and reports of
// native/reactor-host.ts. Each runtime's reactor-worker.ts calls it with its own table.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { runReactor, type FromReactor, type ToReactor } from "../../native/reactor.js";
import type { Syscalls } from "../../native/syscalls.js";

/** What the host puts in workerData (reactor-host.ts startReactorWorker), and the runtime's extras. */
export type ReactorWorkerData = { wakeFd: number; ctl: MessagePort; quit: Int32Array; readSize: number } & Record<string, unknown>;

/** Run the reactor on this worker thread over the table `syscalls` makes from workerData. */
export function runReactorThread(syscalls: (data: ReactorWorkerData) => Syscalls): void {
  const data = workerData as ReactorWorkerData;
  runReactor({
    sys: syscalls(data),
    wakeFd: data.wakeFd,
    quit: data.quit,
    readSize: data.readSize,
    nextCommand: () => receiveMessageOnPort(data.ctl)?.message as ToReactor | undefined,
    post: (m: FromReactor, transfer?: ArrayBuffer[]) => parentPort!.postMessage(m, transfer),
  });
}
