// Unix socket addresses as Node-style paths, and the socket files listeners leave behind
// (node:fs; Bun's adapter shares these).
import { existsSync, statSync, unlinkSync } from "node:fs";
import { socketPath } from "../../src/transports/net.js";

export { socketPath };

/** A socket file left by a previous run would make listen fail with EADDRINUSE. */
export function removeStaleSocket(address: string): void {
  const path = socketPath(address);
  if (!address.startsWith("@") && existsSync(path) && statSync(path).isSocket()) unlinkSync(path);
}

/** Remove a listener's socket file (abstract sockets have none). */
export function removeSocketFile(address: string): void {
  if (!address.startsWith("@")) { try { unlinkSync(address); } catch { /* already gone */ } }
}
