// TLS with Bun's own TLS sockets (Bun.connect / Bun.listen with `tls`), over TCP ("host:port")
// or over a Unix socket (a path, or "@name"). The client always verifies the server
// certificate: against tlsOpts.ca when given, else the system's CAs, and its name against
// tlsOpts.serverName, else the host ("localhost" over a Unix socket). With requestClientCert
// the server requires a client certificate signed by tlsOpts.ca (mutual TLS) and reports it as
// the peer: { kind: "certificate", subject, fingerprint256 }.
//
// Bun calls `open` for a socket whose peer certificate did NOT verify (authorized === false)
// and closes it a moment later; both sides here check `authorized` at open and drop such a
// socket before a byte is read or written.
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { TlsHandshakeError, formatHostPort, parseHostPort, type TlsOptions } from "../../src/transports/net.js";
import { NO_CLIENT_CERTIFICATE, certificatePeer, checkTlsServerOptions, tlsError, type PeerCertificate } from "../../src/transports/tls.js";
import { dial, serve, type BunEndpoint, type BunSocket } from "./socket.js";
import { removeSocketFile, removeStaleSocket, socketPath } from "../node/socket-file.js";
import { remoteOf } from "./tcp.js";

export type { TlsOptions } from "../../src/transports/net.js";
export { tlsError } from "../../src/transports/tls.js";

function peerCertificate(socket: BunSocket): PeerCertificate | null {
  try { return socket.getPeerCertificate() as unknown as PeerCertificate | null; } catch { return null; }
}

/** The verified client certificate of an accepted socket, as a peer identity. */
function clientPeer(socket: BunSocket, requested: boolean): PeerIdentity {
  return requested ? certificatePeer(peerCertificate(socket), socket.authorized, "no verified client certificate") : NO_CLIENT_CERTIFICATE;
}

abstract class BunTlsBase implements RpcTransport {
  abstract readonly name: string;
  /** The first TLS failure a connection of this transport reported (see takeFailure). */
  private failure: Error | null = null;

  constructor(readonly tlsOptions: TlsOptions) {}

  protected abstract endpoint(address: string): BunEndpoint;
  protected abstract label(address: string): string;
  /** The name the server certificate is checked against, unless tlsOptions.serverName. */
  protected abstract defaultServerName(address: string): string | undefined;
  protected abstract bound(address: string, port: number | undefined): string;
  protected cleanup(_address: string): void {}

  connect(address: string): Promise<TransportConnection> {
    const o = this.tlsOptions;
    const target = this.label(address);
    const serverName = o.serverName ?? this.defaultServerName(address);
    const tls = { ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: true, ...(serverName ? { serverName } : {}) };
    const opened = dial({ ...this.endpoint(address), tls }, `tls:${address}`, (socket) => {
      if (!socket.authorized) {
        const why = socket.getAuthorizationError() ?? Object.assign(new Error("certificate verification failed"), { code: "CERT_UNTRUSTED" });
        throw tlsError(why, target);
      }
      return { kind: "anonymous", reason: "server (verified by certificate)" };
    }, (e) => { this.failure ??= tlsError(e, target); });
    return opened.catch((e: Error) => { throw e instanceof TlsHandshakeError ? e : tlsError(e, target); });
  }

  /** The first TLS failure seen on a connection this transport made (then forgotten). TLS
   *  1.3 tells a client its certificate was refused only after the client is connected. */
  takeFailure(): Error | null {
    const f = this.failure;
    this.failure = null;
    return f;
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const o = this.tlsOptions;
    checkTlsServerOptions(o);
    const requested = !!o.requestClientCert;
    const tls = { cert: o.cert, key: o.key, ca: o.ca, requestCert: requested, rejectUnauthorized: requested };
    const listener = serve({ ...this.endpoint(address), tls }, (s) => `tls:${s.remoteAddress ? remoteOf(s) : address}`, (socket) => {
      if (requested && !socket.authorized) return null; // Bun opened it anyway: refuse
      return clientPeer(socket, requested);
    }, onConnection);
    return {
      address: this.bound(address, listener.port),
      close: async () => { listener.stop(false); this.cleanup(address); },
    };
  }
}

/** TLS over TCP: addresses are "host:port". */
export class BunTlsTransport extends BunTlsBase {
  readonly name = "bun-tls";
  protected endpoint(address: string): BunEndpoint {
    const { host, port } = parseHostPort(address);
    return { hostname: host, port };
  }
  protected label(address: string): string { return address; }
  protected defaultServerName(address: string): string | undefined {
    const { host } = parseHostPort(address);
    return /^[\d.]+$/.test(host) || host.includes(":") ? undefined : host; // IPs are checked against IP SANs
  }
  protected bound(address: string, port: number | undefined): string {
    const { host, port: asked } = parseHostPort(address);
    return formatHostPort(host, port ?? asked);
  }
}

/** TLS over a Unix socket: addresses are paths, or "@name" (Linux abstract namespace). */
export class BunTlsUnixTransport extends BunTlsBase {
  readonly name = "bun-tls-unix";
  protected endpoint(address: string): BunEndpoint { return { unix: socketPath(address) }; }
  protected label(address: string): string { return `unix:${address}`; }
  protected defaultServerName(): string { return "localhost"; }
  protected bound(address: string): string { return address; }
  override async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    removeStaleSocket(address);
    return super.listen(address, onConnection);
  }
  protected override cleanup(address: string): void {
    removeSocketFile(address);
  }
}

/** A TLS-over-TCP transport with these settings. */
export function tlsTransport(tlsOpts: TlsOptions): BunTlsTransport { return new BunTlsTransport(tlsOpts); }
/** A TLS-over-Unix-socket transport with these settings. */
export function tlsUnixTransport(tlsOpts: TlsOptions): BunTlsUnixTransport { return new BunTlsUnixTransport(tlsOpts); }
