// tsbinder/deno: the Deno adapter, on Deno's own socket API (Deno.connect/listen for Unix and
// TCP, Deno.connectTls/listenTls for TLS; node:tls only where Deno's TLS cannot: see tls.ts).
// Importing it installs AsyncLocalStorage (Deno has node:async_hooks) as the call-context
// store, so nested calls and getCallingIdentity work across awaits. File descriptors cannot
// be passed on Deno (no SCM_RIGHTS, no raw descriptor of a connection), so no fd closer is
// installed. The same names as tsbinder/node; runtimes/deno/README.md has the permissions.
import { AsyncLocalStorage } from "node:async_hooks";
import { setContextStoreFactory } from "../../src/rpc/context.js";
import { connectSession, type ConnectOptions } from "../../src/rpc/client.js";
import { RpcServer, type ServerOptions } from "../../src/rpc/server.js";
import type { RpcSession } from "../../src/rpc/session.js";
import { unixTransport } from "./unix.js";
import { tcpTransport } from "./tcp.js";
import { DenoTlsTransport, DenoTlsUnixTransport, type DenoTlsBase } from "./tls.js";
import { formatHostPort, withAddress, type NetRpcServer, type TlsOptions } from "../../src/transports/net.js";
import type { RpcTransport } from "../../src/rpc/transport.js";

setContextStoreFactory(<T>() => {
  const als = new AsyncLocalStorage<T>();
  return { run: (value: T, fn) => als.run(value, fn), get: () => als.getStore() };
});

export { DenoConnection } from "./connection.js";
export { DenoUnixTransport, DenoUnixConnection, unixTransport } from "./unix.js";
export { DenoTcpTransport, tcpTransport } from "./tcp.js";
export { DenoTlsBase, DenoTlsTransport, DenoTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

async function listenOn(transport: RpcTransport, address: string, options?: ServerOptions): Promise<NetRpcServer> {
  const server = new RpcServer(options);
  return withAddress(server, await server.listen(transport, address));
}

/** connectSession, reporting a TLS failure that surfaced only after the handshake (TLS 1.3
 *  sends "certificate required" after the client believes it is connected) as itself rather
 *  than as "connection closed". */
async function connectVerified(transport: DenoTlsBase, address: string, options?: ConnectOptions): Promise<RpcSession> {
  try {
    return await connectSession(transport, address, options);
  } catch (e) {
    throw transport.takeFailure() ?? e;
  }
}

/** Connect a client session over a Unix socket (path, or "@name" for an abstract socket). */
export function connectUnix(address: string, options?: ConnectOptions): Promise<RpcSession> {
  return connectSession(unixTransport, address, options);
}

/** Start an RpcServer listening on a Unix socket. */
export async function listenUnix(address: string, options?: ServerOptions): Promise<RpcServer> {
  const server = new RpcServer(options);
  await server.listen(unixTransport, address);
  return server;
}

/** Connect a client session over TCP. */
export function connectTcp(host: string, port: number, options?: ConnectOptions): Promise<RpcSession> {
  return connectSession(tcpTransport, formatHostPort(host, port), options);
}

/** Start an RpcServer listening on TCP (port 0: an ephemeral port; see server.port). */
export function listenTcp(host: string, port: number, options?: ServerOptions): Promise<NetRpcServer> {
  return listenOn(tcpTransport, formatHostPort(host, port), options);
}

/** Connect a client session over TLS. The server certificate is always verified (against
 *  tlsOpts.ca, else the system store); a failed handshake rejects with TlsHandshakeError.
 *  tlsOpts.cert/key: a client certificate for mutual TLS. */
export function connectTls(host: string, port: number, tlsOpts: TlsOptions, options?: ConnectOptions): Promise<RpcSession> {
  return connectVerified(new DenoTlsTransport(tlsOpts), formatHostPort(host, port), options);
}

/** Start an RpcServer listening on TLS (tlsOpts.cert/key required; requestClientCert for
 *  mutual TLS, which runs on Deno's node:tls: Deno.listenTls cannot verify clients). */
export function listenTls(host: string, port: number, tlsOpts: TlsOptions, options?: ServerOptions): Promise<NetRpcServer> {
  return listenOn(new DenoTlsTransport(tlsOpts), formatHostPort(host, port), options);
}

/** Connect a client session over TLS on a Unix socket (the server name checked defaults to
 *  "localhost"). Runs on Deno's node:tls: Deno's own TLS takes TCP connections only. */
export function connectTlsUnix(path: string, tlsOpts: TlsOptions, options?: ConnectOptions): Promise<RpcSession> {
  return connectVerified(new DenoTlsUnixTransport(tlsOpts), path, options);
}

/** Start an RpcServer serving TLS on a Unix socket (on Deno's node:tls, as connectTlsUnix). */
export async function listenTlsUnix(path: string, tlsOpts: TlsOptions, options?: ServerOptions): Promise<RpcServer> {
  const server = new RpcServer(options);
  await server.listen(new DenoTlsUnixTransport(tlsOpts), path);
  return server;
}
