/**
 * API dumps (`tsbinder aidl --dumpapi`), in the format of AOSP's `aidl --dumpapi`
 * (`aidl_dumpapi.cpp`), which is what `aidl_api/<module>/<version>/` directories hold: one file per
 * top-level type with the source's license header, AOSP's preamble, the package, then the type
 * with every name fully qualified, 2-space indentation, no doc comments except `@hide` and
 * `@deprecated`, and constant expressions as written (parenthesized) with their value in a comment.
 */
import {
  qualifiedName, type AidlDocument, type Annotation, type ArgDecl, type ConstDecl, type ConstExpr,
  type Decl, type FieldDecl, type MethodDecl, type TypeRef,
} from "../ast.js";
import type { Model, TypedConst } from "../model.js";
import type { AidlType } from "../types.js";

/** AOSP's preamble of every dump file (kPreamble). */
export const DUMP_PREAMBLE = `///////////////////////////////////////////////////////////////////////////////
// THIS FILE IS IMMUTABLE. DO NOT EDIT IN ANY CASE.                          //
///////////////////////////////////////////////////////////////////////////////

// This file is a snapshot of an AIDL file. Do not edit it manually. There are
// two cases:
// 1). this is a frozen version file - do not edit this in any case.
// 2). this is a 'current' file. If you make a backwards compatible change to
//     the interface (from the latest frozen version), the build system will
//     prompt you to update this file with \`m <name>-update-api\`.
//
// You must not make a backward incompatible change to any AIDL file built
// with the aidl_interface module type with versions property set. The module
// type is used to build AIDL files in a way that they can be used across
// independently updatable components of the system. If a device is shipped
// with such a backward incompatible change, it has a high risk of breaking
// later when a module using the interface is updated, e.g., Mainline modules.

`;
/** The first comment of a preamble (this one's, or an older aidl's, or one glued to the license). */
const isPreambleStart = (c: string) => /^\/{20,}$/.test(c) || c.startsWith("// THIS FILE IS IMMUTABLE");

/** The dump of one input document: path relative to the dump directory → text. */
export function dumpDocument(model: Model, doc: AidlDocument): [string, string] {
  let out = license(doc.leadingComments);
  out += DUMP_PREAMBLE;
  if (doc.pkg) out += `package ${doc.pkg};\n`;
  const top = doc.decls[0]!;
  out += new Dumper(model, doc, false).decl(top, "");
  return [doc.relPath, out];
}

/**
 * A type as `--checkapi` compares it at the "equal" level (AOSP's Dump with inline constants):
 * every enumerator with its value and every constant and default as its value, so two dumps are
 * equal exactly when the API is, whichever aidl version wrote them and however values are spelled.
 */
export function dumpInline(model: Model, d: Decl): string {
  return new Dumper(model, d.document!, true).decl(d, "");
}

/**
 * The header comments of the source, kept as AOSP keeps them. A file that is itself a dump already
 * carries the preamble among its leading comments: that part is not repeated.
 */
function license(comments: readonly string[]): string {
  const end = comments.findIndex(isPreambleStart);
  const kept = end < 0 ? comments : comments.slice(0, end);
  if (kept.length === 0) return "";
  const text = kept.map((c) => (c.startsWith("//") ? `${c}\n` : c)).join("");
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** `/* @hide *\/` or a javadoc with `@hide`/`@deprecated` when the comments have them (DumpComments). */
export function apiComment(comments: readonly string[] | undefined, indent: string): string {
  if (!comments || comments.length === 0) return "";
  const hidden = comments.some((c) => /@hide\b/.test(c));
  const deprecated = deprecationNote(comments);
  if (hidden && deprecated === undefined) return `${indent}/* @hide */\n`;
  if (!hidden && deprecated === undefined) return "";
  let s = `${indent}/**\n`;
  if (hidden) s += `${indent} * @hide\n`;
  if (deprecated !== undefined) s += `${indent} * @deprecated${deprecated ? " " + deprecated : ""}\n`;
  return `${s}${indent} */\n`;
}

/** The `@deprecated` block tag of the last javadoc comment: its text, lines joined by spaces. */
function deprecationNote(comments: readonly string[]): string | undefined {
  const javadoc = comments[comments.length - 1]!;
  if (!javadoc.startsWith("/**")) return undefined;
  const lines = javadoc.slice(3, -2).split("\n").map((l) => l.replace(/^\s*\*?\s?/, "").trim());
  const at = lines.findIndex((l) => /^@deprecated\b/.test(l));
  if (at < 0) return undefined;
  const parts = [lines[at]!.slice("@deprecated".length).trim()];
  for (let i = at + 1; i < lines.length && !lines[i]!.startsWith("@"); i++) parts.push(lines[i]!);
  return parts.filter(Boolean).join(" ");
}

/** `@A @B(x=1)`: each annotation with its parameters sorted by name, the list sorted (AOSP). */
export function annotationsString(list: readonly Annotation[]): string {
  return list.map((a) => {
    if (a.params.size === 0) return `@${a.name}`;
    const params = [...a.params].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => `${k}=${literalText(v)}`);
    return `@${a.name}(${params.join(", ")})`;
  }).sort().join(" ");
}

/** A literal expression as written (annotation parameters are literals). */
function literalText(e: ConstExpr): string {
  switch (e.kind) {
    case "int": case "float": return e.text;
    case "string": case "char": return e.raw;
    case "bool": return String(e.value);
    case "array": return `{${e.items.map(literalText).join(", ")}}`;
    case "unary": return `${e.op}${literalText(e.arg)}`;
    default: return "?";
  }
}

const BUILTIN_NAME: Record<string, string> = {
  "java.lang.String": "String", "java.util.List": "List", "java.util.Map": "Map",
  "android.os.IBinder": "IBinder", "android.os.ParcelFileDescriptor": "ParcelFileDescriptor",
  "java.io.FileDescriptor": "FileDescriptor", "android.os.ParcelableHolder": "ParcelableHolder",
  "java.lang.CharSequence": "CharSequence",
};

/** The type as AOSP's Signature() prints it: fully qualified, `<A,B>` arguments, dimensions. */
export function typeSignature(model: Model, ref: TypeRef): string {
  const t = model.typeOf(ref);
  let base = baseType(t);
  let name: string;
  if (base.kind === "typeParam") name = base.name;
  else if (base.kind === "unionTag") name = `${qualifiedName(base.decl)}.Tag`;
  else if ("decl" in base) name = qualifiedName(base.decl);
  else name = BUILTIN_NAME[ref.name] ?? ref.name;
  if (ref.typeArgs.length) name += `<${ref.typeArgs.map((a) => typeSignature(model, a)).join(",")}>`;
  for (let x: AidlType = t; x.kind === "array"; x = x.elem) name += `[${x.size ?? ""}]`;
  return name;

  function baseType(x: AidlType): AidlType {
    while (x.kind === "array") x = x.elem;
    return x;
  }
}

/** The type with its annotations, as AOSP's AidlTypeSpecifier::ToString prints it. */
export function typeString(model: Model, ref: TypeRef): string {
  const a = annotationsString(ref.annotations);
  return a ? `${a} ${typeSignature(model, ref)}` : typeSignature(model, ref);
}

export function argString(model: Model, a: ArgDecl): string {
  return `${a.direction ? a.direction + " " : ""}${typeString(model, a.type)} ${a.name}`;
}

/** `oneway void f(in int a) = 3`: AOSP's method ToString (its signature for --checkapi). */
export function methodString(model: Model, m: MethodDecl, oneway: boolean): string {
  const id = m.idExpr ? ` = ${m.code! - 1}` : "";
  return `${oneway ? "oneway " : ""}${typeString(model, m.returnType)} ${m.name}(${m.args.map((a) => argString(model, a)).join(", ")})${id}`;
}

class Dumper {
  constructor(
    private readonly model: Model,
    private readonly doc: AidlDocument,
    /** Print values instead of expressions (and every enumerator's value). */
    private readonly inline: boolean,
  ) {}

  decl(d: Decl, ind: string): string {
    let out = apiComment(d.comments, ind);
    const ann = annotationsString(d.annotations);
    if (ann) out += `${ind}${ann}\n`;
    const kind = d.kind === "enum" ? "enum" : d.kind;
    const tp = d.kind === "parcelable" || d.kind === "union" ? d.typeParams : [];
    out += `${ind}${kind} ${d.name}${tp.length ? `<${tp.join(", ")}>` : ""}`;
    if (d.kind === "parcelable" && d.unstructured) return `${out};\n`;
    out += " {\n";
    const inner = ind + "  ";
    if (d.kind === "enum") {
      const values = this.model.enumeratorValuesOf(d);
      d.enumerators.forEach((en, i) => {
        out += apiComment(en.comments, inner);
        const value = this.inline ? ` = ${values[i]}`
          : en.value ? ` = ${this.value(en.value, { kind: "primitive", name: this.model.backing(d) }, d)}` : "";
        out += `${inner}${en.name}${value},\n`;
      });
    } else {
      if (d.kind === "interface") {
        for (const m of d.methods) out += `${apiComment(m.comments, inner)}${inner}${methodString(this.model, m, m.oneway || d.oneway)};\n`;
      } else {
        for (const f of d.fields) out += this.field(f, d, inner);
      }
      for (const c of d.consts) out += this.constant(c, d, inner);
      for (const n of d.nested) out += this.decl(n, inner);
    }
    return `${out}${ind}}\n`;
  }

  private field(f: FieldDecl, owner: Decl, ind: string): string {
    const t = this.model.typeOf(f.type);
    const dv = f.defaultValue ? ` = ${this.value(f.defaultValue, t, owner)}` : "";
    return `${apiComment(f.comments, ind)}${ind}${typeString(this.model, f.type)} ${f.name}${dv};\n`;
  }

  private constant(c: ConstDecl, owner: Decl, ind: string): string {
    const t = this.model.typeOf(c.type);
    return `${apiComment(c.comments, ind)}${ind}const ${typeString(this.model, c.type)} ${c.name} = ${this.value(c.value, t, owner)};\n`;
  }

  /** DumpConstantValue: the expression as written; its final value too when it is not a literal. */
  private value(e: ConstExpr, t: AidlType, scope: Decl): string {
    if (this.inline) return valueString(this.model.convert(e, t, this.doc, scope));
    if (e.kind === "array") {
      const elem = t.kind === "array" || t.kind === "list" ? t.elem : t;
      return `{${e.items.map((i) => this.value(i, elem, scope)).join(", ")}}`;
    }
    const text = this.expr(e, scope);
    if (t.kind === "enum" || !isComputed(e)) return text;
    return `${text} /* ${valueString(this.model.convert(e, t, this.doc, scope))} */`;
  }

  private expr(e: ConstExpr, scope: Decl): string {
    switch (e.kind) {
      case "ref": {
        const dot = e.name.lastIndexOf(".");
        if (dot < 0) return e.name;
        const target = this.model.resolveRef(e.name, e.pos, scope.document!, scope);
        return `${qualifiedName(target.decl)}${target.tag !== undefined ? ".Tag" : ""}.${e.name.slice(dot + 1)}`;
      }
      case "unary": return `(${e.op}${this.expr(e.arg, scope)})`;
      case "binary": return `(${this.expr(e.left, scope)} ${e.op} ${this.expr(e.right, scope)})`;
      case "ternary": return `(${this.expr(e.cond, scope)} ? ${this.expr(e.then, scope)} : ${this.expr(e.else, scope)})`;
      default: return literalText(e);
    }
  }
}

/** Whether an expression is more than one literal (AOSP's NeedsFinalValue). */
function isComputed(e: ConstExpr): boolean {
  return e.kind === "ref" || e.kind === "unary" || e.kind === "binary" || e.kind === "ternary";
}

/** A constant's value as AOSP prints it in comments and compares it in --checkapi. */
export function valueString(c: TypedConst): string {
  switch (c.k) {
    case "bool": return String(c.v);
    case "int": return String(c.v);
    case "enum": return c.name ? `${qualifiedName(c.decl)}.${c.name}` : String(c.v);
    case "num": return String(c.v);
    case "string": return JSON.stringify(c.v);
    case "array": return `{${c.items.map(valueString).join(", ")}}`;
  }
}
