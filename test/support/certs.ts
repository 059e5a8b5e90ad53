// Test certificates, made fresh for each test run (no private key is ever committed): a CA,
// a server certificate for localhost/127.0.0.1 and a client certificate signed by it, and an
// unrelated CA for the "wrong CA" cases. PEM strings, usable by node:tls, Deno and Bun.
import "reflect-metadata"; // @peculiar/x509 uses tsyringe, which needs the Reflect polyfill
import * as x509 from "@peculiar/x509";

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  clientSubject: string;
  wrongCaCert: string;
  wrongClientCert: string;
  wrongClientKey: string;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function makeCa(name: string) {
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01", name: `CN=${name}`, notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000), keys, signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { keys, cert };
}

async function makeLeaf(ca: { keys: CryptoKeyPair; cert: x509.X509Certificate }, subject: string, serial: string, server: boolean) {
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
  ];
  if (server) extensions.push(new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }, { type: "ip", value: "127.0.0.1" }]));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial, subject, issuer: ca.cert.subject, notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000), signingKey: ca.keys.privateKey, publicKey: keys.publicKey,
    signingAlgorithm: alg, extensions,
  });
  return { cert: cert.toString("pem"), key: await keyPem(keys.privateKey) };
}

let cached: Promise<TestPki> | null = null;

export function testPki(): Promise<TestPki> {
  return (cached ??= (async () => {
    x509.cryptoProvider.set(crypto);
    const ca = await makeCa("tsbinder test CA");
    const wrong = await makeCa("unrelated CA");
    const server = await makeLeaf(ca, "CN=localhost", "02", true);
    const clientSubject = "CN=tsbinder test client,O=tsbinder";
    // encoded most general first (O, then CN), as certificates usually are, so that the RFC 4514
    // form a TLS peer identity reports (most specific first) is exactly clientSubject
    const client = await makeLeaf(ca, "O=tsbinder,CN=tsbinder test client", "03", false);
    const wrongClient = await makeLeaf(wrong, "CN=stranger", "04", false);
    return {
      caCert: ca.cert.toString("pem"), serverCert: server.cert, serverKey: server.key,
      clientCert: client.cert, clientKey: client.key, clientSubject,
      wrongCaCert: wrong.cert.toString("pem"), wrongClientCert: wrongClient.cert, wrongClientKey: wrongClient.key,
    };
  })());
}
