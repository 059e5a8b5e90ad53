/**
 * Hand-written lexer for AIDL. Produces a flat token array; comments are dropped except that the
 * last `/** ... *\/` doc comment before a token is attached to it (the parser copies it onto the
 * declaration that starts at that token).
 *
 * `>` is always a single token so that `List<List<String>>` needs no special casing; the
 * expression parser re-joins two adjacent `>` into a right shift.
 */
import { AidlError } from "./errors.js";

export type TokenKind = "ident" | "int" | "float" | "string" | "char" | "punct" | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** Source text (for strings/chars: the decoded value). */
  readonly text: string;
  readonly line: number;
  readonly col: number;
  /** Offset of the first character in the file; used to test adjacency (`>` `>`). */
  readonly offset: number;
  readonly end: number;
  /** Doc comment (`/** *\/`) immediately preceding this token, without the comment markers. */
  readonly doc?: string;
  /**
   * Every comment between the previous token and this one, as written (markers included): API
   * dumps keep `@hide`/`@deprecated` and a file's license header from them.
   */
  readonly comments?: readonly string[];
  /** Strings and chars: the literal as written, quotes and escapes included. */
  readonly raw?: string;
}

// Longest first: the scanner tries these in order.
const PUNCTS = [
  "<<", "<=", ">=", "==", "!=", "&&", "||",
  "{", "}", "(", ")", "[", "]", "<", ">", ";", ",", "=", ".", "@",
  "+", "-", "*", "/", "%", "!", "~", "&", "|", "^", "?", ":",
];

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= "0" && c <= "9");
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

export function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let pendingDoc: string | undefined;
  let pendingComments: string[] | undefined;
  const n = source.length;
  const comment = (text: string) => (pendingComments ??= []).push(text);

  const err = (at: number, msg: string): never => {
    // Compute line/col of `at` (it is on the current line or later in the same token).
    let l = line;
    let ls = lineStart;
    for (let k = lineStart; k < at; k++) if (source[k] === "\n") { l++; ls = k + 1; }
    throw new AidlError({ file, line: l, col: at - ls + 1 }, msg);
  };

  const advanceNewlines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (source[k] === "\n") { line++; lineStart = k + 1; }
    }
  };

  while (i < n) {
    const c = source[i]!;
    if (c === "\n") { line++; lineStart = i + 1; i++; continue; }
    if (c === " " || c === "\t" || c === "\r" || c === "\f") { i++; continue; }
    if (c === "/" && source[i + 1] === "/") {
      const from = i;
      while (i < n && source[i] !== "\n") i++;
      comment(source.slice(from, i).replace(/\r$/, ""));
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      if (close < 0) err(i, "unterminated comment");
      const isDoc = source[i + 2] === "*" && close > i + 2; // `/**/` is not a doc comment
      if (isDoc) pendingDoc = cleanDoc(source.slice(i + 3, close));
      comment(source.slice(i, close + 2));
      advanceNewlines(i, close + 2);
      i = close + 2;
      continue;
    }

    const start = i;
    const col = i - lineStart + 1;
    const startLine = line;
    const push = (kind: TokenKind, text: string) => {
      const tok: { -readonly [K in keyof Token]: Token[K] } = { kind, text, line: startLine, col, offset: start, end: i };
      if (pendingDoc !== undefined) tok.doc = pendingDoc;
      if (pendingComments !== undefined) tok.comments = pendingComments;
      if (kind === "string" || kind === "char") tok.raw = source.slice(start, i);
      pendingDoc = undefined;
      pendingComments = undefined;
      tokens.push(tok);
    };

    if (isIdentStart(c)) {
      while (i < n && isIdentPart(source[i]!)) i++;
      push("ident", source.slice(start, i));
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(source[i + 1] ?? ""))) {
      i = scanNumber(source, i, (msg) => err(start, msg));
      const text = source.slice(start, i);
      const isFloat = !/^0[xX]/.test(text) && /[.eEfFdD]/.test(text.replace(/u8$/, ""));
      push(isFloat ? "float" : "int", text);
      continue;
    }
    if (c === '"') {
      i++;
      let value = "";
      for (;;) {
        if (i >= n || source[i] === "\n") err(start, "unterminated string literal");
        const d = source[i]!;
        if (d === '"') { i++; break; }
        if (d === "\\") {
          const [ch, next] = decodeEscape(source, i, (msg) => err(i, msg));
          value += ch;
          i = next;
        } else {
          value += d;
          i++;
        }
      }
      push("string", value);
      continue;
    }
    if (c === "'") {
      i++;
      let value: string;
      if (source[i] === "\\") {
        const [ch, next] = decodeEscape(source, i, (msg) => err(i, msg));
        value = ch;
        i = next;
      } else {
        if (i >= n || source[i] === "'" || source[i] === "\n") err(start, "empty or unterminated character literal");
        value = source[i]!;
        i++;
      }
      if (source[i] !== "'") err(start, "character literal must contain exactly one character");
      i++;
      push("char", value);
      continue;
    }
    const p = PUNCTS.find((s) => source.startsWith(s, i));
    if (p === undefined) err(i, `unexpected character '${c}'`);
    i += p!.length;
    push("punct", p!);
  }
  const col = i - lineStart + 1;
  tokens.push({ kind: "eof", text: "<end of file>", line, col, offset: i, end: i });
  return tokens;
}

/** Numbers: decimal/hex integers with optional `L`/`l` or `u8` suffix; Java-like floats. */
function scanNumber(s: string, i: number, fail: (msg: string) => never): number {
  const n = s.length;
  if (s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X")) {
    i += 2;
    const digitsStart = i;
    while (i < n && /[0-9a-fA-F]/.test(s[i]!)) i++;
    if (i === digitsStart) fail("hex literal needs at least one digit");
  } else {
    while (i < n && isDigit(s[i]!)) i++;
    let isFloat = false;
    if (s[i] === "." && isDigit(s[i + 1] ?? "")) {
      isFloat = true;
      i++;
      while (i < n && isDigit(s[i]!)) i++;
    } else if (s[i] === "." && !isIdentStart(s[i + 1] ?? "")) {
      // `1.` is a valid Java float literal
      isFloat = true;
      i++;
    }
    if (s[i] === "e" || s[i] === "E") {
      isFloat = true;
      i++;
      if (s[i] === "+" || s[i] === "-") i++;
      const expStart = i;
      while (i < n && isDigit(s[i]!)) i++;
      if (i === expStart) fail("malformed exponent in floating-point literal");
    }
    if (s[i] === "f" || s[i] === "F" || s[i] === "d" || s[i] === "D") { i++; isFloat = true; }
    if (isFloat) {
      if (isIdentPart(s[i] ?? "")) fail("malformed floating-point literal");
      return i;
    }
  }
  if (s[i] === "L" || s[i] === "l") i++;
  else if (s[i] === "u" && s[i + 1] === "8") i += 2;
  if (isIdentPart(s[i] ?? "")) fail(`malformed number literal '${s.slice(i - 1, i + 2)}'`);
  return i;
}

function decodeEscape(s: string, i: number, fail: (msg: string) => never): [string, number] {
  const e = s[i + 1];
  switch (e) {
    case "n": return ["\n", i + 2];
    case "t": return ["\t", i + 2];
    case "r": return ["\r", i + 2];
    case "b": return ["\b", i + 2];
    case "f": return ["\f", i + 2];
    case "0": return ["\0", i + 2];
    case "\\": return ["\\", i + 2];
    case "'": return ["'", i + 2];
    case '"': return ['"', i + 2];
    case "u": {
      const hex = s.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("malformed \\u escape (need 4 hex digits)");
      return [String.fromCharCode(parseInt(hex, 16)), i + 6];
    }
    default:
      return fail(`unknown escape sequence '\\${e ?? ""}'`);
  }
}

/** Strip the leading `*` decoration of a doc comment body, keep the text. */
function cleanDoc(body: string): string {
  return body
    .split("\n")
    .map((l) => l.replace(/^\s*\*? ?/, "").trimEnd())
    .join("\n")
    .trim();
}
