// tsbinder/bun: the Bun adapter, on Bun's own socket API (Bun.connect / Bun.listen for Unix,
// TCP and TLS), not the node:net compatibility layer, which is slower (bench/bun-echo.mjs).
// Its entry points run every session on `bunPlatform` (platform.ts: AsyncLocalStorage as the
// call-context store, so nested calls and getCallingIdentity work across awaits, fd close
// and, on Linux, dup: unix-fds.ts passes them over Unix sockets); importing it changes
// nothing shared.
import { entryPoints, type EntryPoints } from "../../src/transports/entry-points.js";
import { bunPlatform } from "./platform.js";
import { unixTransport } from "./unix.js";
import { unixFdTransport } from "./unix-fds.js";
import { tcpTransport } from "./tcp.js";
import { BunTlsTransport, BunTlsUnixTransport } from "./tls.js";

export { bunPlatform } from "./platform.js";
export { BunSocketConnection } from "./socket.js";
export { BunUnixTransport, unixTransport } from "./unix.js";
export { unixFdTransport } from "./unix-fds.js";
export { FdUnixTransport, ReactorFdConnection } from "../../native/index.js";
export { BunTcpTransport, tcpTransport } from "./tcp.js";
export { BunTlsTransport, BunTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

const api: EntryPoints = entryPoints({
  platform: bunPlatform,
  unix: unixTransport,
  // fd passing (SCM_RIGHTS) where bun:ffi can drive recvmsg/sendmsg (Linux); elsewhere a request
  // for fds fails with FDS_NOT_ALLOWED. Asked when a session wants fds: libc loads only then.
  get unixWithFds() { return unixFdTransport.whyUnavailable() === null ? unixFdTransport : undefined; },
  tcp: tcpTransport,
  tls: (o) => new BunTlsTransport(o),
  tlsUnix: (o) => new BunTlsUnixTransport(o),
});
export const connectUnix: EntryPoints["connectUnix"] = api.connectUnix;
export const listenUnix: EntryPoints["listenUnix"] = api.listenUnix;
export const connectTcp: EntryPoints["connectTcp"] = api.connectTcp;
export const listenTcp: EntryPoints["listenTcp"] = api.listenTcp;
export const connectTls: EntryPoints["connectTls"] = api.connectTls;
export const listenTls: EntryPoints["listenTls"] = api.listenTls;
export const connectTlsUnix: EntryPoints["connectTlsUnix"] = api.connectTlsUnix;
export const listenTlsUnix: EntryPoints["listenTlsUnix"] = api.listenTlsUnix;
