/**
 * Compiler diagnostics. Every user-facing problem (syntax, resolution, semantic check, unsupported
 * construct) is an AidlError carrying a source position, printed as `file:line:col: message` like
 * AOSP's aidl and most compilers, so editors can jump to it.
 */
export interface SourcePos {
  /** Path of the .aidl file as given by the user (or relative to its import root). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (UTF-16 units). */
  readonly col: number;
}

export class AidlError extends Error {
  override readonly name = "AidlError";
  constructor(
    readonly pos: SourcePos,
    readonly detail: string,
  ) {
    super(`${pos.file}:${pos.line}:${pos.col}: ${detail}`);
  }
}

/** Thrown when several AidlErrors were found; `errors` lists them in source order. */
export class AidlErrors extends Error {
  override readonly name = "AidlErrors";
  constructor(readonly errors: readonly AidlError[]) {
    super(errors.map((e) => e.message).join("\n"));
  }
}
