/**
 * The semantic model: resolved types, constant values converted to their declared types, enum
 * values. Built once by compile.ts; the generators only read it.
 */
import {
  annotation, qualifiedName, type AidlDocument, type ConstDecl, type ConstExpr, type Decl,
  type EnumDecl, type Enumerator, type FieldDecl, type TypeRef,
} from "./ast.js";
import { evaluate, wrap, type IntKind, type Value } from "./consteval.js";
import { AidlError, type SourcePos } from "./errors.js";
import type { Program } from "./resolve.js";
import { describeType, type AidlType, type BackingType } from "./types.js";

/** A constant converted to its target type, ready to be printed as a TS literal. */
export type TypedConst =
  | { readonly k: "bool"; readonly v: boolean }
  | { readonly k: "int"; readonly v: bigint }
  | { readonly k: "num"; readonly v: number }
  | { readonly k: "string"; readonly v: string }
  | { readonly k: "enum"; readonly decl: EnumDecl; readonly name: string | undefined; readonly v: bigint }
  | { readonly k: "array"; readonly items: readonly TypedConst[] };

const BACKING_KIND: Record<BackingType, IntKind> = { byte: "int8", int: "int32", long: "int64" };

export class Model {
  private readonly constValues = new Map<ConstDecl, TypedConst>();
  private readonly fieldDefaults = new Map<FieldDecl, TypedConst>();
  private readonly enumValues = new Map<EnumDecl, bigint[]>();
  private readonly inProgress = new Set<object>();
  private readonly enumeratorValues = new Map<Enumerator, bigint>();

  constructor(readonly program: Program) {}

  // ----- types

  typeOf(ref: TypeRef): AidlType {
    return this.program.typeOf(ref);
  }

  resolveTypeRef(ref: TypeRef, doc: AidlDocument, scope: Decl | undefined): AidlType {
    return this.program.resolveType(ref, doc, scope, (e) => this.arraySize(e, doc, scope));
  }

  private arraySize(e: ConstExpr, doc: AidlDocument, scope: Decl | undefined): number {
    const v = evaluate(e, this.refResolver(doc, scope));
    if (!(v.t === "int32" || v.t === "int64" || v.t === "int8") || v.v <= 0n || v.v > 0x7fff_ffffn) {
      throw new AidlError(e.pos, "a fixed-size array dimension must be a positive integer constant");
    }
    return Number(v.v);
  }

  // ----- enums

  backing(e: EnumDecl): BackingType {
    const a = annotation(e.annotations, "Backing");
    if (!a) return "byte"; // AOSP's default backing type
    const t = a.params.get("type");
    if (!t || t.kind !== "string" || !["byte", "int", "long"].includes(t.value)) {
      throw new AidlError(a.pos, `@Backing needs type="byte", "int" or "long"`);
    }
    return t.value as BackingType;
  }

  /** Enumerator values in declaration order (implicit value = previous + 1, first = 0). */
  enumeratorValuesOf(e: EnumDecl): bigint[] {
    const done = this.enumValues.get(e);
    if (done) return done;
    const values = e.enumerators.map((en) => this.enumeratorValue(e, en));
    this.enumValues.set(e, values);
    return values;
  }

  private enumeratorValue(e: EnumDecl, en: Enumerator): bigint {
    const known = this.enumeratorValues.get(en);
    if (known !== undefined) return known;
    if (this.inProgress.has(en)) throw new AidlError(en.pos, `circular reference in the value of enumerator '${en.name}'`);
    this.inProgress.add(en);
    try {
      const v = this.computeEnumerator(e, en);
      this.enumeratorValues.set(en, v);
      return v;
    } finally {
      this.inProgress.delete(en);
    }
  }

  private computeEnumerator(e: EnumDecl, en: Enumerator): bigint {
    const kind = BACKING_KIND[this.backing(e)];
    let v: bigint;
    if (en.value) {
      const val = evaluate(en.value, this.refResolver(e.document!, e));
      if (!isIntValue(val)) throw new AidlError(en.value.pos, `enumerator '${en.name}' needs an integer value`);
      if (wrap(val.v, kind) !== val.v) throw new AidlError(en.value.pos, `value ${val.v} of enumerator '${en.name}' does not fit the backing type ${this.backing(e)}`);
      v = val.v;
    } else {
      const idx = e.enumerators.indexOf(en);
      v = idx === 0 ? 0n : this.enumeratorValue(e, e.enumerators[idx - 1]!) + 1n;
      if (wrap(v, kind) !== v) throw new AidlError(en.pos, `implicit value ${v} of enumerator '${en.name}' overflows the backing type ${this.backing(e)}`);
    }
    return v;
  }

  // ----- constants and defaults

  constValue(c: ConstDecl, owner: Decl): TypedConst {
    const known = this.constValues.get(c);
    if (known) return known;
    if (this.inProgress.has(c)) throw new AidlError(c.pos, `circular reference in the value of constant '${c.name}'`);
    this.inProgress.add(c);
    try {
      const type = this.resolveTypeRef(c.type, owner.document!, owner);
      if (!(type.kind === "primitive" || type.kind === "string")) {
        throw new AidlError(c.type.pos, `constant '${c.name}' has type ${describeType(type)}; constants must be a primitive type or String`);
      }
      const v = this.convert(c.value, type, owner.document!, owner);
      this.constValues.set(c, v);
      return v;
    } finally {
      this.inProgress.delete(c);
    }
  }

  fieldDefault(f: FieldDecl, owner: Decl): TypedConst | undefined {
    if (!f.defaultValue) return undefined;
    const known = this.fieldDefaults.get(f);
    if (known) return known;
    const type = this.resolveTypeRef(f.type, owner.document!, owner);
    const v = this.convert(f.defaultValue, type, owner.document!, owner);
    this.fieldDefaults.set(f, v);
    return v;
  }

  /** Evaluates `e` in the scope of `scope` and converts it to `type` (AOSP's assignment rules). */
  convert(e: ConstExpr, type: AidlType, doc: AidlDocument, scope: Decl | undefined): TypedConst {
    const where = e.pos;
    if (type.kind === "array" || type.kind === "list") {
      if (e.kind !== "array") throw new AidlError(where, `expected an array literal {...} for type ${describeType(type)}`);
      if (type.kind === "array" && type.size !== null && e.items.length !== type.size) {
        throw new AidlError(where, `array literal has ${e.items.length} element(s) but type ${describeType(type)} needs ${type.size}`);
      }
      return { k: "array", items: e.items.map((i) => this.convert(i, type.elem, doc, scope)) };
    }
    if (type.kind === "enum") {
      if (e.kind === "ref") {
        const target = this.resolveRef(e.name, e.pos, doc, scope);
        if (target.enumerator && target.decl === type.decl) {
          return { k: "enum", decl: type.decl, name: target.enumerator.name, v: this.enumeratorValue(type.decl, target.enumerator) };
        }
        if (target.enumerator) {
          throw new AidlError(where, `'${e.name}' is an enumerator of ${qualifiedName(target.decl)}, not of ${qualifiedName(type.decl)}`);
        }
      }
      const v = evaluate(e, this.refResolver(doc, scope));
      const kind = BACKING_KIND[this.backing(type.decl)];
      if (!isIntValue(v) || wrap(v.v, kind) !== v.v) throw new AidlError(where, `invalid value for enum ${type.decl.name}`);
      return { k: "enum", decl: type.decl, name: undefined, v: v.v };
    }
    if (type.kind === "unionTag") {
      const target = e.kind === "ref" ? this.resolveRef(e.name, e.pos, doc, scope) : undefined;
      if (target?.tag === undefined || target.decl !== type.decl) {
        throw new AidlError(where, `expected a member of ${describeType(type)} (${type.decl.name}.Tag.<member>)`);
      }
      return { k: "int", v: BigInt(target.tag) };
    }
    const v = evaluate(e, this.refResolver(doc, scope));
    const bad = (): never => {
      throw new AidlError(where, `cannot assign ${describeValue(v)} to a field or constant of type ${describeType(type)}`);
    };
    switch (type.kind) {
      case "primitive":
        switch (type.name) {
          case "boolean":
            if (v.t === "bool") return { k: "bool", v: v.v !== 0n };
            if (isIntValue(v) && (v.v === 0n || v.v === 1n)) return { k: "bool", v: v.v === 1n };
            return bad();
          case "byte": case "int": case "long": {
            if (!isIntValue(v)) return bad();
            const kind: IntKind = type.name === "byte" ? "int8" : type.name === "int" ? "int32" : "int64";
            if (wrap(v.v, kind) !== v.v) throw new AidlError(where, `value ${v.v} is out of range for type ${type.name}`);
            return { k: "int", v: v.v };
          }
          case "char":
            if (v.t === "char") return { k: "int", v: BigInt(v.v) };
            if (isIntValue(v) && v.v >= 0n && v.v <= 0xffffn) return { k: "int", v: v.v };
            return bad();
          case "float": case "double":
            if (v.t === "float" || v.t === "double") return { k: "num", v: type.name === "float" ? Math.fround(v.v) : v.v };
            if (isIntValue(v) && v.t !== "bool") return { k: "num", v: Number(v.v) };
            return bad();
        }
        break;
      case "string":
        if (v.t === "string") return { k: "string", v: v.v };
        return bad();
      default:
        break;
    }
    throw new AidlError(where, `a value of type ${describeType(type)} cannot have a default value or be a constant`);
  }

  refResolver(doc: AidlDocument, scope: Decl | undefined): (name: string, pos: SourcePos) => Value {
    return (name, pos) => {
      const target = this.resolveRef(name, pos, doc, scope);
      if (target.enumerator) {
        const e = target.decl as EnumDecl;
        return { t: BACKING_KIND[this.backing(e)], v: this.enumeratorValue(e, target.enumerator) };
      }
      if (target.tag !== undefined) return { t: "int32", v: BigInt(target.tag) };
      const c = target.constant!;
      const tc = this.constValue(c, target.decl);
      const type = this.program.typeOf(c.type);
      return typedToValue(tc, type);
    };
  }

  /** Finds what a constant reference (`X`, `Type.X`, `pkg.Type.X`) names. */
  resolveRef(name: string, pos: SourcePos, doc: AidlDocument, scope: Decl | undefined):
    { decl: Decl; constant?: ConstDecl; enumerator?: Enumerator; tag?: number } {
    const parts = name.split(".");
    const member = parts[parts.length - 1]!;
    const inDecl = (d: Decl) => {
      if (d.kind === "enum") {
        const en = d.enumerators.find((x) => x.name === member);
        return en ? { decl: d as Decl, enumerator: en } : undefined;
      }
      const c = d.consts.find((x) => x.name === member);
      return c ? { decl: d, constant: c } : undefined;
    };
    if (parts.length === 1) {
      for (let s = scope; s; s = s.parent) {
        const hit = inDecl(s);
        if (hit) return hit;
      }
      throw new AidlError(pos, `unknown constant '${name}'`);
    }
    const owner = this.program.lookupType(parts.slice(0, -1).join("."), doc, scope);
    // `U.Tag.member`: the tag (field index) of a union member
    if (owner && owner.decl.kind === "union" && owner.rest.length === 1 && owner.rest[0] === "Tag") {
      const tag = owner.decl.fields.findIndex((f) => f.name === member);
      if (tag < 0) throw new AidlError(pos, `unknown constant '${name}' (union '${qualifiedName(owner.decl)}' has no member '${member}')`);
      return { decl: owner.decl, tag };
    }
    if (!owner || owner.rest.length) throw new AidlError(pos, `unknown constant '${name}' (no type '${parts.slice(0, -1).join(".")}')`);
    const hit = inDecl(owner.decl);
    if (!hit) throw new AidlError(pos, `unknown constant '${name}' ('${qualifiedName(owner.decl)}' has no constant or enumerator '${member}')`);
    return hit;
  }
}

function isIntValue(v: Value): v is { t: IntKind; v: bigint } {
  return v.t === "bool" || v.t === "int8" || v.t === "int32" || v.t === "int64";
}

function typedToValue(tc: TypedConst, type: AidlType): Value {
  switch (tc.k) {
    case "bool": return { t: "bool", v: tc.v ? 1n : 0n };
    case "int": {
      if (type.kind === "primitive" && type.name === "char") return { t: "char", v: Number(tc.v) };
      const t: IntKind = type.kind === "primitive" && type.name === "long" ? "int64" : type.kind === "primitive" && type.name === "byte" ? "int8" : "int32";
      return { t, v: tc.v };
    }
    case "num": return { t: type.kind === "primitive" && type.name === "float" ? "float" : "double", v: tc.v };
    case "string": return { t: "string", v: tc.v };
    case "enum": return { t: "int64", v: tc.v };
    case "array": return { t: "array", items: tc.items.map((i) => typedToValue(i, type.kind === "array" || type.kind === "list" ? type.elem : type)) };
  }
}

function describeValue(v: Value): string {
  switch (v.t) {
    case "bool": return `boolean ${v.v === 1n}`;
    case "int8": return `byte ${v.v}`;
    case "int32": return `int ${v.v}`;
    case "int64": return `long ${v.v}`;
    case "float": case "double": return `${v.t} ${v.v}`;
    case "string": return `string ${JSON.stringify(v.v)}`;
    case "char": return `char ${JSON.stringify(String.fromCharCode(v.v))}`;
    case "array": return "an array";
  }
}
