// tsbinder/deno: the Deno adapter, on Deno's own socket API (Deno.connect/listen for Unix and
// TCP, Deno.connectTls/listenTls for TLS; node:tls only where Deno's TLS cannot: see tls.ts).
// Importing it installs AsyncLocalStorage (Deno has node:async_hooks) as the call-context
// store, so nested calls and getCallingIdentity work across awaits. File descriptors cannot
// be passed on Deno (no SCM_RIGHTS, no raw descriptor of a connection), so no fd closer is
// installed. The same names as tsbinder/node; runtimes/deno/README.md has the permissions.
import { AsyncLocalStorage } from "node:async_hooks";
import { useAsyncLocalStorage } from "../../src/rpc/context.js";
import { entryPoints, type EntryPoints } from "../../src/transports/entry-points.js";
import { unixTransport } from "./unix.js";
import { tcpTransport } from "./tcp.js";
import { DenoTlsTransport, DenoTlsUnixTransport } from "./tls.js";

useAsyncLocalStorage(AsyncLocalStorage);

export { DenoConnection } from "./connection.js";
export { DenoUnixTransport, DenoUnixConnection, unixTransport } from "./unix.js";
export { DenoTcpTransport, tcpTransport } from "./tcp.js";
export { DenoTlsBase, DenoTlsTransport, DenoTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

const api: EntryPoints = entryPoints({
  unix: unixTransport,
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
