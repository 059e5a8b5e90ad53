// What the TLS adapters of every runtime decide the same way: which options a client and a
// server need, how a verified certificate becomes the peer, and how an OpenSSL-style failure
// (node:tls on Node and Deno, Bun's TLS sockets) becomes a TlsHandshakeError that says what to
// change. Each adapter keeps only the calls into its runtime's TLS API.
import type { PeerIdentity } from "../rpc/transport.js";
import { TlsHandshakeError, rfc4514, type TlsOptions } from "./net.js";

/** The peer of a TLS server that asked for no client certificate. */
export const NO_CLIENT_CERTIFICATE: PeerIdentity = { kind: "anonymous", reason: "TLS without a client certificate" };

/** A client's certificate and key go together (mutual TLS needs both). */
export function checkTlsClientOptions(o: TlsOptions): void {
  if ((o.cert === undefined) !== (o.key === undefined)) throw new TypeError("TLS client: tlsOpts.cert and tlsOpts.key go together");
}

/** A server needs its certificate and key, and a CA to verify client certificates by. */
export function checkTlsServerOptions(o: TlsOptions): void {
  if (!o.cert || !o.key) throw new TypeError("a TLS server needs tlsOpts.cert and tlsOpts.key");
  if (o.requestClientCert && !o.ca) throw new TypeError("requestClientCert needs tlsOpts.ca (the CA client certificates must be signed by)");
}

/** A peer certificate as the runtimes report it (node:tls and Bun share the shape). */
export interface PeerCertificate { subject?: unknown; fingerprint256?: string }

/** The peer a verified certificate names; anonymous (with `unverified` as the reason) when
 *  there is none or it did not verify. */
export function certificatePeer(cert: PeerCertificate | null | undefined, authorized: boolean, unverified: string): PeerIdentity {
  if (!cert || !cert.subject || !cert.fingerprint256 || !authorized) return { kind: "anonymous", reason: unverified };
  return { kind: "certificate", subject: rfc4514(cert.subject as Record<string, string | string[]>), fingerprint256: cert.fingerprint256 };
}

/** OpenSSL codes for a server certificate that does not chain to a trusted CA. */
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_UNTRUSTED", "CERT_SIGNATURE_FAILURE",
]);

/** The alerts a server sends when it refuses the client's certificate. */
const REFUSED = /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED)/;

/** An OpenSSL-style TLS failure (an error with a `code`, as node:tls and Bun report them) as a
 *  TlsHandshakeError that says what went wrong and what to change; plain socket errors
 *  (ECONNREFUSED, ENOENT...) come back unchanged. */
export function tlsError(e: Error & { code?: unknown }, target: string): Error {
  if (e instanceof TlsHandshakeError) return e;
  const code = typeof e.code === "string" ? e.code : undefined;
  const why = `${e.message}${code && !e.message.includes(code) ? ` [${code}]` : ""}`;
  const fail = (what: string) => new TlsHandshakeError(`TLS handshake with ${target} failed: ${what}`, code, e);
  if (code && UNTRUSTED.has(code)) return fail(`the server certificate is not trusted (${why}); pass the CA that signed it as tlsOpts.ca`);
  // Bun words a name mismatch in the message only
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /altname|hostname/i.test(e.message)) return fail(`the server certificate is not valid for this name (${why}); set tlsOpts.serverName`);
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return fail(`the server certificate is outside its validity period (${why})`);
  if (REFUSED.test(e.message + (code ?? ""))) {
    return fail(`the server refused our client certificate (${why}); mutual TLS needs tlsOpts.cert and tlsOpts.key signed by a CA the server trusts`);
  }
  if (/ssl|tls|certificate/i.test(e.message) || code === "EPROTO" || code?.startsWith("ERR_TLS_") || code?.startsWith("ERR_SSL_")) return fail(why);
  return e;
}

/** Something that may fail after the client's handshake: TLS 1.3 tells a client its
 *  certificate was refused only after the client is connected. */
export interface RemembersFailure { failure: Error | null }

/** The client connections a TLS transport made, kept so that connectTls can say why a session
 *  broke right after the handshake (RpcTransport.takeFailure). The newest 64 are kept. */
export class RecentConnections<C extends RemembersFailure> {
  private readonly made = new Set<C>();

  add(conn: C): C {
    this.made.add(conn);
    if (this.made.size > 64) this.made.delete(this.made.values().next().value!);
    return conn;
  }

  delete(conn: C): void { this.made.delete(conn); }

  /** The first failure seen on one of them (then all are forgotten). */
  takeFailure(): Error | null {
    for (const c of this.made) {
      if (c.failure) { const f = c.failure; this.made.clear(); return f; }
    }
    return null;
  }
}
