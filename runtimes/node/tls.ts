// TLS for Node, over TCP ("host:port") or over a Unix socket (a path, or "@name" for the
// abstract namespace; rsbinder serves TLS there too). The client always verifies the server
// certificate: against tlsOpts.ca when given, else Node's bundled/system CA store, and its name
// against tlsOpts.serverName, else the host connected to ("localhost" over a Unix socket).
// With requestClientCert the server requires a client certificate signed by tlsOpts.ca
// (mutual TLS) and reports it as the peer: { kind: "certificate", subject, fingerprint256 }.
import * as tls from "node:tls";
import { isIP } from "node:net";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { formatHostPort, parseHostPort, type TlsOptions } from "../../src/transports/net.js";
import { NO_CLIENT_CERTIFICATE, RecentConnections, certificatePeer, checkTlsServerOptions, tlsError } from "../../src/transports/tls.js";
import { removeSocketFile, removeStaleSocket, socketPath } from "./socket-file.js";
import { NodeSocketConnection } from "./socket.js";
import { boundAddress } from "./tcp.js";

export type { TlsOptions } from "../../src/transports/net.js";
export { tlsError } from "../../src/transports/tls.js";

/** The peer of a TLS socket: its verified certificate (the client's, on a server that asked
 *  for one; the server's, on a client), else anonymous. */
function peerOf(socket: tls.TLSSocket, verified: boolean): PeerIdentity {
  return verified ? certificatePeer(socket.getPeerCertificate(), socket.authorized, "no verified certificate") : NO_CLIENT_CERTIFICATE;
}

/** A TLS connection that remembers why it failed after the handshake (TLS 1.3 reports a
 *  refused client certificate only after the client thinks it is connected). */
class NodeTlsConnection extends NodeSocketConnection {
  failure: Error | null = null;
  constructor(socket: tls.TLSSocket, peer: PeerIdentity, description: string, target: string) {
    super(socket, peer, description);
    socket.on("error", (e) => { this.failure ??= tlsError(e, target); });
  }
}

type Target = { host: string; port: number } | { path: string };

abstract class NodeTlsBase implements RpcTransport {
  abstract readonly name: string;
  /** Connections this transport made, whose late TLS failure connectTls may report. */
  private readonly made = new RecentConnections<NodeTlsConnection>();

  constructor(readonly tlsOptions: TlsOptions) {}

  protected abstract target(address: string): Target;
  protected abstract label(address: string): string;
  protected abstract bind(server: tls.Server, address: string): Promise<string>;

  connect(address: string): Promise<TransportConnection> {
    const t = this.target(address);
    const o = this.tlsOptions;
    const host = "host" in t ? t.host : undefined;
    const servername = o.serverName ?? (host && !isIP(host) ? host : host ? undefined : "localhost");
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        ...t, ca: o.ca, cert: o.cert, key: o.key, servername, rejectUnauthorized: true,
        ...(host === undefined && !o.serverName ? { host: "localhost" } : {}),
      });
      const fail = (e: Error) => reject(tlsError(e, this.label(address)));
      socket.once("error", fail);
      socket.once("secureConnect", () => {
        socket.off("error", fail);
        socket.setNoDelay?.(true);
        const conn = new NodeTlsConnection(socket, peerOf(socket, true), `tls:${address}`, this.label(address));
        this.made.add(conn);
        socket.once("close", () => setTimeout(() => this.made.delete(conn), 1000).unref());
        resolve(conn);
      });
    });
  }

  /** The first TLS failure seen on a connection this transport made (then forgotten). */
  takeFailure(): Error | null { return this.made.takeFailure(); }

  listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const o = this.tlsOptions;
    try { checkTlsServerOptions(o); } catch (e) { return Promise.reject(e); }
    const requested = !!o.requestClientCert;
    const server = tls.createServer({
      cert: o.cert, key: o.key, ca: o.ca, requestCert: requested, rejectUnauthorized: requested,
      // a client that stalls its TLS handshake is dropped like one that stalls the binder one
      handshakeTimeout: 10_000,
    }, (socket) => {
      const remote = socket.remoteAddress ? formatHostPort(socket.remoteAddress, socket.remotePort ?? 0) : address;
      onConnection(new NodeTlsConnection(socket, peerOf(socket, requested), `tls:${remote}`, remote));
    });
    // a client that fails its handshake is its own problem; node destroys its socket
    server.on("tlsClientError", () => {});
    return this.bind(server, address).then((bound) => ({
      address: bound,
      close: async () => {
        server.close();
        if ("path" in this.target(address)) removeSocketFile(address);
      },
    }));
  }
}

/** TLS over TCP: addresses are "host:port". */
export class NodeTlsTransport extends NodeTlsBase {
  readonly name = "node-tls";
  protected target(address: string): Target { return parseHostPort(address); }
  protected label(address: string): string { return address; }
  protected bind(server: tls.Server, address: string): Promise<string> {
    const { host, port } = parseHostPort(address);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, () => { server.off("error", reject); resolve(boundAddress(server, host)); });
    });
  }
}

/** TLS over a Unix socket: addresses are paths, or "@name" (Linux abstract namespace). */
export class NodeTlsUnixTransport extends NodeTlsBase {
  readonly name = "node-tls-unix";
  protected target(address: string): Target { return { path: socketPath(address) }; }
  protected label(address: string): string { return `unix:${address}`; }
  protected bind(server: tls.Server, address: string): Promise<string> {
    const path = socketPath(address);
    removeStaleSocket(address);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => { server.off("error", reject); resolve(address); });
    });
  }
}

/** A TLS-over-TCP transport with these settings. */
export function tlsTransport(tlsOpts: TlsOptions): NodeTlsTransport { return new NodeTlsTransport(tlsOpts); }
/** A TLS-over-Unix-socket transport with these settings. */
export function tlsUnixTransport(tlsOpts: TlsOptions): NodeTlsUnixTransport { return new NodeTlsUnixTransport(tlsOpts); }
