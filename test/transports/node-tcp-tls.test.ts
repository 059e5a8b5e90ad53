// Sessions over TCP and TLS (Node adapter): echo, nested callbacks, oneway bursts, shutdown;
// TLS with server verification, mutual TLS (the client certificate reaches the authorizer and
// getCallingIdentity), refusals with clear errors, and TLS over a Unix socket.
import { afterEach, describe, expect, it } from "vitest";
import {
  Binder, HandshakeError, getCallingIdentity, type IBinder, type Parcel, type PeerIdentity,
  type RpcServer, type RpcSession,
} from "../../src/index.js";
import { readException, writeNoException } from "../../src/codegen.js";
import {
  connectTcp, listenTcp, connectTls, listenTls, connectTlsUnix, listenTlsUnix, tcpTransport, portOf, TlsHandshakeError,
} from "../../runtimes/node/index.js";
import { HelloService, echo, socketPath, ended } from "../rpc/helpers.js";
import { Nester, nest, record, recorded } from "../rpc/test-service.js";
import { testPki } from "../support/certs.js";

/** Plain TCP (and TLS without a client certificate) carries no identity: these servers admit
 *  anonymous peers explicitly (the default refuses them; see "the default authorizer" below). */
const open = { allowAnonymous: true } as const;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });
function track<T extends RpcServer | RpcSession>(x: T): T { cleanup.push(() => void x.shutdown()); return x; }

const WHO = "test.IWho";
/** Answers with JSON of getCallingIdentity() as seen inside the call (after an await). */
class WhoService extends Binder {
  constructor() { super(WHO); }
  protected async onTransact(code: number, data: Parcel, reply: Parcel): Promise<boolean> {
    if (code !== 1) return false;
    data.enforceInterface(WHO);
    await new Promise((r) => setTimeout(r, 1));
    writeNoException(reply);
    reply.writeString16(JSON.stringify(getCallingIdentity()));
    return true;
  }
}
async function who(b: IBinder): Promise<PeerIdentity> {
  const data = b.newParcel();
  data.writeInterfaceToken(WHO);
  const reply = await b.transact(1, data);
  data.dispose();
  try { readException(reply); return JSON.parse(reply.readString16()!); } finally { reply.dispose(); }
}

class SpyNester extends Nester {
  readonly seen: (PeerIdentity | null)[] = [];
  protected override onTransact(code: number, data: Parcel, reply: Parcel): Promise<boolean> {
    this.seen.push(getCallingIdentity());
    return super.onTransact(code, data, reply);
  }
}

describe("TCP", () => {
  it("listens on an ephemeral port and reports it", async () => {
    const server = track(await listenTcp("127.0.0.1", 0, open));
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    // the lower-level route: RpcServer.listen returns the listener, portOf reads it
    const other = track(new (Object.getPrototypeOf(server).constructor)() as RpcServer);
    const listener = await other.listen(tcpTransport, "127.0.0.1:0");
    expect(portOf(listener)).toBeGreaterThan(0);
    expect(portOf(listener)).not.toBe(server.port);
  });

  for (const version of [0, 1, 2, "r34"] as const) {
    it(`echo, nested callback, and 1,000 oneways at wire ${version}`, async () => {
      const server = track(await listenTcp("127.0.0.1", 0, { ...open, maxThreads: 2 }));
      const service = new Nester("server");
      server.setRoot(service);
      const session = track(await connectTcp("127.0.0.1", server.port, { version }));
      const root = (await session.getRoot())!;
      expect(await root.getInterfaceDescriptor()).toBe("test.INester");
      expect(await nest(root, new Nester("client"), 3)).toBe("server>client>server>leaf");
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 1000; i++) sent.push(record(root, i));
      await Promise.all(sent);
      expect(await recorded(root)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    });
  }

  it("a TCP peer is anonymous; server shutdown ends the client session", async () => {
    const server = track(await listenTcp("localhost", 0, open));
    let seen: PeerIdentity | null = null;
    server.setAuthorizer((peer) => { seen = peer; return true; });
    server.setRoot(new WhoService());
    const session = track(await connectTcp("localhost", server.port));
    const root = (await session.getRoot())!;
    expect((await who(root)).kind).toBe("anonymous");
    expect(seen!.kind).toBe("anonymous");
    await server.shutdown();
    await ended(session);
  });

  it("large parcels cross intact", async () => {
    const server = track(await listenTcp("127.0.0.1", 0, open));
    server.setRoot(new HelloService());
    const session = track(await connectTcp("127.0.0.1", server.port));
    const big = "x".repeat(300_000) + "é😀";
    expect(await echo((await session.getRoot())!, big)).toBe(big);
  });

  it("connecting to a closed port rejects", async () => {
    const server = await listenTcp("127.0.0.1", 0, open);
    const port = server.port;
    await server.shutdown();
    await expect(connectTcp("127.0.0.1", port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("TLS", () => {
  it("the client verifies the server against the given CA (by name and by IP)", async () => {
    const pki = await testPki();
    const server = track(await listenTls("127.0.0.1", 0, { cert: pki.serverCert, key: pki.serverKey }, open));
    server.setRoot(new Nester("server"));
    let seen: PeerIdentity | null = null;
    server.setAuthorizer((p) => { seen = p; return true; });
    for (const host of ["localhost", "127.0.0.1"]) {
      const session = track(await connectTls(host, server.port, { ca: pki.caCert }));
      const root = (await session.getRoot())!;
      expect(await nest(root, new Nester("client"), 2)).toBe("server>client>leaf");
    }
    expect(seen).toMatchObject({ kind: "anonymous" });
  });

  it("on the client, a call from the server reports the server certificate", async () => {
    const pki = await testPki();
    const server = track(await listenTls("127.0.0.1", 0, { cert: pki.serverCert, key: pki.serverKey }, open));
    server.setRoot(new Nester("server"));
    const session = track(await connectTls("localhost", server.port, { ca: pki.caCert }));
    const client = new SpyNester("client");
    expect(await nest((await session.getRoot())!, client, 1)).toBe("server>leaf");
    expect(client.seen).toHaveLength(1);
    expect(client.seen[0]).toMatchObject({ kind: "certificate", subject: "CN=localhost" });
  });

  it("a server certificate from the wrong CA is refused with a clear, typed error", async () => {
    const pki = await testPki();
    const server = track(await listenTls("127.0.0.1", 0, { cert: pki.serverCert, key: pki.serverKey }, open));
    server.setRoot(new Nester("server"));
    const err = await connectTls("localhost", server.port, { ca: pki.wrongCaCert }).catch((e) => e);
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.message).toMatch(/server certificate is not trusted/);
    expect(err.tlsCode).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    // no CA at all: the system store does not know our test CA either
    const err2 = await connectTls("localhost", server.port, {}).catch((e) => e);
    expect(err2).toBeInstanceOf(TlsHandshakeError);
    // right CA, wrong name
    const err3 = await connectTls("127.0.0.1", server.port, { ca: pki.caCert, serverName: "example.com" }).catch((e) => e);
    expect(err3).toBeInstanceOf(TlsHandshakeError);
    expect(err3.message).toMatch(/not valid for this name/);
  });

  it("mutual TLS: the authorizer and getCallingIdentity see the client certificate", async () => {
    const pki = await testPki();
    const server = track(await listenTls("127.0.0.1", 0, { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestClientCert: true }, { maxThreads: 2 }));
    server.setRoot(new WhoService());
    const peers: PeerIdentity[] = [];
    server.setAuthorizer((p) => { peers.push(p); return p.kind === "certificate" && p.subject === pki.clientSubject; });
    const session = track(await connectTls("localhost", server.port, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey }));
    const id = await who((await session.getRoot())!);
    expect(id).toMatchObject({
      kind: "certificate", subject: "CN=tsbinder test client,O=tsbinder",
      fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
    });
    expect(peers.length).toBe(2); // both connections of the session (maxThreads 2)
    for (const p of peers) expect(p).toEqual(id);
  });

  it("mutual TLS without a client certificate, or with one from another CA, is refused", async () => {
    const pki = await testPki();
    const server = track(await listenTls("127.0.0.1", 0, { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestClientCert: true }));
    server.setRoot(new WhoService());
    let authorized = 0;
    server.setAuthorizer(() => { authorized++; return true; });
    const none = await connectTls("localhost", server.port, { ca: pki.caCert }).catch((e) => e);
    expect(none).toBeInstanceOf(TlsHandshakeError);
    expect(none.message).toMatch(/refused our client certificate/);
    const wrong = await connectTls("localhost", server.port, { ca: pki.caCert, cert: pki.wrongClientCert, key: pki.wrongClientKey }).catch((e) => e);
    expect(wrong).toBeInstanceOf(TlsHandshakeError);
    expect(wrong.message).toMatch(/refused our client certificate/);
    expect(authorized).toBe(0);
  });

  it("an authorizer may refuse a verified certificate", async () => {
    const pki = await testPki();
    const server = track(await listenTls("127.0.0.1", 0, { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestClientCert: true }));
    server.setRoot(new WhoService());
    server.setAuthorizer((p) => p.kind === "certificate" && p.subject === "CN=someone else");
    await expect(connectTls("localhost", server.port, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey })).rejects.toBeInstanceOf(HandshakeError);
  });

  it("TLS over a Unix socket, with mutual TLS", async () => {
    const pki = await testPki();
    const path = socketPath("tls");
    const server = track(await listenTlsUnix(path, { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestClientCert: true }));
    const service = new Nester("server");
    server.setRoot(new WhoService());
    const session = track(await connectTlsUnix(path, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey }));
    expect(await who((await session.getRoot())!)).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
    server.setRoot(service);
    const s2 = track(await connectTlsUnix(path, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey }, { version: "r34" }));
    expect(await nest((await s2.getRoot())!, new Nester("client"), 2)).toBe("server>client>leaf");
    await expect(connectTlsUnix(path, { ca: pki.wrongCaCert })).rejects.toBeInstanceOf(TlsHandshakeError);
  });
});

describe("the default authorizer", () => {
  it("refuses anonymous peers (plain TCP) unless the server opts in, before any byte is read", async () => {
    const lines: string[] = [];
    const server = track(await listenTcp("127.0.0.1", 0, { logger: { warn: (m: string) => lines.push(m) } }));
    server.setRoot(new HelloService());
    await expect(connectTcp("127.0.0.1", server.port)).rejects.toBeInstanceOf(HandshakeError);
    expect(server.sessionCount).toBe(0);
    expect(lines.some((l) => /refused an anonymous peer \(plain TCP\)/.test(l))).toBe(true);
  });

  it("refuses a TLS client without a certificate too (no identity), unless allowAnonymous", async () => {
    const pki = await testPki();
    const server = track(await listenTls("127.0.0.1", 0, { cert: pki.serverCert, key: pki.serverKey }, { logger: { warn() {} } }));
    server.setRoot(new HelloService());
    await expect(connectTls("127.0.0.1", server.port, { ca: pki.caCert })).rejects.toBeInstanceOf(HandshakeError);
  });
});
