/**
 * Resolved AIDL types: what a TypeRef means after name resolution. The back end only looks at
 * these, never at type names.
 */
import type { Decl, EnumDecl, InterfaceDecl, ParcelableDecl, UnionDecl } from "./ast.js";

export type PrimitiveName = "boolean" | "byte" | "char" | "int" | "long" | "float" | "double";

export type AidlType =
  | { readonly kind: "void" }
  | { readonly kind: "primitive"; readonly name: PrimitiveName }
  | { readonly kind: "string"; readonly nullable: boolean }
  | { readonly kind: "ibinder"; readonly nullable: boolean }
  /** `ParcelFileDescriptor` (a parcelable on the wire: presence + comm flag + fd object). */
  | { readonly kind: "pfd"; readonly nullable: boolean }
  /** `FileDescriptor` (a bare fd object on the wire). */
  | { readonly kind: "fd"; readonly nullable: boolean }
  | { readonly kind: "holder"; readonly nullable: boolean }
  /** `T[]` (size null) or `T[N]`. Multi-dimensional arrays nest. */
  | { readonly kind: "array"; readonly elem: AidlType; readonly size: number | null; readonly nullable: boolean }
  | { readonly kind: "list"; readonly elem: AidlType; readonly nullable: boolean }
  | { readonly kind: "map"; readonly key: AidlType; readonly value: AidlType; readonly nullable: boolean }
  | { readonly kind: "enum"; readonly decl: EnumDecl }
  | { readonly kind: "interface"; readonly decl: InterfaceDecl; readonly nullable: boolean }
  | { readonly kind: "parcelable"; readonly decl: ParcelableDecl; readonly args: readonly AidlType[]; readonly nullable: boolean }
  | { readonly kind: "union"; readonly decl: UnionDecl; readonly args: readonly AidlType[]; readonly nullable: boolean }
  /** `Union.Tag`: the implicit int-backed enum of a union's field indices. */
  | { readonly kind: "unionTag"; readonly decl: UnionDecl }
  /** A generic parameter (`T` inside `parcelable Foo<T>`). */
  | { readonly kind: "typeParam"; readonly name: string };

export type BackingType = "byte" | "int" | "long";

export function isNullable(t: AidlType): boolean {
  return "nullable" in t && t.nullable;
}

/** Values that travel by value only: `out`/`inout` makes no sense for them. */
export function isInOnly(t: AidlType): boolean {
  return t.kind === "primitive" || t.kind === "string" || t.kind === "enum" || t.kind === "unionTag"
    || t.kind === "interface" || t.kind === "ibinder" || t.kind === "fd";
}

export function declOf(t: AidlType): Decl | undefined {
  return "decl" in t ? t.decl : undefined;
}

export function describeType(t: AidlType): string {
  switch (t.kind) {
    case "void": return "void";
    case "primitive": return t.name;
    case "string": return "String";
    case "ibinder": return "IBinder";
    case "pfd": return "ParcelFileDescriptor";
    case "fd": return "FileDescriptor";
    case "holder": return "ParcelableHolder";
    case "array": {
      // dimensions print outermost first: int[2][3] is an array of 2 int[3]
      const dims: string[] = [];
      let x: AidlType = t;
      while (x.kind === "array") { dims.push(`[${x.size ?? ""}]`); x = x.elem; }
      return describeType(x) + dims.join("");
    }
    case "list": return `List<${describeType(t.elem)}>`;
    case "map": return `Map<${describeType(t.key)}, ${describeType(t.value)}>`;
    case "typeParam": return t.name;
    case "unionTag": return `${t.decl.name}.Tag`;
    default: return t.decl.name;
  }
}
