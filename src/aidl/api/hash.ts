/**
 * The hash of a frozen AIDL API version, computed the way AOSP's build computes it when a version
 * is frozen (Soong's aidl_interface, `aidl_api.go`), so a `.hash` file next to a frozen
 * `aidl_api/<module>/<N>/` directory verifies. Soong runs, inside the version's directory:
 *
 *   (find ./ -name "*.aidl" -print0 | LC_ALL=C sort -z | xargs -0 sha1sum && echo <latest>) | sha1sum
 *
 * where `<latest>` is the newest version frozen *before* this one, or the literal string
 * `latest-version` for a module's first version. That is: one `sha1sum` line per file
 * ("<hex>  ./a/b/C.aidl\n") in byte order of the paths, then "<latest>\n", hashed again.
 */
import { sha1Hex } from "./sha1.js";

/** What Soong echoes for the first frozen version of a module. */
export const FIRST_VERSION_MARKER = "latest-version";

export interface ApiFile {
  /** Path relative to the version's directory, `/`-separated (`android/hardware/light/HwLight.aidl`). */
  readonly path: string;
  /** The file's bytes (text is hashed as UTF-8). */
  readonly content: Uint8Array | string;
}

const utf8 = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The frozen-API hash of the `.aidl` files of one version directory. `previousVersion`: the
 * version frozen before it (`undefined` for the first one).
 */
export function frozenApiHash(files: readonly ApiFile[], previousVersion: number | string | undefined): string {
  const entries = files
    .filter((f) => f.path.endsWith(".aidl"))
    .map((f) => ({ name: utf8.encode(`./${f.path.replace(/^\.\//, "")}`), content: typeof f.content === "string" ? utf8.encode(f.content) : f.content }))
    .sort((a, b) => compareBytes(a.name, b.name));
  const decoder = new TextDecoder();
  let listing = "";
  for (const e of entries) listing += `${sha1Hex(e.content)}  ${decoder.decode(e.name)}\n`;
  listing += `${previousVersion ?? FIRST_VERSION_MARKER}\n`;
  return sha1Hex(utf8.encode(listing));
}

/** The version frozen right before `version` among `frozen` (numbers of a module's versions). */
export function previousVersionOf(version: number, frozen: readonly number[]): number | undefined {
  let prev: number | undefined;
  for (const v of frozen) if (v < version && (prev === undefined || v > prev)) prev = v;
  return prev;
}
