// tsbinder/node: the Node adapter. Importing it installs AsyncLocalStorage as the call-context
// store (so nested calls and getCallingIdentity work across awaits) and teaches the package
// to close file descriptors.
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync } from "node:fs";
import { useAsyncLocalStorage } from "../../src/rpc/context.js";
import { setFdCloser } from "../../src/parcel/file-descriptor.js";
import { bufferString16Codec, setString16Codec } from "../../src/core/string16.js";
import { setUnzeroedOwnedAllocator } from "../../src/core/core.js";
import { entryPoints, type EntryPoints } from "../../src/transports/entry-points.js";
import { unixTransport } from "./unix.js";
import { NodeUnixFdTransport, unixFdTransport } from "./unix-fds.js";
import { tcpTransport } from "./tcp.js";
import { NodeTlsTransport, NodeTlsUnixTransport } from "./tls.js";

useAsyncLocalStorage(AsyncLocalStorage);
setFdCloser((fd) => { try { closeSync(fd); } catch { /* already closed */ } });
// String16 text through Buffer's "ucs2" (ICU's UTF-16 TextDecoder is ~3x slower)
setString16Codec(bufferString16Codec((m) => Buffer.from(m)));
// Big byte[] (and other array) results copied out of linear memory into memory that is not
// zero-filled first: a plain Uint8Array over Buffer.allocUnsafeSlow's ArrayBuffer, which is
// the array's alone (exactly n bytes, never pooled). Below 16 KiB it saves nothing.
setUnzeroedOwnedAllocator((n) => new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n), 16 * 1024);

export { NodeUnixTransport, unixTransport } from "./unix.js";
export { NodeUnixFdTransport, NodeUnixFdConnection, unixFdTransport } from "./unix-fds.js";
export { NodeSocketConnection } from "./socket.js";
export { NodeTcpTransport, tcpTransport } from "./tcp.js";
export { NodeTlsTransport, NodeTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

const api: EntryPoints = entryPoints({
  unix: unixTransport,
  // fd passing (SCM_RIGHTS) where koffi can drive recvmsg/sendmsg (Linux); elsewhere a request
  // for fds fails with FDS_NOT_ALLOWED
  unixWithFds: NodeUnixFdTransport.unavailable() === null ? unixFdTransport : undefined,
  tcp: tcpTransport,
  tls: (o) => new NodeTlsTransport(o),
  tlsUnix: (o) => new NodeTlsUnixTransport(o),
});
export const connectUnix: EntryPoints["connectUnix"] = api.connectUnix;
export const listenUnix: EntryPoints["listenUnix"] = api.listenUnix;
export const connectTcp: EntryPoints["connectTcp"] = api.connectTcp;
export const listenTcp: EntryPoints["listenTcp"] = api.listenTcp;
export const connectTls: EntryPoints["connectTls"] = api.connectTls;
export const listenTls: EntryPoints["listenTls"] = api.listenTls;
export const connectTlsUnix: EntryPoints["connectTlsUnix"] = api.connectTlsUnix;
export const listenTlsUnix: EntryPoints["listenTlsUnix"] = api.listenTlsUnix;
