/**
 * Constant-expression evaluation with AOSP aidl's typing rules:
 *
 * - Decimal literals are `int` if they fit in 32 bits, else `long`; `L` forces `long`.
 * - Hex literals take the smallest of int/long that holds them *as unsigned bits* and are then
 *   reinterpreted as signed: `0xffffffff` is the int -1, `0xfffffffff` a long.
 * - `u8` suffix: an unsigned byte literal reinterpreted as signed (`0x80u8 == -128`).
 * - Arithmetic follows C: byte/bool promote to int, the wider operand type wins, results wrap
 *   in two's complement (so `1 << 31` is INT_MIN); a negative shift count shifts the other way.
 * - Comparisons and logical operators produce booleans, which promote to int 0/1.
 * - `+` on two strings concatenates.
 *
 * All integers are computed as bigint so that 64-bit values are exact.
 */
import type { ConstExpr } from "./ast.js";
import { AidlError } from "./errors.js";

export type IntKind = "bool" | "int8" | "int32" | "int64";

export type Value =
  | { readonly t: IntKind; readonly v: bigint }
  | { readonly t: "float" | "double"; readonly v: number }
  | { readonly t: "string"; readonly v: string }
  | { readonly t: "char"; readonly v: number }
  | { readonly t: "array"; readonly items: readonly Value[] };

/** Resolves a (possibly qualified) constant/enumerator reference to its value. */
export type RefResolver = (name: string, pos: ConstExpr["pos"]) => Value;

const BITS: Record<IntKind, number> = { bool: 1, int8: 8, int32: 32, int64: 64 };
const RANK: Record<IntKind, number> = { bool: 0, int8: 1, int32: 2, int64: 3 };

export function wrap(v: bigint, t: IntKind): bigint {
  if (t === "bool") return v !== 0n ? 1n : 0n;
  return BigInt.asIntN(BITS[t], v);
}

function isInt(v: Value): v is { t: IntKind; v: bigint } {
  return v.t === "bool" || v.t === "int8" || v.t === "int32" || v.t === "int64";
}

function promote(v: Value): Value {
  if (v.t === "bool" || v.t === "int8") return { t: "int32", v: v.v };
  if (v.t === "char") return { t: "int32", v: BigInt(v.v) };
  return v;
}

function truthy(v: Value, pos: ConstExpr["pos"]): boolean {
  if (isInt(v)) return v.v !== 0n;
  if (v.t === "float" || v.t === "double") return v.v !== 0;
  throw new AidlError(pos, `a ${v.t} cannot be used as a condition`);
}

function bool(b: boolean): Value {
  return { t: "bool", v: b ? 1n : 0n };
}

export function parseIntLiteral(text: string, pos: ConstExpr["pos"]): Value {
  let body = text;
  let suffix: "" | "L" | "u8" = "";
  if (/[lL]$/.test(body)) { suffix = "L"; body = body.slice(0, -1); }
  else if (body.endsWith("u8")) { suffix = "u8"; body = body.slice(0, -2); }
  const hex = /^0[xX]/.test(body);
  const raw = BigInt(body); // BigInt understands 0x...
  if (suffix === "u8") {
    if (raw > 0xffn) throw new AidlError(pos, `u8 literal ${text} does not fit in 8 bits`);
    return { t: "int8", v: wrap(raw, "int8") };
  }
  if (hex) {
    if (suffix === "L" || raw > 0xffff_ffffn) {
      if (raw > 0xffff_ffff_ffff_ffffn) throw new AidlError(pos, `hex literal ${text} does not fit in 64 bits`);
      return { t: "int64", v: wrap(raw, "int64") };
    }
    return { t: "int32", v: wrap(raw, "int32") };
  }
  if (suffix === "L" || raw > 0x7fff_ffffn) {
    if (raw > 0x7fff_ffff_ffff_ffffn) throw new AidlError(pos, `integer literal ${text} does not fit in a long`);
    return { t: "int64", v: raw };
  }
  return { t: "int32", v: raw };
}

export function evaluate(e: ConstExpr, resolve: RefResolver): Value {
  switch (e.kind) {
    case "int": return parseIntLiteral(e.text, e.pos);
    case "float": {
      const isFloat = /[fF]$/.test(e.text);
      const v = Number(e.text.replace(/[fFdD]$/, ""));
      return isFloat ? { t: "float", v: Math.fround(v) } : { t: "double", v };
    }
    case "string": return { t: "string", v: e.value };
    case "char": return { t: "char", v: e.value.charCodeAt(0) };
    case "bool": return bool(e.value);
    case "ref": return resolve(e.name, e.pos);
    case "array": return { t: "array", items: e.items.map((i) => evaluate(i, resolve)) };
    case "ternary": return truthy(evaluate(e.cond, resolve), e.pos) ? evaluate(e.then, resolve) : evaluate(e.else, resolve);
    case "unary": return unary(e.op, evaluate(e.arg, resolve), e.pos);
    case "binary": {
      // && and || short-circuit like C (AOSP evaluates both sides, but the result is the same
      // for the constant expressions it accepts).
      const left = evaluate(e.left, resolve);
      if (e.op === "&&" || e.op === "||") {
        const l = truthy(left, e.pos);
        if (e.op === "&&" && !l) return bool(false);
        if (e.op === "||" && l) return bool(true);
        return bool(truthy(evaluate(e.right, resolve), e.pos));
      }
      return binary(e.op, left, evaluate(e.right, resolve), e.pos);
    }
  }
}

function unary(op: string, a: Value, pos: ConstExpr["pos"]): Value {
  if (op === "!") return bool(!truthy(a, pos));
  if (a.t === "float" || a.t === "double") {
    if (op === "-") return { t: a.t, v: -a.v };
    if (op === "+") return a;
    throw new AidlError(pos, `operator '${op}' cannot be applied to a floating-point value`);
  }
  const p = promote(a);
  if (!isInt(p)) throw new AidlError(pos, `operator '${op}' cannot be applied to a ${a.t}`);
  switch (op) {
    case "-": return { t: p.t, v: wrap(-p.v, p.t) };
    case "+": return p;
    case "~": return { t: p.t, v: wrap(~p.v, p.t) };
  }
  throw new AidlError(pos, `unknown unary operator '${op}'`);
}

function binary(op: string, a: Value, b: Value, pos: ConstExpr["pos"]): Value {
  if (a.t === "string" || b.t === "string") {
    if (a.t !== "string" || b.t !== "string") throw new AidlError(pos, `operator '${op}' needs two strings or two numbers`);
    switch (op) {
      case "+": return { t: "string", v: a.v + b.v };
      case "==": return bool(a.v === b.v);
      case "!=": return bool(a.v !== b.v);
    }
    throw new AidlError(pos, `operator '${op}' cannot be applied to strings`);
  }
  if (a.t === "array" || b.t === "array") throw new AidlError(pos, `operator '${op}' cannot be applied to an array`);
  if (a.t === "float" || a.t === "double" || b.t === "float" || b.t === "double") {
    const x = Number(a.v);
    const y = Number(b.v);
    const t = a.t === "double" || b.t === "double" ? "double" : "float";
    const r = (v: number): Value => ({ t, v: t === "float" ? Math.fround(v) : v });
    switch (op) {
      case "+": return r(x + y);
      case "-": return r(x - y);
      case "*": return r(x * y);
      case "/": return r(x / y);
      case "==": return bool(x === y);
      case "!=": return bool(x !== y);
      case "<": return bool(x < y);
      case ">": return bool(x > y);
      case "<=": return bool(x <= y);
      case ">=": return bool(x >= y);
    }
    throw new AidlError(pos, `operator '${op}' cannot be applied to floating-point values`);
  }
  const pa = promote(a) as { t: IntKind; v: bigint };
  const pb = promote(b) as { t: IntKind; v: bigint };
  switch (op) {
    case "==": return bool(pa.v === pb.v);
    case "!=": return bool(pa.v !== pb.v);
    case "<": return bool(pa.v < pb.v);
    case ">": return bool(pa.v > pb.v);
    case "<=": return bool(pa.v <= pb.v);
    case ">=": return bool(pa.v >= pb.v);
    case "<<": case ">>": {
      let n = pb.v;
      let left = op === "<<";
      if (n < 0n) { n = -n; left = !left; }
      const width = BigInt(BITS[pa.t]);
      if (n >= width) n = width; // beyond the width: all bits shifted out (sign-filled for >>)
      return { t: pa.t, v: wrap(left ? pa.v << n : pa.v >> n, pa.t) };
    }
  }
  const t: IntKind = RANK[pa.t] >= RANK[pb.t] ? pa.t : pb.t;
  switch (op) {
    case "+": return { t, v: wrap(pa.v + pb.v, t) };
    case "-": return { t, v: wrap(pa.v - pb.v, t) };
    case "*": return { t, v: wrap(pa.v * pb.v, t) };
    case "/": case "%":
      if (pb.v === 0n) throw new AidlError(pos, "division by zero in constant expression");
      return { t, v: wrap(op === "/" ? pa.v / pb.v : pa.v % pb.v, t) };
    case "&": return { t, v: wrap(pa.v & pb.v, t) };
    case "|": return { t, v: wrap(pa.v | pb.v, t) };
    case "^": return { t, v: wrap(pa.v ^ pb.v, t) };
  }
  throw new AidlError(pos, `unknown operator '${op}'`);
}
