// TLS for Deno, PEM strings for keys and certificates: over TCP ("host:port") and over a Unix
// socket (a path, or "@name" for the abstract namespace).
//
// Deno's own API covers a TCP client fully (Deno.connectTls, with a client certificate for
// mutual TLS) and a TCP server without client certificates (Deno.listenTls). What it lacks is
// done on Deno's node:tls (this file is the only place the adapter uses a compatibility module):
//   - Deno.listenTls can neither ask for nor verify a client certificate, so a server with
//     `requestClientCert` runs on node:tls, which verifies the client against `ca`; its
//     certificate is the peer: { kind: "certificate", subject, fingerprint256 };
//   - Deno.startTls/listenTls take TCP only, so TLS over a Unix socket is node:tls both ways;
//   - checking a serverName other than the host dialled needs Deno.startTls, which takes no
//     client certificate, so a client with both runs on node:tls;
//   - Deno's TLS connections do not expose the peer's certificate, so the server as seen by a
//     Deno.connectTls client is anonymous (it was verified all the same), as is a client of a
//     Deno.listenTls server (which asked for no certificate).
import * as nodeTls from "node:tls";
import type { ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { TlsHandshakeError, formatHostPort, parseHostPort, socketPath, type TlsOptions } from "../../src/transports/net.js";
import {
  NO_CLIENT_CERTIFICATE, RecentConnections, certificatePeer, checkTlsClientOptions, checkTlsServerOptions,
  tlsError as opensslTlsError, type RemembersFailure,
} from "../../src/transports/tls.js";
import { DenoConnection } from "./connection.js";
import { removeSocketFile, removeStaleSocket, serveListener } from "./accept.js";
import { SocketDrain } from "../node/drain.js";

/** A server's TLS handshake must finish within this, or the connection is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

const SERVER_PEER: PeerIdentity = { kind: "anonymous", reason: "server (verified by certificate; Deno does not expose it)" };

/** Turn a TLS failure (rustls' messages from Deno's own TLS, OpenSSL-style codes from
 *  node:tls) into a TlsHandshakeError that says what went wrong; anything else
 *  (ConnectionRefused, ...) is returned unchanged. */
export function tlsError(e: unknown, target: string): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err instanceof TlsHandshakeError) return err;
  const m = err.message;
  const code = /(?:invalid peer certificate|received fatal alert): (\w+)/.exec(m)?.[1];
  const fail = `TLS handshake with ${target} failed`;
  if (/invalid peer certificate/.test(m)) {
    if (/NotValidForName|not valid for name/i.test(m)) {
      return new TlsHandshakeError(`${fail}: the server certificate is not valid for this name (${m}); set tlsOpts.serverName`, code, err);
    }
    if (/Expired|NotValidYet/.test(m)) {
      return new TlsHandshakeError(`${fail}: the server certificate is outside its validity period (${m})`, code, err);
    }
    return new TlsHandshakeError(`${fail}: the server certificate is not trusted (${m}); pass the CA that signed it as tlsOpts.ca`, code, err);
  }
  if (/received fatal alert: (CertificateRequired|BadCertificate|UnknownCA|CertificateUnknown|HandshakeFailure|AccessDenied|DecryptError)/.test(m)) {
    return new TlsHandshakeError(`${fail}: the server refused our client certificate (${m}); mutual TLS needs tlsOpts.cert and tlsOpts.key signed by a CA the server trusts`, code, err);
  }
  if (/close_notify|UnexpectedEof/i.test(m)) {
    return new TlsHandshakeError(`${fail}: the server hung up without a TLS alert (${m}); it may have refused our client certificate`, "UnexpectedEof", err);
  }
  // a server that refuses our certificate closes with our first frames unread: its kernel
  // answers them with a reset, which can overtake the alert it sent (TLS 1.3 reports a refused
  // client certificate only after the client's side of the handshake is done)
  if (err.name === "ConnectionReset" || /connection reset/i.test(m)) {
    return new TlsHandshakeError(`${fail}: the server reset the connection before any reply (${m}); it may have refused our client certificate`, "ConnectionReset", err);
  }
  if (code) return new TlsHandshakeError(`${fail}: ${m}`, code, err); // another rustls alert
  // node:tls failures (OpenSSL codes), mapped as on Node and Bun
  const mapped = opensslTlsError(err, target);
  if (mapped !== err) return mapped;
  if (/handshake|alert/i.test(m)) return new TlsHandshakeError(`${fail}: ${m}`, code, err);
  return err;
}

/** A client TLS connection that remembers why it broke: with TLS 1.3 a refused client
 *  certificate is reported only after the client's handshake has completed. */
class DenoTlsConnection extends DenoConnection implements RemembersFailure {
  failure: Error | null = null;
  constructor(conn: Deno.TlsConn, peer: PeerIdentity, description: string, private readonly target: string) {
    super(conn, peer, description);
  }
  protected override failed(error: Error): Error {
    const e = tlsError(error, this.target);
    this.failure ??= e;
    return e;
  }
}

export abstract class DenoTlsBase implements RpcTransport {
  abstract readonly name: string;
  /** Client connections this transport made, whose late TLS failure connectTls may report. */
  private readonly made = new RecentConnections<RemembersFailure>();

  constructor(readonly tlsOptions: TlsOptions) {}

  abstract connect(address: string): Promise<TransportConnection>;
  abstract listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener>;

  protected remember<C extends RemembersFailure>(conn: C): C {
    this.made.add(conn);
    return conn;
  }

  /** The first TLS failure seen on a connection this transport made (then forgotten). */
  takeFailure(): Error | null { return this.made.takeFailure(); }

  protected checkClientOptions(): void { checkTlsClientOptions(this.tlsOptions); }

  protected checkServerOptions(): void { checkTlsServerOptions(this.tlsOptions); }
}

/** TLS over TCP: addresses are "host:port". */
export class DenoTlsTransport extends DenoTlsBase {
  readonly name = "deno-tls";

  async connect(address: string): Promise<TransportConnection> {
    this.checkClientOptions();
    const { host: hostname, port } = parseHostPort(address);
    const o = this.tlsOptions;
    const caCerts = o.ca !== undefined ? [o.ca] : undefined;
    const otherName = o.serverName !== undefined && o.serverName !== hostname;
    if (otherName && o.cert !== undefined) {
      // Deno.startTls (the way to check another name) takes no client certificate
      return this.remember(await connectNodeTls({ host: hostname, port }, o, o.serverName!, address));
    }
    let conn: Deno.TlsConn;
    try {
      if (otherName) {
        // verify a name other than the one dialled: plain TCP, then startTls with that name
        const tcp = await Deno.connect({ transport: "tcp", hostname, port });
        tcp.setNoDelay(true);
        conn = await Deno.startTls(tcp, { hostname: o.serverName, caCerts });
      } else {
        conn = o.cert !== undefined && o.key !== undefined
          ? await Deno.connectTls({ hostname, port, caCerts, cert: o.cert, key: o.key })
          : await Deno.connectTls({ hostname, port, caCerts });
      }
    } catch (e) {
      throw tlsError(e, address);
    }
    // handshake now, so an untrusted server fails connect() itself, with a clear error
    try {
      await conn.handshake();
    } catch (e) {
      try { conn.close(); } catch { /* already closed */ }
      throw tlsError(e, address);
    }
    return this.remember(new DenoTlsConnection(conn, SERVER_PEER, `tls:${address}`, address));
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    this.checkServerOptions();
    const o = this.tlsOptions;
    const { host: hostname, port } = parseHostPort(address);
    if (o.requestClientCert) return listenNodeTls({ port, host: hostname }, address, o, onConnection);
    const listener = Deno.listenTls({ hostname, port, cert: o.cert!, key: o.key! });
    return serveListener(listener, formatHostPort(hostname, listener.addr.port), (conn) => {
      const remote = formatHostPort(conn.remoteAddr.hostname, conn.remoteAddr.port);
      // only handshaken connections reach the server; a stalled or failed one is dropped here
      const timer = setTimeout(() => { try { conn.close(); } catch { /* closed */ } }, HANDSHAKE_TIMEOUT_MS);
      conn.handshake().then(
        () => { clearTimeout(timer); onConnection(new DenoConnection(conn, NO_CLIENT_CERTIFICATE, `tls:${remote}`)); },
        () => { clearTimeout(timer); try { conn.close(); } catch { /* closed */ } },
      );
    });
  }
}

/** TLS over a Unix socket (node:tls both ways): addresses are paths, or "@name". The server
 *  name checked by a client defaults to "localhost". */
export class DenoTlsUnixTransport extends DenoTlsBase {
  readonly name = "deno-tls-unix";

  async connect(address: string): Promise<TransportConnection> {
    this.checkClientOptions();
    const o = this.tlsOptions;
    return this.remember(await connectNodeTls({ path: socketPath(address) }, o, o.serverName ?? "localhost", `unix:${address}`));
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    this.checkServerOptions();
    removeStaleSocket(address);
    const listener = await listenNodeTls({ path: socketPath(address) }, address, this.tlsOptions, onConnection);
    return {
      address,
      close: async () => {
        await listener.close();
        removeSocketFile(address);
      },
    };
  }
}

/** A TLS-over-TCP transport with these settings. */
export function tlsTransport(tlsOpts: TlsOptions): DenoTlsTransport {
  return new DenoTlsTransport(tlsOpts);
}

/** A TLS-over-Unix-socket transport with these settings. */
export function tlsUnixTransport(tlsOpts: TlsOptions): DenoTlsUnixTransport {
  return new DenoTlsUnixTransport(tlsOpts);
}

// ---- node:tls: mutual-TLS servers, TLS over Unix sockets, serverName with a client cert -----

/** A verified node:tls client connection; the server's certificate is the peer. */
function connectNodeTls(to: { host: string; port: number } | { path: string }, o: TlsOptions, servername: string,
    label: string): Promise<NodeTlsSocketConnection> {
  return new Promise((resolve, reject) => {
    const socket = nodeTls.connect({
      ...("path" in to ? { path: to.path, host: "localhost" } : { host: to.host, port: to.port }),
      servername, ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: true,
    });
    const fail = (e: Error) => reject(tlsError(e, label));
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      socket.off("error", fail);
      const peer = certificatePeer(socket.getPeerCertificate(), true, "server (verified by certificate)");
      resolve(new NodeTlsSocketConnection(socket, peer, `tls:${label}`, label));
    });
  });
}

function listenNodeTls(bind: { port: number; host: string } | { path: string }, address: string, o: TlsOptions,
    onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
  const requested = !!o.requestClientCert;
  const server = nodeTls.createServer({
    cert: o.cert, key: o.key, ca: o.ca, requestCert: requested, rejectUnauthorized: requested,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  }, (socket) => {
    const peer = requested ? certificatePeer(socket.getPeerCertificate(), socket.authorized, "no verified client certificate") : NO_CLIENT_CERTIFICATE;
    const remote = socket.remoteAddress ? formatHostPort(socket.remoteAddress, socket.remotePort ?? 0) : address;
    onConnection(new NodeTlsSocketConnection(socket, peer, `tls:${remote}`, remote));
  });
  // a client refused during its handshake (no or wrong certificate) is dropped by node:tls
  server.on("tlsClientError", () => {});
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      const a = server.address();
      const bound = "port" in bind && a && typeof a === "object" ? formatHostPort(bind.host, a.port) : address;
      let closed = false;
      resolve({
        address: bound,
        close: async () => {
          if (closed) return;
          closed = true;
          server.close();
        },
      });
    };
    if ("path" in bind) server.listen(bind.path, listening);
    else server.listen(bind.port, bind.host, listening);
  });
}

/** A node:tls socket (push-based: chunks arrive as events) as a TransportConnection. */
class NodeTlsSocketConnection implements TransportConnection, RemembersFailure {
  readonly canPassFds = false;
  failure: Error | null = null;
  private ended = false;

  constructor(private readonly socket: nodeTls.TLSSocket, readonly peer: PeerIdentity, readonly description: string, private readonly target: string) {
    try { socket.setNoDelay(true); } catch { /* a Unix socket */ }
    socket.on("error", (e: Error) => { this.failure ??= tlsError(e, target); });
    this.drain = new SocketDrain(socket);
  }

  private readonly drain: SocketDrain;

  /** What the stream holds unwritten (plaintext queued in front of the TLS layer). */
  get bufferedAmount(): number { return this.drain.bufferedAmount; }

  onDrain(cb: () => void): void { this.drain.add(cb); }

  /** The stream stops flowing; the TLS layer stops reading once its buffer is full. */
  pauseReading(): void { this.socket.pause(); }

  resumeReading(): void { this.socket.resume(); }

  start(sink: ConnectionSink): void {
    let received = false;
    const finish = (error?: Error) => {
      if (this.ended) return;
      this.ended = true;
      // a server that refuses a client certificate may just hang up, right after the
      // client's TLS 1.3 handshake; say so should connectTls ask why the session failed
      if (!received && !error) {
        this.failure ??= new TlsHandshakeError(`TLS session with ${this.target} ended before the peer sent anything: it may have refused our client certificate`, "UnexpectedEof");
      }
      sink.end(error);
    };
    this.socket.on("data", (chunk: Uint8Array) => { received = true; sink.data(chunk); });
    this.socket.on("end", () => finish());
    this.socket.on("close", () => finish(this.failure ?? undefined));
    this.socket.on("error", () => finish(this.failure ?? undefined));
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    // a peer that never reads must not keep us half-open forever
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    Deno.unrefTimer(timer);
  }
}
