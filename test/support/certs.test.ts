import { it, expect } from "vitest";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { testPki } from "./certs.js";
it("pki works with node:tls", async () => {
  const p = await testPki();
  const server = tls.createServer({ cert: p.serverCert, key: p.serverKey, ca: p.caCert, requestCert: true, rejectUnauthorized: true }, (s) => { s.end(JSON.stringify(s.getPeerCertificate().subject)); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const got = await new Promise<string>((resolve, reject) => {
    const c = tls.connect({ host: "127.0.0.1", port, ca: p.caCert, cert: p.clientCert, key: p.clientKey }, () => {});
    let buf = ""; c.on("data", (d) => buf += d); c.on("end", () => resolve(buf)); c.on("error", reject);
  });
  server.close();
  expect(got).toContain("tsbinder test client");
});
