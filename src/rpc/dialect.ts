// What a session speaks: an Android 13+ wire version (0, 1, 2), or the Android 12 layout in
// rsbinder's default framing ("r34": 32-byte addresses, u32 length prefix per message, no
// handshake). Fixed for a session's lifetime.
import { MODE } from "../core/layout.js";
import type { FrameDialect } from "../wire/frames.js";

export type Dialect =
  | { readonly r34: false; readonly version: number; readonly fds: boolean }
  | { readonly r34: true; readonly version: 0; readonly fds: false };

export const R34: Dialect = { r34: true, version: 0, fds: false };

export function aosp(version: number, fds = false): Dialect {
  return { r34: false, version, fds: fds && version >= 1 };
}

/** Parcel mode bits for parcels written or read in this dialect. */
export function parcelMode(d: Dialect): number {
  if (d.r34) return MODE.R34;
  return (d.version >= 2 ? MODE.BINDER_POSITIONS : 0) | (d.fds ? MODE.FDS : 0);
}

export function dialectName(d: Dialect): string {
  return d.r34 ? "r34 (Android 12 layout, rsbinder framing)" : `wire v${d.version}`;
}

/** The dialect as the frame builders take it (wire/frames.ts): the version, or "r34". */
export function frameDialect(d: Dialect): FrameDialect {
  return d.r34 ? "r34" : d.version;
}
