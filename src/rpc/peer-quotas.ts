// Per-peer-identity caps of a server: sessions, connections and bytes held for incoming frames
// per uid (Unix sockets) or client certificate (TLS), so one identity cannot take every slot or
// the whole memory budget and lock the others out. In-process peers ("local": this very
// process) and anonymous ones (no identity to tell them apart; admitted only when the server
// allows them) are not counted per identity; the server-wide limits still apply to them.
import type { PeerIdentity } from "./transport.js";
import { MemoryBudget } from "./budget.js";

export interface PeerCaps {
  maxSessionsPerPeer: number;
  maxConnectionsPerPeer: number;
  maxIncomingBytesPerPeer: number;
}

/** The key peers are counted under, or null for peers that are not counted per identity. */
export function peerKey(peer: PeerIdentity): string | null {
  switch (peer.kind) {
    case "unix": return `uid ${peer.uid}`;
    case "certificate": return `certificate ${peer.fingerprint256}`;
    default: return null;
  }
}

class PeerUsage {
  sessions = 0;
  connections = 0;
  readonly bytes: MemoryBudget;
  constructor(maxBytes: number) { this.bytes = new MemoryBudget(maxBytes); }
  get idle(): boolean { return this.sessions === 0 && this.connections === 0 && this.bytes.used === 0; }
}

export class PeerQuotas {
  private readonly usage = new Map<string, PeerUsage>();

  constructor(private readonly caps: PeerCaps) {}

  /** Count a connection of `peer`; returns its release, or a reason it is refused. */
  addConnection(peer: PeerIdentity): (() => void) | string {
    return this.take(peer, "connections", this.caps.maxConnectionsPerPeer);
  }

  /** Count a session of `peer`; returns its release, or a reason it is refused. */
  addSession(peer: PeerIdentity): (() => void) | string {
    return this.take(peer, "sessions", this.caps.maxSessionsPerPeer);
  }

  /** The byte budget shared by every connection of `peer` (null: not counted per identity). */
  budget(peer: PeerIdentity): MemoryBudget | null {
    const key = peerKey(peer);
    return key === null ? null : this.entry(key).bytes;
  }

  private take(peer: PeerIdentity, what: "sessions" | "connections", cap: number): (() => void) | string {
    const key = peerKey(peer);
    if (key === null) return () => {};
    const u = this.entry(key);
    if (u[what] >= cap) return `${key} already has ${u[what]} ${what} (max${what === "sessions" ? "Sessions" : "Connections"}PerPeer ${cap})`;
    u[what]++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      u[what]--;
      if (u.idle) this.usage.delete(key);
    };
  }

  private entry(key: string): PeerUsage {
    let u = this.usage.get(key);
    if (!u) {
      u = new PeerUsage(this.caps.maxIncomingBytesPerPeer);
      this.usage.set(key, u);
    }
    return u;
  }
}
