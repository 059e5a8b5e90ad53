// koffi is an optional dependency: the Node adapter loads it only when file descriptors or a
// Unix peer's credentials are asked for. Simulated missing by running the built package from a
// directory where it cannot be resolved: plain sessions work, the peer is anonymous with the
// reason, and a session asking for fds fails its handshake with FDS_NOT_ALLOWED.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("the Node adapter without koffi", () => {
  it("serves plain sessions, reports peers as anonymous with the reason, refuses fds with FDS_NOT_ALLOWED", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbinder-noffi-"));
    try {
      for (const part of ["src", "native", "runtimes/node"]) cpSync(join(root, "dist", part), join(dir, "dist", part), { recursive: true });
      cpSync(join(root, "test/native/fixtures/without-ffi.mjs"), join(dir, "run.mjs"));
      const out = execFileSync(process.execPath, [join(dir, "run.mjs"), dir], { cwd: dir, encoding: "utf8", timeout: 20_000 });
      const result = JSON.parse(out.split("\n").find((l) => l.startsWith("RESULT "))!.slice(7));
      expect(result.identity.kind).toBe("anonymous");
      expect(result.identity.reason).toMatch(/koffi/);
      expect(result.fds.name).toBe("HandshakeError");
      expect(result.fds.message).toMatch(/file descriptors|FDS|fd/i);
      expect(result.fds.status).toBe(-2147483641); // FDS_NOT_ALLOWED
      expect(result.fdServer).toBe("listening");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
