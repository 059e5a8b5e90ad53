// tsbinder/bun: the Bun adapter, on Bun's own socket API (Bun.connect / Bun.listen for Unix,
// TCP and TLS), not the node:net compatibility layer, which is slower (bench/bun-echo.mjs).
// Importing it installs AsyncLocalStorage (Bun has node:async_hooks) as the call-context
// store, so nested calls and getCallingIdentity work across awaits, and teaches the package
// to close file descriptors (and, on Linux, to duplicate them and pass them over Unix sockets:
// unix-fds.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync } from "node:fs";
import { useAsyncLocalStorage } from "../../src/rpc/context.js";
import { entryPoints, type EntryPoints } from "../../src/transports/entry-points.js";
import { setFdCloser } from "../../src/parcel/file-descriptor.js";
import { bufferString16Codec, setString16Codec } from "../../src/core/string16.js";
import { setOwnedCopySliceFrom } from "../../src/core/core.js";
import { unixTransport } from "./unix.js";
import { installFdOps, unixFdTransport } from "./unix-fds.js";
import { tcpTransport } from "./tcp.js";
import { BunTlsTransport, BunTlsUnixTransport } from "./tls.js";

useAsyncLocalStorage(AsyncLocalStorage);
setFdCloser((fd) => { try { closeSync(fd); } catch { /* already closed */ } });
// String16 text through Buffer's "ucs2" (Bun's UTF-16 TextDecoder is ~8x slower)
setString16Codec(bufferString16Codec((m) => Buffer.from(m)));
// byte[] and the like leave linear memory by slice(): JSC skips the zero-fill (core.ts)
setOwnedCopySliceFrom(0);
// libc through bun:ffi (Linux): close and dup for descriptors, and the fd-passing transport
const fdsAvailable = installFdOps();

export { BunSocketConnection } from "./socket.js";
export { BunUnixTransport, unixTransport } from "./unix.js";
export { BunUnixFdTransport, BunUnixFdConnection, unixFdTransport } from "./unix-fds.js";
export { BunTcpTransport, tcpTransport } from "./tcp.js";
export { BunTlsTransport, BunTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

const api: EntryPoints = entryPoints({
  unix: unixTransport,
  // fd passing (SCM_RIGHTS) where bun:ffi can drive recvmsg/sendmsg (Linux); elsewhere a request
  // for fds fails with FDS_NOT_ALLOWED
  unixWithFds: fdsAvailable ? unixFdTransport : undefined,
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
