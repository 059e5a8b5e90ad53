// Read results copied out of linear memory (core.ts copyOwned): each is a plain Uint8Array (or
// a typed array made from one) over an ArrayBuffer of its own, exactly its size, whichever way
// the runtime copies it: allocate-and-set, slice(), or, from a threshold up, memory that is
// not zero-filled first (the Node platform's, Buffer.allocUnsafeSlow's).
import { describe, expect, it } from "vitest";
import { Parcel } from "tsbinder";
import type { Platform } from "tsbinder/transport";
import { derivePlatform } from "../../src/platform/platform.js";
import { nodePlatform } from "../../runtimes/node/index.js";

const KiB = 1024;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

function roundTrip(a: Uint8Array, platform: Platform = nodePlatform): Uint8Array {
  const p = new Parcel({ platform });
  try {
    p.writeByteArray(a);
    p.dataPosition = 0;
    return p.readByteArray()!;
  } finally {
    p.dispose();
  }
}

/** The Node platform with another allocator for owned copies from 16 KiB up. */
const unzeroedBy = (unzeroed: (n: number) => Uint8Array): Platform =>
  derivePlatform(nodePlatform, { bytes: { ...nodePlatform.bytes, unzeroed, unzeroedFrom: 16 * KiB } });

describe("owned copies out of linear memory", () => {
  it("with the Node platform: byte[] results of every size are plain, whole and their own", () => {
    for (const n of [0, 1, 63, 4 * KiB, 16 * KiB - 1, 16 * KiB, 64 * KiB + 3, 1024 * KiB]) {
      const a = pattern(n);
      const got = roundTrip(a);
      expect(Object.getPrototypeOf(got)).toBe(Uint8Array.prototype); // not a Buffer (its slice() is a view)
      expect(got.byteOffset).toBe(0);
      expect(got.buffer.byteLength).toBe(n); // its own memory: not a slab shared with others
      expect(Buffer.from(got).equals(Buffer.from(a))).toBe(true);
    }
  });

  it("two results never share memory: writing one leaves the other as read", () => {
    const a = roundTrip(pattern(64 * KiB)), b = roundTrip(pattern(64 * KiB));
    expect(a.buffer).not.toBe(b.buffer);
    a.fill(0);
    expect(Buffer.from(b).equals(Buffer.from(pattern(64 * KiB)))).toBe(true);
  });

  it("int32[], float64[] and long[] read through an owned copy's buffer come back exact", () => {
    const ints = Array.from({ length: 8 * KiB }, (_, i) => (i * 2654435761) | 0); // 32 KiB
    const doubles = Array.from({ length: 4 * KiB }, (_, i) => i / 7); // 32 KiB
    const longs = Array.from({ length: 4 * KiB }, (_, i) => BigInt(i) * -3000000007n);
    const p = new Parcel({ platform: nodePlatform });
    try {
      p.writeInt32Array(ints);
      p.writeDoubleArray(doubles);
      p.writeInt64Array(longs);
      p.dataPosition = 0;
      expect(p.readInt32Array()).toEqual(ints);
      expect(p.readDoubleArray()).toEqual(doubles);
      expect(p.readInt64Array()).toEqual(longs);
    } finally {
      p.dispose();
    }
  });

  it("copies from the threshold up go to the platform's allocator, and only those", () => {
    const sizes: number[] = [];
    const recording = unzeroedBy((n) => { sizes.push(n); return new Uint8Array(n); });
    for (const n of [100, 16 * KiB - 1, 16 * KiB, 100 * KiB]) expect(roundTrip(pattern(n), recording).length).toBe(n);
    expect(sizes).toEqual([16 * KiB, 100 * KiB]);
  });

  it("memory that is not zeroed is overwritten whole: an allocator handing out garbage changes nothing", () => {
    const garbage = unzeroedBy((n) => new Uint8Array(n).fill(0xa5));
    const zeros = new Uint8Array(64 * KiB);
    expect(roundTrip(zeros, garbage).every((x) => x === 0)).toBe(true);
  });
});
