// Wire protocol versions (libbinder RpcSession.h). 0 = Android 13, 1 = Android 14-16r3,
// 2 = Android 16 QPR2 (binder positions in the object table). The r34 profile (Android 12
// layout as rsbinder speaks it by default) has no version number on the wire; the facade
// tracks it as a separate dialect.
export const WIRE_VERSION_MAX: u32 = 2;
export const WIRE_VERSION_EXPERIMENTAL: u32 = 0xf0000000;

export function versionSupported(v: u32): bool {
  return v <= WIRE_VERSION_MAX;
}
