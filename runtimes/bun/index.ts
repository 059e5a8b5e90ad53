// tsbinder/bun: the Bun adapter, on Bun's own socket API (Bun.connect / Bun.listen for Unix,
// TCP and TLS), not the node:net compatibility layer, which is slower (bench/bun-echo.mjs).
// Importing it installs AsyncLocalStorage (Bun has node:async_hooks) as the call-context
// store, so nested calls and getCallingIdentity work across awaits, and teaches the package
// to close file descriptors.
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync } from "node:fs";
import { setContextStoreFactory } from "../../src/rpc/context.js";
import { setFdCloser } from "../../src/parcel/file-descriptor.js";
import { connectSession, HandshakeError, type ConnectOptions } from "../../src/rpc/client.js";
import { RpcServer, type ServerOptions } from "../../src/rpc/server.js";
import type { RpcSession } from "../../src/rpc/session.js";
import type { RpcTransport } from "../../src/rpc/transport.js";
import { TlsHandshakeError, formatHostPort, withAddress, type NetRpcServer, type TlsOptions } from "../../src/transports/net.js";
import { unixTransport } from "./unix.js";
import { tcpTransport } from "./tcp.js";
import { BunTlsTransport, BunTlsUnixTransport } from "./tls.js";

setContextStoreFactory(<T>() => {
  const als = new AsyncLocalStorage<T>();
  return { run: (value: T, fn) => als.run(value, fn), get: () => als.getStore() };
});
setFdCloser((fd) => { try { closeSync(fd); } catch { /* already closed */ } });

export { BunSocketConnection } from "./socket.js";
export { BunUnixTransport, unixTransport } from "./unix.js";
export { BunTcpTransport, tcpTransport } from "./tcp.js";
export { BunTlsTransport, BunTlsUnixTransport, tlsTransport, tlsUnixTransport, tlsError } from "./tls.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "../../src/transports/net.js";

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
  return connectVerified(new BunTlsTransport(tlsOpts), formatHostPort(host, port), options);
}

/** Start an RpcServer listening on TLS (tlsOpts.cert/key required; requestClientCert for
 *  mutual TLS: the client certificate becomes the peer identity). */
export function listenTls(host: string, port: number, tlsOpts: TlsOptions, options?: ServerOptions): Promise<NetRpcServer> {
  return listenOn(new BunTlsTransport(tlsOpts), formatHostPort(host, port), options);
}

/** Connect a client session over TLS on a Unix socket (the server name checked defaults to "localhost"). */
export function connectTlsUnix(path: string, tlsOpts: TlsOptions, options?: ConnectOptions): Promise<RpcSession> {
  return connectVerified(new BunTlsUnixTransport(tlsOpts), path, options);
}

/** Start an RpcServer serving TLS on a Unix socket. */
export async function listenTlsUnix(path: string, tlsOpts: TlsOptions, options?: ServerOptions): Promise<RpcServer> {
  const server = new RpcServer(options);
  await server.listen(new BunTlsUnixTransport(tlsOpts), path);
  return server;
}

async function listenOn(transport: RpcTransport, address: string, options?: ServerOptions): Promise<NetRpcServer> {
  const server = new RpcServer(options);
  return withAddress(server, await server.listen(transport, address));
}

/** connectSession, reporting a TLS failure that surfaced only after the handshake (TLS 1.3
 *  sends "certificate required" after the client believes it is connected) as itself rather
 *  than as "connection closed". */
async function connectVerified(transport: BunTlsTransport | BunTlsUnixTransport, address: string, options?: ConnectOptions): Promise<RpcSession> {
  try {
    return await connectSession(transport, address, options);
  } catch (e) {
    const failure = transport.takeFailure();
    if (failure) throw failure;
    if (e instanceof HandshakeError && !(e instanceof TlsHandshakeError) && /connection closed/.test(e.message)) {
      // the server closed without a TLS alert right after the handshake
      throw new TlsHandshakeError(`TLS connection to ${address} was closed by the server right after the handshake: ` +
        (transport.tlsOptions.cert ? "it refused our client certificate, or its authorizer refused us"
          : "it may require a client certificate (mutual TLS), or its authorizer refused us"), undefined, e);
    }
    throw e;
  }
}
