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
import { TlsHandshakeError, formatHostPort, parseHostPort, rfc4514, type TlsOptions } from "../../src/transports/net.js";
import { dial, serve, type BunEndpoint, type BunSocket } from "./socket.js";
import { removeSocketFile, removeStaleSocket, socketPath } from "../node/socket-file.js";
import { remoteOf } from "./tcp.js";

export type { TlsOptions } from "../../src/transports/net.js";

const UNTRUSTED = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

/** A Bun TLS failure as a TlsHandshakeError that says what went wrong and what to change;
 *  plain socket errors (ECONNREFUSED, ENOENT...) come back unchanged. */
export function tlsError(e: Error & { code?: string }, target: string): Error {
  const code = e.code;
  const why = `${e.message}${code && !e.message.includes(code) ? ` [${code}]` : ""}`;
  const fail = (what: string) => new TlsHandshakeError(`TLS handshake with ${target} failed: ${what}`, code, e);
  if (code && UNTRUSTED.test(code)) return fail(`the server certificate is not trusted (${why}); pass the CA that signed it as tlsOpts.ca`);
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /altname|hostname/i.test(e.message)) return fail(`the server certificate is not valid for this name (${why}); set tlsOpts.serverName`);
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return fail(`the server certificate is outside its validity period (${why})`);
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED)/.test(e.message + (code ?? ""))) {
    return fail(`the server refused our client certificate (${why}); mutual TLS needs tlsOpts.cert and tlsOpts.key signed by a CA the server trusts`);
  }
  if (/ssl|tls|certificate/i.test(e.message) || code === "EPROTO" || code?.startsWith("ERR_TLS_") || code?.startsWith("ERR_SSL_")) return fail(why);
  return e;
}

type Cert = { subject?: Record<string, string | string[]>; fingerprint256?: string };

function peerCertificate(socket: BunSocket): Cert | null {
  try { return socket.getPeerCertificate() as unknown as Cert | null; } catch { return null; }
}

/** The verified client certificate of an accepted socket, as a peer identity. */
function clientPeer(socket: BunSocket, requested: boolean): PeerIdentity {
  if (!requested) return { kind: "anonymous", reason: "TLS without a client certificate" };
  const cert = peerCertificate(socket);
  if (!cert?.subject || !cert.fingerprint256 || !socket.authorized) return { kind: "anonymous", reason: "no verified client certificate" };
  return { kind: "certificate", subject: rfc4514(cert.subject), fingerprint256: cert.fingerprint256 };
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
    if (!o.cert || !o.key) throw new TypeError("a TLS server needs tlsOpts.cert and tlsOpts.key");
    const requested = !!o.requestClientCert;
    if (requested && !o.ca) throw new TypeError("requestClientCert needs tlsOpts.ca (the CA client certificates must be signed by)");
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
