/**
 * Interface generator: the TS `interface IFoo`, a companion `const IFoo` (descriptor, constants,
 * transaction codes, asInterface), `IFooProxy` (client side, calls `transact`) and the abstract
 * `IFooStub` (server side, `onTransact` dispatch).
 *
 * `out`/`inout` arguments are `Holder<T>` objects (`{ value: T }`): the proxy writes
 * `holder.value` (inout) or its length (out dynamic arrays), then stores what the reply carries
 * back into `holder.value`; the stub hands the implementation a holder to fill.
 */
import { annotation, hasAnnotation, qualifiedName, type InterfaceDecl, type MethodDecl } from "../ast.js";
import { GET_INTERFACE_HASH_CODE, GET_INTERFACE_VERSION_CODE } from "../check.js";
import type { AidlType } from "../types.js";
import { freshLocal, safeIdent, tsDeclName, type GenContext } from "./context.js";
import { checkMemberNames, constEntries, docComment } from "./decls.js";
import { defaultValue, readValue, tsType, writeValue } from "./typemap.js";

export function descriptorOf(d: InterfaceDecl): string {
  const a = annotation(d.annotations, "Descriptor");
  const v = a?.params.get("value");
  return v && v.kind === "string" ? v.value : qualifiedName(d);
}

interface ArgInfo {
  name: string;
  dir: "in" | "out" | "inout";
  type: AidlType;
  ts: string;
  method: MethodDecl;
}

/**
 * The user's argument names as bindings: reserved words change (`in` → `in_`), and so does a
 * name that is also a type declared in this file (the method body refers to that type).
 */
function argName(ctx: GenContext, name: string): string {
  const s = safeIdent(name);
  return ctx.declaresHere(s) ? `${s}_` : s;
}

/** Names of the generated code's own locals, chosen so no argument name shadows them. */
function localsFor(argNames: Iterable<string>) {
  const taken = new Set(argNames);
  return {
    code: freshLocal("code", taken),
    data: freshLocal("data", taken),
    reply: freshLocal("reply", taken),
    flags: freshLocal("_flags", taken),
    r: freshLocal("r", taken),
    result: freshLocal("result", taken),
  };
}

/** `a: A, b: B`, or one parameter per line when that gets long. */
function paramList(args: readonly ArgInfo[], indent: string): string {
  const one = args.map((a) => `${a.name}: ${a.ts}`).join(", ");
  if (one.length <= 80) return one;
  return `\n${args.map((a) => `${indent}  ${a.name}: ${a.ts},`).join("\n")}\n${indent}`;
}

function argsOf(ctx: GenContext, m: MethodDecl): ArgInfo[] {
  return m.args.map((a) => {
    const type = ctx.model.typeOf(a.type);
    const dir = a.direction ?? "in";
    const ts = tsType(ctx, type);
    return { name: argName(ctx, a.name), dir, type, ts: dir === "in" ? ts : `${ctx.rt("Holder")}<${ts}>`, method: m };
  });
}

export function genInterface(ctx: GenContext, d: InterfaceDecl): string {
  const name = tsDeclName(d);
  const proxy = `${name}Proxy`;
  const stub = `${name}Stub`;
  const IBinder = ctx.rt("IBinder");
  const P = ctx.rt("Parcel");
  const versioned = ctx.options.version !== undefined;
  const sensitive = hasAnnotation(d.annotations, "SensitiveData");
  const flags = sensitive ? ctx.rt("FLAG_CLEAR_BUF") : "0";
  checkMemberNames("interface", qualifiedName(d), d.methods);
  checkMemberNames("interfaceConst", qualifiedName(d), d.consts);
  const out: string[] = [];

  // ---- the interface type
  out.push(`${docComment(d.doc)}export interface ${name} extends ${ctx.rt("IInterface")} {`);
  for (const m of d.methods) {
    const args = argsOf(ctx, m);
    const ret = tsType(ctx, ctx.model.typeOf(m.returnType));
    out.push(`${docComment(m.doc, "  ")}  ${m.name}(${paramList(args, "  ")}): Promise<${ret}>;`);
  }
  if (versioned) {
    out.push(`  /** Version of the AIDL interface the remote side implements (meta transaction 0xFFFFFF). */`);
    out.push(`  getInterfaceVersion(): Promise<number>;`);
    out.push(`  /** Hash of the frozen AIDL API the remote side implements (meta transaction 0xFFFFFE). */`);
    out.push(`  getInterfaceHash(): Promise<string>;`);
  }
  out.push(`}`);
  out.push("");

  // ---- companion object
  out.push(`export const ${name} = {`);
  out.push(`  descriptor: ${JSON.stringify(descriptorOf(d))},`);
  if (versioned) {
    out.push(`  VERSION: ${ctx.options.version},`);
    out.push(`  HASH: ${JSON.stringify(ctx.options.hash ?? "notfrozen")},`);
  }
  for (const c of constEntries(ctx, d, d.consts)) {
    out.push(`${docComment(c.doc, "  ")}  ${c.name}: ${c.value},`);
  }
  out.push(`  /** Transaction codes (FIRST_CALL_TRANSACTION + method id). */`);
  out.push(`  Codes: {`);
  for (const m of d.methods) out.push(`    ${m.name}: ${m.code},`);
  if (versioned) {
    out.push(`    getInterfaceVersion: ${GET_INTERFACE_VERSION_CODE},`);
    out.push(`    getInterfaceHash: ${GET_INTERFACE_HASH_CODE},`);
  }
  out.push(`  },`);
  out.push(`  /** The interface over \`binder\`: the local stub itself when in-process, else a proxy. */`);
  out.push(`  fromBinder(binder: ${IBinder}): ${name} {`);
  out.push(`    return binder instanceof ${stub} ? binder : new ${proxy}(binder);`);
  out.push(`  },`);
  out.push(`  asInterface(binder: ${IBinder} | null): ${name} | null {`);
  out.push(`    return binder === null ? null : ${name}.fromBinder(binder);`);
  out.push(`  },`);
  out.push(`} as const;`);
  out.push("");

  // ---- proxy
  out.push(`/** Client side of ${qualifiedName(d)}: each call is one \`transact\` on the remote binder. */`);
  out.push(`export class ${proxy} implements ${name} {`);
  if (versioned) {
    out.push(`  private cachedVersion = -1;`);
    out.push(`  private cachedHash: string | null = null;`);
  }
  out.push(`  constructor(readonly remote: ${IBinder}) {}`);
  out.push("");
  out.push(`  asBinder(): ${IBinder} {`);
  out.push(`    return this.remote;`);
  out.push(`  }`);
  for (const m of d.methods) {
    out.push("");
    out.push(...genProxyMethod(ctx, d, m, flags));
  }
  if (versioned) {
    out.push("");
    out.push(`  async getInterfaceVersion(): Promise<number> {`);
    out.push(`    if (this.cachedVersion === -1) {`);
    out.push(`      this.cachedVersion = await ${ctx.rt("transactCall")}(this.remote, ${name}.descriptor, ${name}.Codes.getInterfaceVersion, ${flags}, () => {}, (r) => r.readInt32());`);
    out.push(`    }`);
    out.push(`    return this.cachedVersion;`);
    out.push(`  }`);
    out.push("");
    out.push(`  async getInterfaceHash(): Promise<string> {`);
    out.push(`    if (this.cachedHash === null) {`);
    out.push(`      this.cachedHash = await ${ctx.rt("transactCall")}(this.remote, ${name}.descriptor, ${name}.Codes.getInterfaceHash, ${flags}, () => {}, (r) => r.readString16NonNull());`);
    out.push(`    }`);
    out.push(`    return this.cachedHash;`);
    out.push(`  }`);
  }
  out.push(`}`);
  out.push("");

  // ---- stub
  out.push(`/** Server side of ${qualifiedName(d)}: extend it and implement the methods. */`);
  out.push(`export abstract class ${stub} extends ${ctx.rt("Binder")} implements ${name} {`);
  out.push(`  constructor() {`);
  out.push(`    super(${name}.descriptor);`);
  out.push(`  }`);
  out.push("");
  out.push(`  asBinder(): ${IBinder} {`);
  out.push(`    return this;`);
  out.push(`  }`);
  out.push("");
  for (const m of d.methods) {
    const args = argsOf(ctx, m);
    const ret = tsType(ctx, ctx.model.typeOf(m.returnType));
    out.push(`  abstract ${m.name}(${paramList(args, "  ")}): Promise<${ret}>;`);
  }
  if (versioned) {
    out.push("");
    out.push(`  getInterfaceVersion(): Promise<number> {`);
    out.push(`    return Promise.resolve(${name}.VERSION);`);
    out.push(`  }`);
    out.push("");
    out.push(`  getInterfaceHash(): Promise<string> {`);
    out.push(`    return Promise.resolve(${name}.HASH);`);
    out.push(`  }`);
  }
  out.push("");
  // onTransact's parameters are in scope in every case, where the arguments become consts.
  const { code, data, reply, flags: flagsParam } = localsFor(d.methods.flatMap((m) => m.args.map((a) => argName(ctx, a.name))));
  out.push(`  protected override onTransact(${code}: number, ${data}: ${P}, ${reply}: ${P}, ${flagsParam}: number): boolean | PromiseLike<boolean> {`);
  out.push(`    switch (${code}) {`);
  for (const m of d.methods) out.push(...genStubCase(ctx, d, m, data, reply));
  if (versioned) {
    out.push(`      case ${name}.Codes.getInterfaceVersion: {`);
    out.push(`        ${data}.enforceInterface(${name}.descriptor);`);
    out.push(`        return ${ctx.rt("dispatchCall")}(${reply}, () => this.getInterfaceVersion(), (r, v) => r.writeInt32(v));`);
    out.push(`      }`);
    out.push(`      case ${name}.Codes.getInterfaceHash: {`);
    out.push(`        ${data}.enforceInterface(${name}.descriptor);`);
    out.push(`        return ${ctx.rt("dispatchCall")}(${reply}, () => this.getInterfaceHash(), (r, v) => r.writeString16(v));`);
    out.push(`      }`);
  }
  out.push(`      default:`);
  out.push(`        return false; // unknown code: the runtime answers UNKNOWN_TRANSACTION`);
  out.push(`    }`);
  out.push(`  }`);
  out.push(`}`);
  return out.join("\n") + "\n";
}

function genProxyMethod(ctx: GenContext, d: InterfaceDecl, m: MethodDecl, flags: string): string[] {
  const name = tsDeclName(d);
  const args = argsOf(ctx, m);
  const { data, reply, result } = localsFor(args.map((a) => a.name));
  const retType = ctx.model.typeOf(m.returnType);
  const ret = tsType(ctx, retType);
  const oneway = m.oneway || d.oneway;
  const lines: string[] = [];
  const sig = `${m.name}(${paramList(args, "  ")}): Promise<${ret}>`;
  const writes: string[] = [];
  for (const a of args) {
    if (a.dir === "in") writes.push(writeValue(ctx, a.type, a.name, data, m.pos));
    else if (a.dir === "inout") writes.push(writeValue(ctx, a.type, `${a.name}.value`, data, m.pos));
    else if (a.type.kind === "array" && a.type.size === null) writes.push(`${data}.writeVectorSize(${a.name}.value);`);
  }
  const writeFn = writes.length === 0 ? "() => {}"
    : writes.length === 1 ? `(${data}) => { ${writes[0]} }`
      : `(${data}) => {\n${writes.map((w) => `        ${w}`).join("\n")}\n      }`;
  const code = `${name}.Codes.${m.name}`;
  lines.push(`${docComment(m.doc, "  ")}  ${sig} {`);
  if (oneway) {
    lines.push(`    return ${ctx.rt("transactOneway")}(this.remote, ${name}.descriptor, ${code}, ${flags},`);
    lines.push(`      ${writeFn});`);
    lines.push(`  }`);
    return lines;
  }
  const reads: string[] = [];
  const hasResult = retType.kind !== "void";
  for (const a of args) {
    if (a.dir !== "in") reads.push(`${a.name}.value = ${readValue(ctx, a.type, reply, m.pos)};`);
  }
  let readFn: string;
  if (reads.length === 0 && !hasResult) readFn = "() => {}";
  else if (reads.length === 0) readFn = `(${reply}) => ${readValue(ctx, retType, reply, m.pos)}`;
  else {
    if (hasResult) {
      reads.unshift(`const ${result} = ${readValue(ctx, retType, reply, m.pos)};`);
      reads.push(`return ${result};`);
    }
    readFn = `(${reply}) => {\n${reads.map((r) => `        ${r}`).join("\n")}\n      }`;
  }
  lines.push(`    return ${ctx.rt("transactCall")}(this.remote, ${name}.descriptor, ${code}, ${flags},`);
  lines.push(`      ${writeFn},`);
  lines.push(`      ${readFn});`);
  lines.push(`  }`);
  return lines;
}

function genStubCase(ctx: GenContext, d: InterfaceDecl, m: MethodDecl, data: string, reply: string): string[] {
  const name = tsDeclName(d);
  const args = argsOf(ctx, m);
  const { r, result } = localsFor(args.map((a) => a.name));
  const retType = ctx.model.typeOf(m.returnType);
  const oneway = m.oneway || d.oneway;
  const lines: string[] = [];
  lines.push(`      case ${name}.Codes.${m.name}: {`);
  lines.push(`        ${data}.enforceInterface(${name}.descriptor);`);
  for (const a of args) {
    if (a.dir === "in") {
      lines.push(`        const ${a.name} = ${readValue(ctx, a.type, data, m.pos)};`);
    } else if (a.dir === "inout") {
      lines.push(`        const ${a.name} = ${ctx.rt("holder")}(${readValue(ctx, a.type, data, m.pos)});`);
    } else {
      lines.push(`        const ${a.name} = ${ctx.rt("holder")}<${tsType(ctx, a.type)}>(${outInitial(ctx, a.type, data)});`);
    }
  }
  const call = `this.${m.name}(${args.map((a) => a.name).join(", ")})`;
  if (oneway) {
    lines.push(`        return ${ctx.rt("dispatchOneway")}(() => ${call});`);
    lines.push(`      }`);
    return lines;
  }
  const writes: string[] = [];
  // results hand their file descriptors over to the reply (closed once it is sent)
  if (retType.kind !== "void") writes.push(writeValue(ctx, retType, result, r, m.pos, 0, false, true));
  for (const a of args) if (a.dir !== "in") writes.push(writeValue(ctx, a.type, `${a.name}.value`, r, m.pos, 0, false, true));
  const param = retType.kind !== "void" ? `(${r}, ${result})` : `(${r})`;
  const writeFn = writes.length === 0 ? "() => {}"
    : writes.length === 1 ? `${param} => ${writes[0]!.replace(/;$/, "")}`
      : `${param} => {\n${writes.map((w) => `          ${w}`).join("\n")}\n        }`;
  lines.push(`        return ${ctx.rt("dispatchCall")}(${reply}, () => ${call}, ${writeFn});`);
  lines.push(`      }`);
  return lines;
}

/** Initial value of an `out` argument on the server: dynamic arrays take the client's size. */
function outInitial(ctx: GenContext, t: AidlType, data: string): string {
  if (t.kind === "array" && t.size === null) {
    const isBytes = t.elem.kind === "primitive" && t.elem.name === "byte";
    const expr = isBytes ? `${ctx.rt("newOutByteArray")}(${data})` : `${ctx.rt("newOutArray")}(${data}, () => ${defaultValue(ctx, t.elem, true)})`;
    return t.nullable ? expr : `${ctx.rt("nonNull")}(${data}, ${expr}, "out array")`;
  }
  return defaultValue(ctx, t, true);
}
