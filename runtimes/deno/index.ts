// tsbinder/deno: the Deno adapter, on Deno's own socket API (Deno.connect/listen for Unix and
// TCP, Deno.connectTls/listenTls for TLS; node:tls only where Deno's TLS cannot: see tls.ts).
// Its entry points run every session on `denoPlatform` (platform.ts: Deno's async context
// mapping or AsyncLocalStorage as the call-context store, so nested calls and
// getCallingIdentity work across awaits); importing it changes nothing shared. With the FFI
// permission (`--allow-ffi`), Unix sockets report the peer's credentials (SO_PEERCRED, read
// through libc from Deno's node:net sockets: unix-net.ts), sessions that pass file
// descriptors (SCM_RIGHTS) get sockets owned through libc (unix-ffi.ts), and the platform
// closes and duplicates fds; without it, Unix sockets are Deno's own (anonymous peers, no
// fds). The same names as tsbinder/node; runtimes/deno/README.md has the permissions.
import { denoPlatform } from "./platform.js";
import { entryPoints, type EntryPoints } from "../../src/transports/entry-points.js";
import { unixTransport } from "./unix.js";
import { tcpTransport } from "./tcp.js";
import { DenoTlsTransport, DenoTlsUnixTransport } from "./tls.js";
import { unixFfiTransport } from "./unix-ffi.js";
import { unixNetTransport } from "./unix-net.js";

/** Unix sockets through libc when FFI is allowed (the platform checked once, without prompting). */
const ffi = denoPlatform.fds !== null;

export { DenoConnection } from "./connection.js";
export { denoPlatform, callContextKind } from "./platform.js";
export type { CallContextKind } from "./context.js";
export { DenoUnixTransport, DenoUnixConnection, unixTransport } from "./unix.js";
export { unixFfiTransport } from "./unix-ffi.js";
export { FdUnixTransport, ReactorFdConnection } from "../../native/index.js";
export { DenoNetUnixTransport, unixNetTransport } from "./unix-net.js";
export { DenoTcpTransport, tcpTransport } from "./tcp.js";
export { DenoTlsBase, DenoTlsTransport, DenoTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

const api: EntryPoints = entryPoints({
  platform: denoPlatform,
  // with FFI: node:net sockets and SO_PEERCRED through libc (unix-net.ts); the libc-owned
  // sockets of unix-ffi.ts only where fds travel (they pay a thread hop per read: native/reactor.ts)
  unix: ffi ? unixNetTransport : unixTransport,
  // fds need the libc transport; without FFI a request for fds fails with FDS_NOT_ALLOWED
  unixWithFds: ffi ? unixFfiTransport : undefined,
  tcp: tcpTransport,
  tls: (o) => new DenoTlsTransport(o),
  tlsUnix: (o) => new DenoTlsUnixTransport(o),
});
export const connectUnix: EntryPoints["connectUnix"] = api.connectUnix;
export const listenUnix: EntryPoints["listenUnix"] = api.listenUnix;
export const connectTcp: EntryPoints["connectTcp"] = api.connectTcp;
export const listenTcp: EntryPoints["listenTcp"] = api.listenTcp;
export const connectTls: EntryPoints["connectTls"] = api.connectTls;
export const listenTls: EntryPoints["listenTls"] = api.listenTls;
export const connectTlsUnix: EntryPoints["connectTlsUnix"] = api.connectTlsUnix;
export const listenTlsUnix: EntryPoints["listenTlsUnix"] = api.listenTlsUnix;
