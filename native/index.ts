// native/: fd sockets written once for every runtime (the map: docs/architecture.md).
export type { NativeBuffer, Syscalls } from "./syscalls.js";
export { FdUnixTransport, type FdRuntime, connectFdSocket, dupCloexec, unixSockaddr } from "./fd-socket.js";
export { ReactorFdConnection } from "./fd-connection.js";
export { peerCredentials } from "./peercred.js";
