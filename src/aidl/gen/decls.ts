/**
 * Generators for data types: enums, structured parcelables, unions, unstructured parcelables.
 * Each returns TS source text for one declaration (nested declarations are emitted separately by
 * file.ts, right after their parent).
 */
import { annotation, qualifiedName, type ConstDecl, type Decl, type EnumDecl, type ParcelableDecl, type UnionDecl } from "../ast.js";
import { AidlError, type SourcePos } from "../errors.js";
import type { GenContext } from "./context.js";
import { tsDeclName } from "./context.js";
import { defaultValue, fieldType, isBinderLike, literal, readValue, tsType, writeValue } from "./typemap.js";

export function docComment(doc: string | undefined, indent = ""): string {
  if (!doc) return "";
  const lines = doc.replace(/\*\//g, "*\\/").split("\n");
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? " " + l : ""}`).join("\n")}\n${indent} */\n`;
}

/** One JSDoc block: the AIDL doc comment (if any), then a generated description. */
export function docWith(doc: string | undefined, extra: string, indent = ""): string {
  return docComment(doc ? `${doc}\n\n${extra}` : extra, indent);
}

/** Members the generated code defines itself; AIDL names that collide with them are refused. */
const RESERVED_MEMBERS = {
  parcelable: ["writeToParcel", "readFromParcel", "constructor", "descriptor"],
  union: ["descriptor", "Tag", "create", "writeToParcel", "readFromParcel"],
  interface: ["asBinder", "constructor", "remote", "onTransact", "getInterfaceVersion", "getInterfaceHash"],
  interfaceConst: ["descriptor", "Codes", "fromBinder", "asInterface", "VERSION", "HASH"],
} as const;

export function checkMemberNames(kind: keyof typeof RESERVED_MEMBERS, owner: string, members: readonly { name: string; pos: SourcePos }[], extra: readonly string[] = []): void {
  for (const m of members) {
    if ((RESERVED_MEMBERS[kind] as readonly string[]).includes(m.name) || extra.includes(m.name)) {
      throw new AidlError(m.pos, `'${m.name}' in ${owner} clashes with a member the TypeScript back end generates; please rename it`);
    }
  }
}

/** `key: value` / `static readonly key = value` lines for AIDL constants. */
export function constEntries(ctx: GenContext, owner: Decl, consts: readonly ConstDecl[]): { doc: string; name: string; value: string; type: string }[] {
  return consts.map((c) => {
    const t = ctx.model.typeOf(c.type);
    return { doc: c.doc ?? "", name: c.name, value: literal(ctx, ctx.model.constValue(c, owner), t), type: tsType(ctx, t) };
  });
}

/** What `@JavaDerive(equals = true, toString = true)` asks for (other parameters are Java-only). */
export function derives(d: ParcelableDecl | UnionDecl): { equals: boolean; toString: boolean } {
  const a = annotation(d.annotations, "JavaDerive");
  const on = (key: string) => {
    const v = a?.params.get(key);
    return v?.kind === "bool" && v.value;
  };
  return { equals: on("equals"), toString: on("toString") };
}

/** Members that @JavaDerive adds, which AIDL members then must not be named. */
function derivedMembers(derive: { equals: boolean; toString: boolean }, toStringName: string): string[] {
  return [...(derive.equals ? ["equals"] : []), ...(derive.toString ? [toStringName] : [])];
}

export function genEnum(ctx: GenContext, d: EnumDecl): string {
  const name = tsDeclName(d);
  const values = ctx.model.enumeratorValuesOf(d);
  const long = ctx.model.backing(d) === "long";
  const body = d.enumerators
    .map((en, i) => `${docComment(en.doc, "  ")}  ${en.name}: ${values[i]}${long ? "n" : ""},`)
    .join("\n");
  return `${docWith(d.doc, `AIDL enum ${qualifiedName(d)} (backing type ${ctx.model.backing(d)}).`)}export const ${name} = {
${body}
} as const;
export type ${name} = (typeof ${name})[keyof typeof ${name}];
`;
}

export function genUnstructured(ctx: GenContext, d: ParcelableDecl): string {
  const name = tsDeclName(d);
  const tp = d.typeParams.length ? `<${d.typeParams.join(", ")}>` : "";
  const anyArgs = d.typeParams.length ? `<${d.typeParams.map(() => "unknown").join(", ")}>` : "";
  const headers = d.headers.map(([k, v]) => `${k} "${v}"`).join(", ");
  return `${docWith(d.doc, `Unstructured parcelable ${qualifiedName(d)}${headers ? ` (${headers})` : ""}: its wire format is
hand-written, not described in AIDL. Supply an implementation before reading values:
\`${name}.register(() => new My${name}())\` where My${name} implements ${name}.`)}// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unused-vars
export interface ${name}${tp} extends ${ctx.rt("AidlParcelable")} {}
export const ${name} = ${ctx.rt("defineUnstructuredParcelable")}<${name}${anyArgs}>(${JSON.stringify(qualifiedName(d))});
`;
}

export function genParcelable(ctx: GenContext, d: ParcelableDecl): string {
  const name = tsDeclName(d);
  const tp = d.typeParams.length ? `<${d.typeParams.join(", ")}>` : "";
  const self = `${name}${tp}`;
  const P = ctx.rt("Parcel");
  const derive = derives(d);
  checkMemberNames("parcelable", qualifiedName(d), [...d.fields, ...d.consts], derivedMembers(derive, "toString"));
  const lines: string[] = [];
  lines.push(`${docComment(d.doc)}export class ${self} implements ${ctx.rt("AidlParcelable")} {`);
  lines.push(`  static readonly descriptor = ${JSON.stringify(qualifiedName(d))};`);
  for (const c of constEntries(ctx, d, d.consts)) {
    lines.push(`${docComment(c.doc, "  ")}  static readonly ${c.name}: ${c.type} = ${c.value};`);
  }
  for (const f of d.fields) {
    const t = ctx.model.typeOf(f.type);
    const dv = ctx.model.fieldDefault(f, d);
    const init = dv ? literal(ctx, dv, t) : defaultValue(ctx, t);
    lines.push(`${docComment(f.doc, "  ")}  ${f.name}: ${fieldType(ctx, t)} = ${init};`);
  }
  lines.push("");
  lines.push(`  constructor(init?: ${ctx.rt("ParcelableInit")}<${self}>) {`);
  lines.push(`    if (init) Object.assign(this, init);`);
  lines.push(`  }`);
  lines.push("");
  lines.push(`  writeToParcel(p: ${P}): void {`);
  lines.push(`    const start = p.beginParcelable();`);
  for (const f of d.fields) {
    const t = ctx.model.typeOf(f.type);
    lines.push(`    ${writeValue(ctx, t, `this.${f.name}`, "p", f.pos, 0, isBinderLike(t))}`);
  }
  lines.push(`    p.endParcelable(start);`);
  lines.push(`  }`);
  lines.push("");
  lines.push(`  readFromParcel(p: ${P}): void {`);
  lines.push(`    // Older writers may send fewer fields, newer ones more: stop at the size, skip the rest.`);
  lines.push(`    const end = p.enterParcelable();`);
  for (const f of d.fields) {
    const t = ctx.model.typeOf(f.type);
    lines.push(`    if (p.parcelableHasMore(end)) this.${f.name} = ${readValue(ctx, t, "p", f.pos)};`);
  }
  lines.push(`    p.exitParcelable(end);`);
  lines.push(`  }`);
  if (derive.equals) {
    const eq = ctx.rt("aidlEquals");
    const fields = d.fields.map((f) => ` && ${eq}(this.${f.name}, other.${f.name})`).join("");
    lines.push("");
    lines.push(`  /** Field-by-field equality (@JavaDerive(equals = true)). */`);
    lines.push(`  equals(other: unknown): boolean {`);
    lines.push(`    return other instanceof ${name}${fields};`);
    lines.push(`  }`);
  }
  if (derive.toString) {
    const str = ctx.rt("aidlToString");
    const fields = d.fields.map((f) => `${f.name}: \${${str}(this.${f.name})}`).join(", ");
    lines.push("");
    lines.push(`  /** \`${d.name}{field: value, ...}\` (@JavaDerive(toString = true)). */`);
    lines.push(`  toString(): string {`);
    lines.push(`    return \`${d.name}{${fields}}\`;`);
    lines.push(`  }`);
  }
  lines.push(`}`);
  return lines.join("\n") + "\n";
}

export function genUnion(ctx: GenContext, d: UnionDecl): string {
  const name = tsDeclName(d);
  const tagName = `${name}_Tag`;
  const P = ctx.rt("Parcel");
  const derive = derives(d);
  checkMemberNames("union", qualifiedName(d), [...d.fields, ...d.consts], derivedMembers(derive, "format"));
  const out: string[] = [];
  out.push(`/** Field indices of union ${qualifiedName(d)} (the wire tag). */`);
  out.push(`export const ${tagName} = {`);
  d.fields.forEach((f, i) => out.push(`  ${f.name}: ${i},`));
  out.push(`} as const;`);
  out.push(`export type ${tagName} = (typeof ${tagName})[keyof typeof ${tagName}];`);
  out.push("");
  out.push(`${docWith(d.doc, `AIDL union ${qualifiedName(d)}: \`tag\` says which field \`value\` holds.`).trimEnd()}`);
  out.push(`export type ${name} =`);
  for (const f of d.fields) {
    const t = ctx.model.typeOf(f.type);
    out.push(`  | { readonly tag: typeof ${tagName}.${f.name}; readonly value: ${fieldType(ctx, t)} }`);
  }
  out[out.length - 1] += ";";
  out.push("");
  out.push(`export const ${name} = {`);
  out.push(`  descriptor: ${JSON.stringify(qualifiedName(d))},`);
  out.push(`  Tag: ${tagName},`);
  for (const c of constEntries(ctx, d, d.consts)) {
    out.push(`${docComment(c.doc, "  ")}  ${c.name}: ${c.value},`);
  }
  for (const f of d.fields) {
    const t = ctx.model.typeOf(f.type);
    out.push(`${docComment(f.doc, "  ")}  ${f.name}(value: ${fieldType(ctx, t)}): ${name} {`);
    out.push(`    return { tag: ${tagName}.${f.name}, value };`);
    out.push(`  },`);
  }
  const first = d.fields[0]!;
  const firstType = ctx.model.typeOf(first.type);
  const firstDefault = ctx.model.fieldDefault(first, d);
  out.push(`  /** The default value: the first field with its default. */`);
  out.push(`  create(): ${name} {`);
  out.push(`    return { tag: ${tagName}.${first.name}, value: ${firstDefault ? literal(ctx, firstDefault, firstType) : defaultValue(ctx, firstType)} };`);
  out.push(`  },`);
  out.push(`  writeToParcel(p: ${P}, v: ${name}): void {`);
  out.push(`    p.writeInt32(v.tag);`);
  out.push(`    switch (v.tag) {`);
  for (const f of d.fields) {
    const t = ctx.model.typeOf(f.type);
    out.push(`      case ${tagName}.${f.name}: ${writeValue(ctx, t, "v.value", "p", f.pos, 0, isBinderLike(t))} break;`);
  }
  out.push(`    }`);
  out.push(`  },`);
  out.push(`  readFromParcel(p: ${P}): ${name} {`);
  out.push(`    const tag = p.readInt32();`);
  out.push(`    switch (tag) {`);
  for (const f of d.fields) {
    const t = ctx.model.typeOf(f.type);
    out.push(`      case ${tagName}.${f.name}: return { tag: ${tagName}.${f.name}, value: ${readValue(ctx, t, "p", f.pos)} };`);
  }
  out.push(`      default: return ${ctx.rt("badUnionTag")}(p, ${JSON.stringify(qualifiedName(d))}, tag);`);
  out.push(`    }`);
  out.push(`  },`);
  if (derive.equals) {
    out.push(`  /** Same member, equal values (@JavaDerive(equals = true)). */`);
    out.push(`  equals(a: ${name}, b: ${name}): boolean {`);
    out.push(`    return a.tag === b.tag && ${ctx.rt("aidlEquals")}(a.value, b.value);`);
    out.push(`  },`);
  }
  if (derive.toString) {
    const names = `[${d.fields.map((f) => JSON.stringify(f.name)).join(", ")}]`;
    // `format`, not `toString`: the companion object's own toString must keep working
    out.push(`  /** \`${d.name}.member(value)\` (@JavaDerive(toString = true)). */`);
    out.push(`  format(v: ${name}): string {`);
    out.push(`    return \`${d.name}.\${${names}[v.tag]}(\${${ctx.rt("aidlToString")}(v.value)})\`;`);
    out.push(`  },`);
  }
  out.push(`};`);
  return out.join("\n") + "\n";
}
