// Object addresses. On the Android 13+ wire an address is {u32 options, u32 id} (options bit 0
// CREATED, bit 1 FOR_SERVER = allocated by the server side of the session); the r34 dialect
// uses 32 opaque bytes, which rsbinder fills with a u64 counter and a role tag in byte 8
// (1 = client, 2 = server). Inside the session an address is a key: a number for the
// former (id * 4 + options, exact below 2^53), a hex string for the latter.
import { AddressOption, type WireAddress } from "../wire/structs.js";

export type AddressKey = number | string;

export interface WireAddr { options: number; id: number; r34?: Uint8Array }

/** The address as a frame carries it: {options, id}, or the r34 dialect's 32 bytes. */
export function onWire(a: WireAddr): WireAddress | Uint8Array {
  return a.r34 ?? a;
}

export const KNOWN_OPTIONS = AddressOption.CREATED | AddressOption.FOR_SERVER;

export function keyOf(a: WireAddr): AddressKey {
  if (a.r34) return hex(a.r34);
  return a.id * 4 + (a.options & 3);
}

export function addrOfKey(key: AddressKey): WireAddr {
  if (typeof key === "string") return { options: 0, id: 0, r34: unhex(key) };
  return { options: key % 4, id: Math.floor(key / 4) };
}

/** Was this address allocated by the server side of its session? */
export function isServerAllocated(a: WireAddr): boolean {
  if (a.r34) return a.r34[8] === 2;
  return (a.options & AddressOption.FOR_SERVER) !== 0;
}

export function r34Address(counter: number, server: boolean): Uint8Array {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setBigUint64(0, BigInt(counter), true);
  b[8] = server ? 2 : 1;
  return b;
}

export function formatAddress(key: AddressKey): string {
  if (typeof key === "string") return `r34:${key.slice(0, 18)}`;
  const a = addrOfKey(key);
  return `{options ${a.options}, id ${a.id}}`;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += (x < 16 ? "0" : "") + x.toString(16);
  return s;
}
function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}
