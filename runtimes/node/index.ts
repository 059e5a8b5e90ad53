// tsbinder/node: the Node adapter. Its entry points run every session on `nodePlatform`
// (platform.ts: AsyncLocalStorage as the call-context store, so nested calls and
// getCallingIdentity work across awaits, fd close/dup, Buffer-backed copies and text);
// importing it changes nothing shared.
import { nodePlatform } from "./platform.js";
import { entryPoints, type EntryPoints } from "../../src/transports/entry-points.js";
import { unixTransport } from "./unix.js";
import { unixFdTransport } from "./unix-fds.js";
import { tcpTransport } from "./tcp.js";
import { NodeTlsTransport, NodeTlsUnixTransport } from "./tls.js";

export { nodePlatform } from "./platform.js";
export { NodeUnixTransport, unixTransport } from "./unix.js";
export { unixFdTransport } from "./unix-fds.js";
export { FdUnixTransport, ReactorFdConnection } from "../../native/index.js";
export { NodeSocketConnection } from "./socket.js";
export { NodeTcpTransport, tcpTransport } from "./tcp.js";
export { NodeTlsTransport, NodeTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

const api: EntryPoints = entryPoints({
  platform: nodePlatform,
  unix: unixTransport,
  // fd passing (SCM_RIGHTS) where koffi can drive recvmsg/sendmsg (Linux); elsewhere a request
  // for fds fails with FDS_NOT_ALLOWED. Asked when a session wants fds: koffi loads only then.
  get unixWithFds() { return unixFdTransport.whyUnavailable() === null ? unixFdTransport : undefined; },
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
