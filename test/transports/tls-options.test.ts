// What every runtime's TLS adapter decides the same way (src/transports/tls.ts): option
// checks, the peer a certificate names, the wording of OpenSSL-style failures, and the memory
// of late failures connectTls reports.
import { describe, expect, test } from "vitest";
import { TlsHandshakeError } from "../../src/transports/net.js";
import {
  NO_CLIENT_CERTIFICATE, RecentConnections, certificatePeer, checkTlsClientOptions, checkTlsServerOptions, tlsError,
} from "../../src/transports/tls.js";

const coded = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe("TLS options", () => {
  test("a client's cert and key go together", () => {
    expect(() => checkTlsClientOptions({ cert: "C" })).toThrow(TypeError);
    expect(() => checkTlsClientOptions({ key: "K" })).toThrow(/go together/);
    expect(() => checkTlsClientOptions({ cert: "C", key: "K" })).not.toThrow();
    expect(() => checkTlsClientOptions({})).not.toThrow();
  });

  test("a server needs cert and key, and a CA when it asks for client certificates", () => {
    expect(() => checkTlsServerOptions({ cert: "C" })).toThrow(/needs tlsOpts.cert and tlsOpts.key/);
    expect(() => checkTlsServerOptions({ cert: "C", key: "K", requestClientCert: true })).toThrow(/requestClientCert needs tlsOpts.ca/);
    expect(() => checkTlsServerOptions({ cert: "C", key: "K", requestClientCert: true, ca: "A" })).not.toThrow();
  });
});

describe("certificate peers", () => {
  const cert = { subject: { CN: "svc", O: "acme" }, fingerprint256: "AB:CD" };

  test("a verified certificate names the peer", () => {
    const peer = certificatePeer(cert, true, "unused");
    expect(peer).toMatchObject({ kind: "certificate", fingerprint256: "AB:CD" });
    expect((peer as { subject: string }).subject).toContain("CN=svc");
  });

  test("an unverified or missing certificate leaves the peer anonymous, with the reason", () => {
    expect(certificatePeer(cert, false, "no verified client certificate")).toEqual({ kind: "anonymous", reason: "no verified client certificate" });
    expect(certificatePeer(null, true, "why")).toEqual({ kind: "anonymous", reason: "why" });
    expect(certificatePeer({ subject: { CN: "x" } }, true, "why")).toEqual({ kind: "anonymous", reason: "why" });
    expect(NO_CLIENT_CERTIFICATE.kind).toBe("anonymous");
  });
});

describe("tlsError", () => {
  test("an untrusted server certificate asks for the CA, and keeps the code", () => {
    const e = tlsError(coded("unable to verify the first certificate", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "h:1");
    expect(e).toBeInstanceOf(TlsHandshakeError);
    expect(e.message).toMatch(/^TLS handshake with h:1 failed: the server certificate is not trusted .*\[UNABLE_TO_VERIFY_LEAF_SIGNATURE\].*tlsOpts\.ca/);
    expect((e as TlsHandshakeError).tlsCode).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  test("a name mismatch, an expired certificate and a refused client certificate say what to change", () => {
    expect(tlsError(coded("Hostname/IP does not match", "ERR_TLS_CERT_ALTNAME_INVALID"), "t").message).toMatch(/not valid for this name.*serverName/);
    expect(tlsError(coded("certificate has expired", "CERT_HAS_EXPIRED"), "t").message).toMatch(/outside its validity period/);
    expect(tlsError(coded("alert", "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"), "t").message).toMatch(/refused our client certificate/);
    expect(tlsError(coded("wrong version number", "ERR_SSL_WRONG_VERSION_NUMBER"), "t")).toBeInstanceOf(TlsHandshakeError);
  });

  test("plain socket errors come back unchanged, and a mapped error is not mapped twice", () => {
    const refused = coded("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED");
    expect(tlsError(refused, "t")).toBe(refused);
    const once = tlsError(coded("x", "CERT_UNTRUSTED"), "t");
    expect(tlsError(once, "other")).toBe(once);
  });
});

describe("RecentConnections", () => {
  test("the first late failure is reported once, then all are forgotten", () => {
    const made = new RecentConnections<{ failure: Error | null }>();
    const a = made.add({ failure: null });
    const b = made.add({ failure: null });
    expect(made.takeFailure()).toBeNull();
    b.failure = new Error("refused");
    a.failure = null;
    expect(made.takeFailure()?.message).toBe("refused");
    expect(made.takeFailure()).toBeNull();
  });

  test("keeps the newest 64", () => {
    const made = new RecentConnections<{ failure: Error | null }>();
    const first = made.add({ failure: new Error("oldest") });
    for (let i = 0; i < 64; i++) made.add({ failure: null });
    expect(made.takeFailure()).toBeNull(); // the oldest, with its failure, was dropped
    made.add(first);
    made.delete(first);
    expect(made.takeFailure()).toBeNull();
  });
});
