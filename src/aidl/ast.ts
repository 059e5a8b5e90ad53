/**
 * AST produced by the parser. Plain data; the resolver fills in the `resolved` slots of type
 * references and the `value` slots of constants in a later pass (see resolve.ts, consteval.ts).
 */
import type { SourcePos } from "./errors.js";

export interface Annotation {
  readonly name: string;
  /** `@Foo(a=1, b="x")` parameters; `@Foo("x")` is stored under the key "value". */
  readonly params: ReadonlyMap<string, ConstExpr>;
  readonly pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// Constant expressions

export type ConstExpr =
  | { readonly kind: "int"; readonly text: string; readonly pos: SourcePos }
  | { readonly kind: "float"; readonly text: string; readonly pos: SourcePos }
  | { readonly kind: "string"; readonly value: string; readonly raw: string; readonly pos: SourcePos }
  | { readonly kind: "char"; readonly value: string; readonly raw: string; readonly pos: SourcePos }
  | { readonly kind: "bool"; readonly value: boolean; readonly pos: SourcePos }
  /** A (possibly qualified) reference to a constant or an enumerator: `FOO`, `IntEnum.FOO`. */
  | { readonly kind: "ref"; readonly name: string; readonly pos: SourcePos }
  | { readonly kind: "unary"; readonly op: string; readonly arg: ConstExpr; readonly pos: SourcePos }
  | { readonly kind: "binary"; readonly op: string; readonly left: ConstExpr; readonly right: ConstExpr; readonly pos: SourcePos }
  | { readonly kind: "ternary"; readonly cond: ConstExpr; readonly then: ConstExpr; readonly else: ConstExpr; readonly pos: SourcePos }
  | { readonly kind: "array"; readonly items: readonly ConstExpr[]; readonly pos: SourcePos };

// ---------------------------------------------------------------------------------------------
// Types

export interface TypeRef {
  /** As written: `int`, `String`, `List`, `Foo.Bar`, `android.os.Foo`. */
  readonly name: string;
  readonly typeArgs: readonly TypeRef[];
  /**
   * Array dimensions, outermost first. `null` = dynamic (`T[]`), otherwise the size expression of
   * a fixed-size array (`T[N]`).
   */
  readonly dims: readonly (ConstExpr | null)[];
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// Declarations

/** Comments written right before a node, as written (see lexer.ts); used by API dumps. */
interface Commented {
  readonly comments?: readonly string[];
}

interface DeclBase extends Commented {
  readonly name: string;
  readonly annotations: readonly Annotation[];
  readonly doc: string | undefined;
  readonly pos: SourcePos;
  /** Set by the resolver: the enclosing type, if nested. */
  parent?: Decl;
  /** Set by the resolver: the document that declares it. */
  document?: AidlDocument;
}

export interface ConstDecl extends Commented {
  readonly type: TypeRef;
  readonly name: string;
  readonly value: ConstExpr;
  readonly annotations: readonly Annotation[];
  readonly doc: string | undefined;
  readonly pos: SourcePos;
}

export interface FieldDecl extends Commented {
  readonly type: TypeRef;
  readonly name: string;
  readonly defaultValue: ConstExpr | undefined;
  readonly annotations: readonly Annotation[];
  readonly doc: string | undefined;
  readonly pos: SourcePos;
}

export type Direction = "in" | "out" | "inout";

export interface ArgDecl {
  /** `undefined` when not written (means `in`). */
  readonly direction: Direction | undefined;
  readonly type: TypeRef;
  readonly name: string;
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

export interface MethodDecl extends Commented {
  readonly name: string;
  readonly oneway: boolean;
  readonly returnType: TypeRef;
  readonly args: readonly ArgDecl[];
  /** Explicit `= N` transaction id expression. */
  readonly idExpr: ConstExpr | undefined;
  readonly annotations: readonly Annotation[];
  readonly doc: string | undefined;
  readonly pos: SourcePos;
  /** Set by check.ts: the transaction code (FIRST_CALL_TRANSACTION + id). */
  code?: number;
}

export interface InterfaceDecl extends DeclBase {
  readonly kind: "interface";
  readonly oneway: boolean;
  readonly methods: readonly MethodDecl[];
  readonly consts: readonly ConstDecl[];
  readonly nested: readonly Decl[];
}

export interface ParcelableDecl extends DeclBase {
  readonly kind: "parcelable";
  readonly typeParams: readonly string[];
  readonly fields: readonly FieldDecl[];
  readonly consts: readonly ConstDecl[];
  readonly nested: readonly Decl[];
  /**
   * Unstructured (`parcelable Foo;` or with `cpp_header`/`ndk_header`/`rust_type`): the wire
   * layout is defined by hand-written code, not by the AIDL file.
   */
  readonly unstructured: boolean;
  /** Backend headers of an unstructured parcelable (`cpp_header "x.h"` → ["cpp_header", "x.h"]). */
  readonly headers: readonly (readonly [string, string])[];
}

export interface UnionDecl extends DeclBase {
  readonly kind: "union";
  readonly typeParams: readonly string[];
  readonly fields: readonly FieldDecl[];
  readonly consts: readonly ConstDecl[];
  readonly nested: readonly Decl[];
}

export interface Enumerator extends Commented {
  readonly name: string;
  readonly value: ConstExpr | undefined;
  readonly doc: string | undefined;
  readonly pos: SourcePos;
}

export interface EnumDecl extends DeclBase {
  readonly kind: "enum";
  readonly enumerators: readonly Enumerator[];
  readonly nested: readonly Decl[];
}

export type Decl = InterfaceDecl | ParcelableDecl | UnionDecl | EnumDecl;

export interface ImportDecl {
  readonly name: string;
  readonly pos: SourcePos;
}

export interface AidlDocument {
  /** The comments before the first token (a license header, usually). */
  readonly leadingComments: readonly string[];
  /** Display path (as given, or relative to its import root). */
  readonly file: string;
  /** Path relative to the import root that contains it, with `/` separators (for headers). */
  relPath: string;
  readonly pkg: string;
  readonly imports: readonly ImportDecl[];
  readonly decls: readonly Decl[];
}

export function annotation(list: readonly Annotation[], name: string): Annotation | undefined {
  return list.find((a) => a.name === name);
}

export function hasAnnotation(list: readonly Annotation[], name: string): boolean {
  return list.some((a) => a.name === name);
}

/** Fully qualified name (`pkg.Outer.Inner`). */
export function qualifiedName(d: Decl): string {
  const parts: string[] = [];
  for (let x: Decl | undefined = d; x; x = x.parent) parts.unshift(x.name);
  const pkg = d.document?.pkg ?? "";
  return pkg ? `${pkg}.${parts.join(".")}` : parts.join(".");
}

/** Nesting path inside its file (`Outer.Inner`). */
export function localName(d: Decl): string {
  const parts: string[] = [];
  for (let x: Decl | undefined = d; x; x = x.parent) parts.unshift(x.name);
  return parts.join(".");
}

export function topLevel(d: Decl): Decl {
  let x = d;
  while (x.parent) x = x.parent;
  return x;
}
