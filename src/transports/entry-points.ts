// The functions every runtime adapter exports (tsbinder/node, tsbinder/deno, tsbinder/bun),
// written once: an adapter supplies its transports and gets connectUnix/listenUnix,
// connectTcp/listenTcp, connectTls/listenTls and connectTlsUnix/listenTlsUnix with the same
// behaviour everywhere. Every session and server they make runs on the adapter's platform
// (unless the caller's options name another).
import { connectSession, HandshakeError, type ConnectOptions } from "../rpc/client.js";
import { RpcServer, type ServerOptions } from "../rpc/server.js";
import type { RpcSession } from "../rpc/session.js";
import type { RpcTransport } from "../rpc/transport.js";
import { FdMode } from "../wire/structs.js";
import type { Platform } from "../platform/platform.js";
import { TlsHandshakeError, formatHostPort, withAddress, type NetRpcServer, type TlsOptions } from "./net.js";

/** A TLS transport that can report a failure the handshake surfaced only after connect. */
export interface TlsTransport extends RpcTransport {
  readonly tlsOptions: TlsOptions;
  /** The TLS error seen on the last connection attempt, if any (taken once). */
  takeFailure(): Error | null;
}

export interface RuntimeTransports {
  /** The adapter's platform, passed to every session and server made here. */
  platform: Platform;
  unix: RpcTransport;
  tcp: RpcTransport;
  tls(opts: TlsOptions): TlsTransport;
  tlsUnix(opts: TlsOptions): TlsTransport;
  /** Unix transport to use when a session asks for fd passing, where the runtime has one. */
  unixWithFds?: RpcTransport;
}

export interface EntryPoints {
  /** Connect a client session over a Unix socket (path, or "@name" for an abstract socket). */
  connectUnix(address: string, options?: ConnectOptions): Promise<RpcSession>;
  /** Start an RpcServer listening on a Unix socket. */
  listenUnix(address: string, options?: ServerOptions): Promise<RpcServer>;
  /** Connect a client session over TCP. */
  connectTcp(host: string, port: number, options?: ConnectOptions): Promise<RpcSession>;
  /** Start an RpcServer on TCP (port 0: an ephemeral port; see server.port). */
  listenTcp(host: string, port: number, options?: ServerOptions): Promise<NetRpcServer>;
  /** Connect over TLS. The server certificate is always verified (tlsOpts.ca, else the system
   *  store); cert/key give a client certificate for mutual TLS. A failed handshake rejects
   *  with TlsHandshakeError. */
  connectTls(host: string, port: number, tlsOpts: TlsOptions, options?: ConnectOptions): Promise<RpcSession>;
  /** Start an RpcServer on TLS (cert/key required; requestClientCert for mutual TLS: the
   *  client certificate becomes the peer identity). */
  listenTls(host: string, port: number, tlsOpts: TlsOptions, options?: ServerOptions): Promise<NetRpcServer>;
  /** TLS over a Unix socket (the server name checked defaults to "localhost"). */
  connectTlsUnix(path: string, tlsOpts: TlsOptions, options?: ConnectOptions): Promise<RpcSession>;
  listenTlsUnix(path: string, tlsOpts: TlsOptions, options?: ServerOptions): Promise<RpcServer>;
}

export function entryPoints(t: RuntimeTransports): EntryPoints {
  // a client asking for fds, or a server offering fd mode UNIX, needs the fd-capable transport
  const wantsFds = (o?: ConnectOptions | ServerOptions) =>
    !!t.unixWithFds && (!!(o as ConnectOptions)?.fileDescriptors || !!(o as ServerOptions)?.fdModes?.includes(FdMode.UNIX));
  // the adapter's platform unless the caller chose one
  const own = <O extends { platform?: Platform }>(o?: O): O => (o?.platform ? o : { ...o, platform: t.platform } as O);
  const connect = (transport: RpcTransport, address: string, options?: ConnectOptions) => connectSession(transport, address, own(options));
  const listen = async (transport: RpcTransport, address: string, options?: ServerOptions) => {
    const server = new RpcServer(own(options));
    await server.listen(transport, address);
    return server;
  };
  const listenNet = async (transport: RpcTransport, address: string, options?: ServerOptions) => {
    const server = new RpcServer(own(options));
    return withAddress(server, await server.listen(transport, address));
  };
  return {
    connectUnix: (address, options) => connect(wantsFds(options) ? t.unixWithFds! : t.unix, address, options),
    listenUnix: (address, options) => listen(wantsFds(options) ? t.unixWithFds! : t.unix, address, options),
    connectTcp: (host, port, options) => connect(t.tcp, formatHostPort(host, port), options),
    listenTcp: (host, port, options) => listenNet(t.tcp, formatHostPort(host, port), options),
    connectTls: (host, port, tlsOpts, options) => connectVerified(t.tls(tlsOpts), formatHostPort(host, port), own(options)),
    listenTls: (host, port, tlsOpts, options) => listenNet(t.tls(tlsOpts), formatHostPort(host, port), options),
    connectTlsUnix: (path, tlsOpts, options) => connectVerified(t.tlsUnix(tlsOpts), path, own(options)),
    listenTlsUnix: (path, tlsOpts, options) => listen(t.tlsUnix(tlsOpts), path, options),
  };
}

/** connectSession, reporting a TLS failure that surfaced only after the handshake (TLS 1.3
 *  sends "certificate required" after the client believes it is connected; node:tls servers
 *  refuse client certificates by just closing) as itself rather than "connection closed". */
async function connectVerified(transport: TlsTransport, address: string, options?: ConnectOptions): Promise<RpcSession> {
  try {
    return await connectSession(transport, address, options);
  } catch (e) {
    const failure = transport.takeFailure();
    if (failure) throw failure;
    if (e instanceof HandshakeError && !(e instanceof TlsHandshakeError) && /connection closed/.test(e.message)) {
      throw new TlsHandshakeError(`TLS connection to ${address} was closed by the server right after the handshake: ` +
        (transport.tlsOptions.cert ? "it refused our client certificate, or its authorizer refused us"
          : "it may require a client certificate (mutual TLS), or its authorizer refused us"), undefined, e);
    }
    throw e;
  }
}
