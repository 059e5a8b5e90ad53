// The fd reactor's worker under Bun: native/reactor.ts over bun:ffi. Not imported by the
// adapter: the build bundles it into reactor-worker.gen.ts, a string the adapter starts as an
// evaluated worker (runtimes/node/fd-runtime.ts).
import { runReactorThread } from "../node/reactor-thread.js";
import { bunSyscalls } from "./syscalls.js";

runReactorThread(bunSyscalls);
