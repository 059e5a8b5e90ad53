// UTF-8 -> UTF-16 transcoding, UTF-8 validation and Latin-1 narrowing. The facade gets UTF-8
// from TextEncoder.encodeInto (native speed) for well-formed strings, the parcel stores UTF-16LE
// as binder does. UTF-16 is never validated: a String16 carries any code units (strings.ts).
// Each loop first runs 16 bytes at a time in SIMD (the core is built with --enable simd; V8 and
// JSC have had wasm SIMD since 2021-23) over the common case, ASCII or Latin-1 text, and drops
// to the scalar code at the first block that is not.

/** Count the UTF-16 units of a UTF-8 sequence; -1 if malformed (overlong, surrogate, >U+10FFFF). */
export function utf16Length(src: usize, n: u32): i32 {
  let i: u32 = 0;
  // ASCII, 16 bytes at a time: a byte with its top bit set ends the block run
  while (i + 16 <= n && i8x16.bitmask(v128.load(src + i)) == 0) i += 16;
  let units: i32 = <i32>i;
  while (i < n) {
    const b0 = <u32>load<u8>(src + i);
    if (b0 < 0x80) { i += 1; units += 1; continue; }
    if (b0 < 0xc2) return -1;
    if (b0 < 0xe0) {
      if (i + 1 >= n || (<u32>load<u8>(src + i + 1) & 0xc0) != 0x80) return -1;
      i += 2; units += 1; continue;
    }
    if (b0 < 0xf0) {
      if (i + 2 >= n) return -1;
      const b1 = <u32>load<u8>(src + i + 1), b2 = <u32>load<u8>(src + i + 2);
      if ((b1 & 0xc0) != 0x80 || (b2 & 0xc0) != 0x80) return -1;
      const cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
      i += 3; units += 1; continue;
    }
    if (b0 < 0xf5) {
      if (i + 3 >= n) return -1;
      const b1 = <u32>load<u8>(src + i + 1), b2 = <u32>load<u8>(src + i + 2), b3 = <u32>load<u8>(src + i + 3);
      if ((b1 & 0xc0) != 0x80 || (b2 & 0xc0) != 0x80 || (b3 & 0xc0) != 0x80) return -1;
      const cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return -1;
      i += 4; units += 2; continue;
    }
    return -1;
  }
  return units;
}

/** Transcode validated UTF-8 into UTF-16LE at dst. */
export function utf8ToUtf16(src: usize, n: u32, dst: usize): void {
  let i: u32 = 0;
  let o = dst;
  // ASCII, 16 bytes at a time, each widened to a unit
  while (i + 16 <= n) {
    const v = v128.load(src + i);
    if (i8x16.bitmask(v) != 0) break;
    v128.store(o, i16x8.extend_low_i8x16_u(v));
    v128.store(o, i16x8.extend_high_i8x16_u(v), 16);
    i += 16; o += 32;
  }
  // then 4 bytes at a time
  while (i + 4 <= n) {
    const w = load<u32>(src + i);
    if ((w & 0x80808080) != 0) break;
    store<u64>(o, (<u64>(w & 0xff)) | (<u64>((w >> 8) & 0xff) << 16) | (<u64>((w >> 16) & 0xff) << 32) | (<u64>(w >>> 24) << 48));
    i += 4; o += 8;
  }
  while (i < n) {
    const b0 = <u32>load<u8>(src + i);
    if (b0 < 0x80) { store<u16>(o, <u16>b0); i += 1; o += 2; continue; }
    if (b0 < 0xe0) {
      store<u16>(o, <u16>(((b0 & 0x1f) << 6) | (<u32>load<u8>(src + i + 1) & 0x3f)));
      i += 2; o += 2; continue;
    }
    if (b0 < 0xf0) {
      store<u16>(o, <u16>(((b0 & 0x0f) << 12) | ((<u32>load<u8>(src + i + 1) & 0x3f) << 6) | (<u32>load<u8>(src + i + 2) & 0x3f)));
      i += 3; o += 2; continue;
    }
    const cp = ((b0 & 0x07) << 18) | ((<u32>load<u8>(src + i + 1) & 0x3f) << 12) |
      ((<u32>load<u8>(src + i + 2) & 0x3f) << 6) | (<u32>load<u8>(src + i + 3) & 0x3f);
    const v = cp - 0x10000;
    store<u16>(o, <u16>(0xd800 | (v >> 10)));
    store<u16>(o + 2, <u16>(0xdc00 | (v & 0x3ff)));
    i += 4; o += 4;
  }
}

/** Narrow `units` UTF-16 code units at src to one byte each at dst, if every unit is below
 *  0x100 (Latin-1, which has no surrogates: such text is also well-formed). False, with dst
 *  partly written, at the first unit that is not. */
export function utf16ToLatin1(src: usize, units: u32, dst: usize): bool {
  let i: u32 = 0;
  // 16 units at a time: every high byte zero, then the low bytes packed (an unsigned
  // saturating narrow, exact when every unit is below 0x100)
  const high = i16x8.splat(<i16>0xff00);
  while (i + 16 <= units) {
    const a = v128.load(src + (<usize>i << 1)), b = v128.load(src + (<usize>i << 1), 16);
    if (v128.any_true(v128.and(v128.or(a, b), high))) return false;
    v128.store(dst + i, i8x16.narrow_i16x8_u(a, b));
    i += 16;
  }
  // 4 units at a time: all high bytes zero, then the low bytes packed
  while (i + 4 <= units) {
    const w = load<u64>(src + (<usize>i << 1));
    if ((w & 0xff00ff00ff00ff00) != 0) return false;
    store<u32>(dst + i, <u32>((w & 0xff) | ((w >> 8) & 0xff00) | ((w >> 16) & 0xff0000) | ((w >> 24) & 0xff000000)));
    i += 4;
  }
  while (i < units) {
    const u = <u32>load<u16>(src + (<usize>i << 1));
    if (u > 0xff) return false;
    store<u8>(dst + i, <u8>u);
    i++;
  }
  return true;
}

/** True when n bytes at src are well-formed UTF-8. */
export function utf8Valid(src: usize, n: u32): bool {
  return utf16Length(src, n) >= 0;
}
