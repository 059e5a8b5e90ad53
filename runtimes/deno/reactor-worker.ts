// The fd reactor's worker under Deno: native/reactor.ts over Deno.dlopen, on Deno's
// node:worker_threads (the worker inherits the FFI permission). Not imported by the adapter:
// the build bundles it into reactor-worker.gen.ts, a string the adapter starts as an evaluated
// worker (runtimes/node/fd-runtime.ts).
import { runReactorThread } from "../node/reactor-thread.js";
import { denoSyscalls } from "./syscalls.js";

runReactorThread(denoSyscalls);
