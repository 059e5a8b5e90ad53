// TLS for Node, over TCP ("host:port") or over a Unix socket (a path, or "@name" for the
// abstract namespace; rsbinder serves TLS there too). The client always verifies the server
// certificate: against tlsOpts.ca when given, else Node's bundled/system CA store, and its name
// against tlsOpts.serverName, else the host connected to ("localhost" over a Unix socket).
// With requestClientCert the server requires a client certificate signed by tlsOpts.ca
// (mutual TLS) and reports it as the peer: { kind: "certificate", subject, fingerprint256 }.
import * as tls from "node:tls";
import { isIP } from "node:net";
import { existsSync, statSync, unlinkSync } from "node:fs";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { TlsHandshakeError, formatHostPort, parseHostPort, rfc4514, type TlsOptions } from "../../src/transports/net.js";
import { NodeSocketConnection } from "./socket.js";
import { boundAddress } from "./tcp.js";

export type { TlsOptions } from "../../src/transports/net.js";

const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_UNTRUSTED", "CERT_SIGNATURE_FAILURE",
]);

/** Turn a node:tls failure into a TlsHandshakeError that says what went wrong; plain socket
 *  errors (ECONNREFUSED, ENOENT...) are returned unchanged. */
export function tlsError(e: Error & { code?: string }, target: string): Error {
  const code = e.code;
  const why = `${e.message}${code && !e.message.includes(code) ? ` [${code}]` : ""}`;
  if (code && UNTRUSTED.has(code)) {
    return new TlsHandshakeError(`TLS handshake with ${target} failed: the server certificate is not trusted (${why}); pass the CA that signed it as tlsOpts.ca`, code, e);
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new TlsHandshakeError(`TLS handshake with ${target} failed: the server certificate is not valid for this name (${why}); set tlsOpts.serverName`, code, e);
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return new TlsHandshakeError(`TLS handshake with ${target} failed: the server certificate is outside its validity period (${why})`, code, e);
  }
  if (code && /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED)/.test(code)) {
    return new TlsHandshakeError(`TLS handshake with ${target} failed: the server refused our client certificate (${why}); mutual TLS needs tlsOpts.cert and tlsOpts.key signed by a CA the server trusts`, code, e);
  }
  if (code?.startsWith("ERR_SSL_") || code?.startsWith("ERR_TLS_") || /ssl|tls|certificate/i.test(e.message)) {
    return new TlsHandshakeError(`TLS handshake with ${target} failed: ${why}`, code, e);
  }
  return e;
}

/** The peer of a TLS socket: its verified certificate (the client's, on a server that asked
 *  for one; the server's, on a client), else anonymous. */
function peerOf(socket: tls.TLSSocket, verified: boolean): PeerIdentity {
  if (!verified) return { kind: "anonymous", reason: "TLS without a client certificate" };
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject || !socket.authorized) return { kind: "anonymous", reason: "no verified certificate" };
  return { kind: "certificate", subject: rfc4514(cert.subject as unknown as Record<string, string | string[]>), fingerprint256: cert.fingerprint256 };
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

function unixPath(address: string): string {
  return address.startsWith("@") ? "\0" + address.slice(1) : address;
}

abstract class NodeTlsBase implements RpcTransport {
  abstract readonly name: string;
  /** Connections this transport made, whose late TLS failure connectTls may report. */
  private readonly made = new Set<NodeTlsConnection>();

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
  takeFailure(): Error | null {
    for (const c of this.made) if (c.failure) { const f = c.failure; this.made.clear(); return f; }
    return null;
  }

  listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const o = this.tlsOptions;
    if (!o.cert || !o.key) return Promise.reject(new TypeError("a TLS server needs tlsOpts.cert and tlsOpts.key"));
    const requested = !!o.requestClientCert;
    if (requested && !o.ca) return Promise.reject(new TypeError("requestClientCert needs tlsOpts.ca (the CA client certificates must be signed by)"));
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
        if ("path" in this.target(address) && !address.startsWith("@")) { try { unlinkSync(unixPath(address)); } catch { /* gone */ } }
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
  protected target(address: string): Target { return { path: unixPath(address) }; }
  protected label(address: string): string { return `unix:${address}`; }
  protected bind(server: tls.Server, address: string): Promise<string> {
    const path = unixPath(address);
    if (!address.startsWith("@") && existsSync(path) && statSync(path).isSocket()) unlinkSync(path);
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
