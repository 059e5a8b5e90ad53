// Field offsets of the parcel handle and the mode flags, mirrored from assembly/parcel/layout.ts
// (the authority; test/core/layout.test.ts checks the two agree).
export const F = {
  BUF: 0, CAP: 4, START: 8, SIZE: 12, POS: 16, OBJS: 20, NOBJ: 24, OBJCAP: 28,
  ERR: 32, ERR_AT: 36, ERR_NEED: 40, OUT_A: 44, OUT_B: 48, MODE: 52, MAX: 56, NFD: 60,
  BAD_ENTRY: 64,
} as const;

export const MODE = { BINDER_POSITIONS: 1, R34: 2, FDS: 4, CHECK_TABLE: 8 } as const;
