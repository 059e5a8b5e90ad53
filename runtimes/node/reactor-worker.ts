// The fd reactor's worker under Node: native/reactor.ts over koffi (the same copy the main
// thread loaded, by its resolved path). Not imported by the adapter: the build bundles it into
// reactor-worker.gen.ts, a string the adapter starts as an evaluated worker (fd-runtime.ts).
import { createRequire } from "node:module";
import { runReactorThread } from "./reactor-thread.js";
import { koffiSyscalls } from "./syscalls.js";

runReactorThread((data) => koffiSyscalls(createRequire(data.koffiPath as string)(data.koffiPath as string)));
