// Shared by the TCP and TLS adapters of every runtime (Node, Deno, Bun): "host:port"
// addresses, the TLS options, and the typed error a failed TLS handshake becomes.
import { HandshakeError } from "../rpc/client.js";
import type { TransportListener } from "../rpc/transport.js";
import type { RpcServer } from "../rpc/server.js";
import { StatusCode } from "../binder/status.js";

/** TLS settings, PEM strings throughout (the same shape on Node, Deno and Bun). */
export interface TlsOptions {
  /** CA certificate(s) to trust. Client: verifies the server (without it, the system store).
   *  Server with requestClientCert: verifies client certificates. */
  ca?: string;
  /** This side's certificate chain (server: required; client: for mutual TLS). */
  cert?: string;
  /** This side's private key. */
  key?: string;
  /** Server: require a client certificate signed by `ca` (mutual TLS). */
  requestClientCert?: boolean;
  /** Client: the name the server certificate must carry (default: the host connected to). */
  serverName?: string;
}

/** A TLS handshake failed (untrusted certificate, name mismatch, client certificate refused...).
 *  A HandshakeError, so `catch (e) { if (e instanceof HandshakeError) ... }` covers it too. */
export class TlsHandshakeError extends HandshakeError {
  override name = "TlsHandshakeError";
  /** The TLS library's error code, when it gave one (e.g. "UNABLE_TO_VERIFY_LEAF_SIGNATURE"). */
  readonly tlsCode: string | undefined;
  constructor(message: string, tlsCode?: string, cause?: unknown) {
    super(message, StatusCode.PERMISSION_DENIED);
    this.tlsCode = tlsCode;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** Split "host:port" ("[::1]:port" for IPv6 literals). Port 0 asks for an ephemeral port. */
export function parseHostPort(address: string): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (address.startsWith("[")) {
    const close = address.indexOf("]");
    if (close < 0 || address[close + 1] !== ":") throw new TypeError(`bad address "${address}" (expected "[v6]:port")`);
    host = address.slice(1, close);
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(":");
    if (colon < 0) throw new TypeError(`bad address "${address}" (expected "host:port")`);
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    if (host.includes(":")) throw new TypeError(`bad address "${address}" (write IPv6 hosts as "[v6]:port")`);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new TypeError(`bad port in address "${address}"`);
  return { host: host || "0.0.0.0", port };
}

/** A Unix socket address as a path: "@name" is the Linux abstract namespace (no file);
 *  anything else is a filesystem path. */
export function socketPath(address: string): string {
  return address.startsWith("@") ? "\0" + address.slice(1) : address;
}

/** The inverse of parseHostPort: brackets IPv6 literals. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The port a TCP/TLS listener (or a server from listenTcp/listenTls) is bound to. Useful after
 *  listening on port 0. */
export function portOf(listener: TransportListener | { readonly address: string }): number {
  return parseHostPort(listener.address).port;
}

/** What listenTcp / listenTls return: the server, plus where it actually listens. */
export type NetRpcServer = RpcServer & {
  /** "host:port" with the bound port (port 0 replaced by the ephemeral one). */
  readonly address: string;
  readonly port: number;
};

/** Attach a listener's bound address to its server (for listenTcp/listenTls in each runtime). */
export function withAddress(server: RpcServer, listener: TransportListener): NetRpcServer {
  const address = listener.address;
  const port = portOf(listener);
  Object.defineProperties(server, {
    address: { value: address, enumerable: true },
    port: { value: port, enumerable: true },
  });
  return server as NetRpcServer;
}

/** Format a certificate subject (attribute -> value(s), in the order the certificate encodes
 *  them) as an RFC 4514 string: most specific first, e.g. "CN=client,O=example". */
export function rfc4514(subject: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  const rdns: string[] = [];
  for (const [type, value] of Object.entries(subject)) {
    if (value === undefined) continue;
    for (const v of typeof value === "string" ? [value] : value) rdns.push(`${type}=${escapeDnValue(v)}`);
  }
  return rdns.reverse().join(",");
}

function escapeDnValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => "\\" + c).replace(/\0/g, "\\00");
  if (s.startsWith("#") || s.startsWith(" ")) s = "\\" + s;
  if (s.endsWith(" ") && s.length > 1) s = s.slice(0, -1) + "\\ ";
  return s;
}
