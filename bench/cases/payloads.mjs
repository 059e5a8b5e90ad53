// The payload of each latency case, the same for every system.
// echo-1k: 512 ASCII characters, i.e. 1,024 bytes of UTF-16 (a String16 in a parcel; 512
// bytes of UTF-8 in a protobuf string or capnweb's JSON).
export const ECHO_TEXT = "0123456789abcdef".repeat(32);

export function payloadOf(kase) {
  switch (kase) {
    case "null-call": return undefined;
    case "echo-1k": return ECHO_TEXT;
    case "bytes-64k": return pattern(64 * 1024);
    case "bytes-1m": return pattern(1024 * 1024);
    default: throw new Error(`no payload for ${kase}`);
  }
}

/** Bytes per call in one direction (for MB/s). */
export const payloadBytes = (p) => (p === undefined ? 0 : typeof p === "string" ? p.length * 2 : p.length);

function pattern(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}
