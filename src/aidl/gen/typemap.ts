/**
 * AIDL type → TypeScript: the TS type, the statement that writes a value, the expression that
 * reads one, the default value and constant literals. The wire layout for each type is the one of
 * rpc-wire.md §3 (see docs/aidl.md for the table).
 */
import { hasAnnotation, type EnumDecl } from "../ast.js";
import { AidlError, type SourcePos } from "../errors.js";
import type { TypedConst } from "../model.js";
import { describeType, type AidlType } from "../types.js";
import type { GenContext } from "./context.js";

/** Binder-like values have no natural default, so as parcelable fields they are `T | null`. */
export function isBinderLike(t: AidlType): boolean {
  return t.kind === "ibinder" || t.kind === "interface" || t.kind === "pfd" || t.kind === "fd";
}

function orNull(s: string, nullable: boolean): string {
  return nullable ? `${s} | null` : s;
}

function paren(s: string): string {
  return /[|&]/.test(s) ? `(${s})` : s;
}

export function tsType(ctx: GenContext, t: AidlType): string {
  switch (t.kind) {
    case "void": return "void";
    case "primitive":
      return t.name === "boolean" ? "boolean" : t.name === "long" ? "bigint" : "number";
    case "string": return orNull("string", t.nullable);
    case "ibinder": return orNull(ctx.rt("IBinder"), t.nullable);
    case "pfd": case "fd": return orNull(ctx.rt("ParcelFileDescriptor"), t.nullable);
    case "holder": return orNull(ctx.rt("ParcelableHolder"), t.nullable);
    case "array":
      if (t.elem.kind === "primitive" && t.elem.name === "byte") return orNull("Uint8Array", t.nullable);
      return orNull(`${paren(tsType(ctx, t.elem))}[]`, t.nullable);
    case "list": return orNull(`${paren(tsType(ctx, t.elem))}[]`, t.nullable);
    case "map": return orNull(`Map<string, ${tsType(ctx, t.value)}>`, t.nullable);
    case "enum": return ctx.ref(t.decl);
    case "unionTag": return ctx.ref(t.decl, "_Tag");
    case "interface": return orNull(ctx.ref(t.decl), t.nullable);
    case "parcelable": case "union": {
      const args = t.args.length ? `<${t.args.map((a) => tsType(ctx, a)).join(", ")}>` : "";
      return orNull(ctx.ref(t.decl) + args, t.nullable);
    }
    case "typeParam": return t.name;
  }
}

/** Type of a parcelable/union field: binder-like non-nullable fields become `T | null`. */
export function fieldType(ctx: GenContext, t: AidlType): string {
  return isBinderLike(t) && !("nullable" in t && t.nullable) ? `${tsType(ctx, t)} | null` : tsType(ctx, t);
}

function backing(ctx: GenContext, d: EnumDecl) {
  return ctx.model.backing(d);
}

const PACKED_WRITE: Record<string, string> = {
  boolean: "writeBoolArray", byte: "writeByteArray", char: "writeCharArray", int: "writeInt32Array",
  long: "writeInt64Array", float: "writeFloatArray", double: "writeDoubleArray",
};
const PACKED_READ: Record<string, string> = {
  boolean: "readBoolArray", byte: "readByteArray", char: "readCharArray", int: "readInt32Array",
  long: "readInt64Array", float: "readFloatArray", double: "readDoubleArray",
};
const SCALAR_WRITE: Record<string, string> = {
  boolean: "writeBool", byte: "writeByte", char: "writeChar", int: "writeInt32", long: "writeInt64",
  float: "writeFloat", double: "writeDouble",
};
const SCALAR_READ: Record<string, string> = {
  boolean: "readBool", byte: "readByte", char: "readChar", int: "readInt32", long: "readInt64",
  float: "readFloat", double: "readDouble",
};
const BACKING_PRIM = { byte: "byte", int: "int", long: "long" } as const;

/**
 * Statement(s) writing `v` of type `t` to parcel `p`. `depth` keeps lambda variables unique in
 * nested containers. `lenient` is set for binder-like parcelable fields (typed `T | null`).
 * `own`: a stub writing a result: the reply takes ownership of file descriptors (it closes them
 * once sent, as libbinder's and Java's stubs do with returned descriptors).
 */
export function writeValue(ctx: GenContext, t: AidlType, v: string, p: string, pos: SourcePos, depth = 0, lenient = false, own = false): string {
  const take = own ? ", true" : "";
  const e = `e${depth}`;
  switch (t.kind) {
    case "primitive": return `${p}.${SCALAR_WRITE[t.name]}(${v});`;
    case "string": return `${p}.writeString16(${v});`;
    case "ibinder": return `${p}.writeStrongBinder(${v});`;
    case "interface":
      return t.nullable || lenient ? `${p}.writeStrongBinder(${v}?.asBinder() ?? null);` : `${p}.writeStrongBinder(${v}.asBinder());`;
    case "pfd": return `${p}.writeParcelFileDescriptor(${v}${take});`;
    case "fd":
      if (t.nullable || lenient) return `${p}.writeFileDescriptor(${ctx.rt("requireValue")}(${p}, ${v}, "FileDescriptor")${take});`;
      return `${p}.writeFileDescriptor(${v}${take});`;
    case "holder": case "parcelable": return `${ctx.rt("writeParcelable")}(${p}, ${v});`;
    case "union": return `${ctx.rt("writeUnion")}(${p}, ${ctx.ref(t.decl)}, ${v});`;
    case "enum": return `${p}.${SCALAR_WRITE[BACKING_PRIM[backing(ctx, t.decl)]]}(${v});`;
    case "unionTag": return `${p}.writeInt32(${v});`;
    case "array": case "list": {
      const val = t.kind === "array" && t.size !== null ? `${ctx.rt("checkFixedSize")}(${p}, ${v}, ${t.size})` : v;
      const el = t.elem;
      if (el.kind === "primitive") return `${p}.${PACKED_WRITE[el.name]}(${val});`;
      if (el.kind === "string") return `${p}.writeString16Array(${val});`;
      if (el.kind === "unionTag") return `${p}.writeInt32Array(${val});`;
      if (el.kind === "enum") {
        const b = backing(ctx, el.decl);
        if (b === "byte") return `${ctx.rt("writeByteEnumArray")}(${p}, ${val});`;
        return `${p}.${PACKED_WRITE[b]}(${val});`;
      }
      return `${ctx.rt("writeArray")}(${p}, ${val}, (${p}, ${e}) => { ${writeValue(ctx, el, e, p, pos, depth + 1, false, own)} });`;
    }
    case "map":
      return `${ctx.rt("writeMap")}(${p}, ${v}, (${p}, ${e}) => { ${writeValue(ctx, t.value, e, p, pos, depth + 1, false, own)} });`;
    case "void": case "typeParam":
      throw new AidlError(pos, `cannot serialize a value of type ${describeType(t)}`);
  }
}

/** Expression reading a value of type `t` from parcel `p` (non-@nullable values are checked). */
export function readValue(ctx: GenContext, t: AidlType, p: string, pos: SourcePos, depth = 0): string {
  const nn = (expr: string, what: string, nullable: boolean) =>
    nullable ? expr : `${ctx.rt("nonNull")}(${p}, ${expr}, ${JSON.stringify(what)})`;
  switch (t.kind) {
    case "primitive": return `${p}.${SCALAR_READ[t.name]}()`;
    case "string": return t.nullable ? `${p}.readString16()` : `${p}.readString16NonNull()`;
    case "ibinder": return t.nullable ? `${p}.readStrongBinder()` : `${p}.readStrongBinderNonNull()`;
    case "interface":
      return t.nullable
        ? `${ctx.ref(t.decl)}.asInterface(${p}.readStrongBinder())`
        : `${ctx.ref(t.decl)}.fromBinder(${p}.readStrongBinderNonNull())`;
    case "pfd": return nn(`${p}.readParcelFileDescriptor()`, "ParcelFileDescriptor", t.nullable);
    case "fd": return `${p}.readFileDescriptor()`;
    case "holder":
      return nn(`${ctx.rt("readParcelable")}(${p}, () => new ${ctx.rt("ParcelableHolder")}(${holderStability(ctx)}))`, "ParcelableHolder", t.nullable);
    case "parcelable": {
      const make = t.decl.unstructured ? `${ctx.ref(t.decl)}.create()` : `new ${tsType(ctx, { ...t, nullable: false })}()`;
      return nn(`${ctx.rt("readParcelable")}(${p}, () => ${make})`, t.decl.name, t.nullable);
    }
    case "union": return nn(`${ctx.rt("readUnion")}(${p}, ${ctx.ref(t.decl)})`, t.decl.name, t.nullable);
    case "enum": return `${p}.${SCALAR_READ[BACKING_PRIM[backing(ctx, t.decl)]]}() as ${ctx.ref(t.decl)}`;
    case "unionTag": return `${p}.readInt32() as ${ctx.ref(t.decl, "_Tag")}`;
    case "array": case "list": {
      const el = t.elem;
      const what = describeType(t);
      let expr: string;
      if (el.kind === "primitive") expr = `${p}.${PACKED_READ[el.name]}()`;
      else if (el.kind === "string" && el.nullable) expr = `${p}.readString16Array()`;
      else if (el.kind === "unionTag") expr = `${p}.readInt32Array() as ${ctx.ref(el.decl, "_Tag")}[] | null`;
      else if (el.kind === "enum") {
        const b = backing(ctx, el.decl);
        expr = b === "byte"
          ? `${ctx.rt("readByteEnumArray")}<${ctx.ref(el.decl)}>(${p})`
          : `${p}.${PACKED_READ[b]}() as ${ctx.ref(el.decl)}[] | null`;
      } else {
        expr = `${ctx.rt("readArray")}(${p}, (${p}) => ${readValue(ctx, el, p, pos, depth + 1)})`;
      }
      if (t.kind === "array" && t.size !== null) expr = `${ctx.rt("checkFixedSize")}(${p}, ${expr}, ${t.size})`;
      return nn(expr, what, t.nullable);
    }
    case "map":
      return nn(`${ctx.rt("readMap")}(${p}, (${p}) => ${readValue(ctx, t.value, p, pos, depth + 1)})`, describeType(t), t.nullable);
    case "void": case "typeParam":
      throw new AidlError(pos, `cannot deserialize a value of type ${describeType(t)}`);
  }
}

/** ParcelableHolder stability of the parcelable being generated (VINTF when @VintfStability). */
export function holderStability(ctx: GenContext): number {
  for (let d: typeof ctx.top | undefined = ctx.top; d; d = d.parent) {
    if (hasAnnotation(d.annotations, "VintfStability")) return 1;
  }
  return hasAnnotation(ctx.top.annotations, "VintfStability") ? 1 : 0;
}

/**
 * Default value expression for a field/holder of type `t` (AOSP C++ semantics: zero, empty
 * string/array, default-constructed parcelable; null where nothing else is possible).
 */
export function defaultValue(ctx: GenContext, t: AidlType, forHolder = false): string {
  const none = forHolder ? "null!" : "null";
  switch (t.kind) {
    case "primitive": return t.name === "boolean" ? "false" : t.name === "long" ? "0n" : "0";
    case "string": return t.nullable ? "null" : `""`;
    case "ibinder": case "interface": case "pfd": case "fd": return none;
    case "holder": return t.nullable ? "null" : `new ${ctx.rt("ParcelableHolder")}(${holderStability(ctx)})`;
    case "array": {
      if (t.nullable) return "null";
      const isBytes = t.elem.kind === "primitive" && t.elem.name === "byte";
      if (t.size === null) return isBytes ? "new Uint8Array(0)" : "[]";
      if (isBytes) return `new Uint8Array(${t.size})`;
      return `Array.from({ length: ${t.size} }, () => ${defaultValue(ctx, t.elem, true)})`;
    }
    case "list": return t.nullable ? "null" : "[]";
    case "map": return t.nullable ? "null" : "new Map()";
    case "enum": {
      const values = ctx.model.enumeratorValuesOf(t.decl);
      const i = values.indexOf(0n);
      const name = ctx.ref(t.decl);
      if (i >= 0) return `${name}.${t.decl.enumerators[i]!.name}`;
      return `${backing(ctx, t.decl) === "long" ? "0n" : "0"} as ${name}`;
    }
    case "unionTag": return `0 as ${ctx.ref(t.decl, "_Tag")}`;
    case "parcelable":
      if (t.nullable) return "null";
      return t.decl.unstructured ? `${ctx.ref(t.decl)}.create()` : `new ${tsType(ctx, t)}()`;
    case "union": return t.nullable ? "null" : `${ctx.ref(t.decl)}.create()`;
    case "void": case "typeParam": return "undefined!";
  }
}

/**
 * A float32 value as TS: the shortest decimal that rounds to it, wrapped in Math.fround when the
 * decimal itself is not exactly that float (3.14f → `Math.fround(3.14)`), so the default held in
 * memory is the value that travels.
 */
function floatLiteral(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  for (let digits = 1; digits <= 9; digits++) {
    const s = Number(v.toPrecision(digits));
    if (Math.fround(s) === v) return s === v ? String(s) : `Math.fround(${s})`;
  }
  return String(v);
}

/** A TypedConst as a TS expression of type `t`. */
export function literal(ctx: GenContext, c: TypedConst, t: AidlType): string {
  switch (c.k) {
    case "bool": return String(c.v);
    case "int":
      if (t.kind === "unionTag") return `${ctx.ref(t.decl, "_Tag")}.${t.decl.fields[Number(c.v)]!.name}`;
      if (t.kind === "primitive" && t.name === "long") return `${c.v}n`;
      if (t.kind === "primitive" && t.name === "char") {
        const ch = String.fromCharCode(Number(c.v));
        return /^[\x20-\x7e]$/.test(ch) && ch !== "*" && ch !== "/" ? `${c.v} /* '${ch}' */` : String(c.v);
      }
      return String(c.v);
    case "num":
      return t.kind === "primitive" && t.name === "float" ? floatLiteral(c.v) : String(c.v);
    case "string": return JSON.stringify(c.v);
    case "enum": {
      const name = ctx.ref(c.decl);
      if (c.name) return `${name}.${c.name}`;
      return `${ctx.model.backing(c.decl) === "long" ? `${c.v}n` : String(c.v)} as ${name}`;
    }
    case "array": {
      const elem = t.kind === "array" || t.kind === "list" ? t.elem : t;
      if (t.kind === "array" && elem.kind === "primitive" && elem.name === "byte") {
        return `Uint8Array.of(${c.items.map((i) => (i.k === "int" ? String(Number(i.v) & 0xff) : i.k === "bool" ? (i.v ? "1" : "0") : "0")).join(", ")})`;
      }
      return `[${c.items.map((i) => literal(ctx, i, elem)).join(", ")}]`;
    }
  }
}
