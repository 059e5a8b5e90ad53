/**
 * Per-output-file state: which runtime symbols and which other generated modules are imported,
 * and how a declaration is spelled in this file. Nested AIDL types are flattened protobuf-es
 * style: `Outer.Inner` becomes the export `Outer_Inner` in Outer's file.
 */
import { topLevel, type Decl } from "../ast.js";
import type { Model } from "../model.js";

/** Runtime symbols that are types only (need `import type` under verbatimModuleSyntax). */
const TYPE_ONLY = new Set(["IBinder", "IInterface", "AidlParcelable", "Holder", "ParcelableInit", "UnionCodec"]);

/**
 * Words that cannot name a binding (parameter, variable) in strict-mode module code: the
 * reserved words of ECMAScript, the strict-mode future reserved words, `await` (modules) and
 * `arguments`/`eval` (which strict mode forbids as binding names). Contextual keywords such as
 * `type`, `async`, `number` or `of` are legal names and are left alone.
 */
const RESERVED = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
  "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
  "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try",
  "typeof", "var", "void", "while", "with", "implements", "interface", "let", "package",
  "private", "protected", "public", "static", "yield", "await", "arguments", "eval",
]);

/**
 * Names a declaration may not take at the top of a generated module: the predefined types
 * TypeScript refuses as a class or type name, and the globals generated code itself uses (a
 * parcelable called `Map` would shadow the `Map` its map fields are made with).
 */
const RESERVED_TYPE_NAMES = new Set([
  "any", "boolean", "number", "string", "symbol", "bigint", "never", "unknown", "object", "undefined",
  "Map", "Array", "Uint8Array", "Math", "Promise", "Object", "NaN", "Infinity",
]);

/** Escapes an AIDL identifier used as a TS binding (parameter/variable): `in` → `in_`. */
export function safeIdent(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

/**
 * A name for a local of the generated code that no user-chosen name in `taken` can shadow: the
 * plain name when free, otherwise `$name` (AIDL identifiers cannot contain `$`).
 */
export function freshLocal(name: string, taken: ReadonlySet<string>): string {
  return taken.has(name) ? `$${name}` : name;
}

/** TS export name of a declaration (nested types joined with `_`). */
export function tsDeclName(d: Decl): string {
  const parts: string[] = [];
  for (let x: Decl | undefined = d; x; x = x.parent) parts.unshift(x.name);
  // a legacy `parcelable Outer.Inner;` has a dotted name of its own
  const name = parts.join("_").replace(/\./g, "_");
  return RESERVED.has(name) || RESERVED_TYPE_NAMES.has(name) ? `${name}_` : name;
}

/** Output module path (relative to the output root, `/`-separated, `.ts`) of a top-level type. */
export function modulePath(d: Decl): string {
  const top = topLevel(d);
  return top.document!.relPath.replace(/\.aidl$/, ".ts");
}

/** localNames marker: the name is a method argument somewhere in the file. */
const ARGUMENT = "(argument)";

export class GenContext {
  private readonly runtime = new Set<string>();
  /** module specifier → (export name → local name) */
  private readonly modules = new Map<string, Map<string, string>>();
  private readonly localNames = new Map<string, Decl | string>();

  constructor(
    readonly model: Model,
    readonly top: Decl,
    readonly options: { version?: number; hash?: string },
  ) {
    const claim = (d: Decl) => {
      this.localNames.set(tsDeclName(d), d);
      for (const n of d.nested) claim(n);
    };
    claim(top);
    // Companion exports (IFooProxy, IFooStub, Union_Tag) are claimed too so imports avoid them.
    const claimCompanions = (d: Decl) => {
      const n = tsDeclName(d);
      if (d.kind === "interface") { this.localNames.set(`${n}Proxy`, d); this.localNames.set(`${n}Stub`, d); }
      if (d.kind === "union") this.localNames.set(`${n}_Tag`, d);
      d.nested.forEach(claimCompanions);
    };
    claimCompanions(top);
    // Method arguments become consts in the stub's cases and parameters of the proxy's methods:
    // runtime helpers and imported types with the same name are imported under another name,
    // so an argument called `holder` or `nonNull` cannot shadow what the generated body calls.
    const claimArguments = (d: Decl) => {
      if (d.kind === "interface") {
        for (const m of d.methods) for (const a of m.args) if (!this.localNames.has(safeIdent(a.name))) this.localNames.set(safeIdent(a.name), ARGUMENT);
      }
      d.nested.forEach(claimArguments);
    };
    claimArguments(top);
  }

  /** Whether `name` is the TS name of a type declared in this file (or one of its companions). */
  declaresHere(name: string): boolean {
    return typeof this.localNames.get(name) === "object";
  }

  /** Local identifier of a runtime symbol from "tsbinder/codegen". */
  rt(name: string): string {
    this.runtime.add(name);
    const taken = this.localNames.get(name);
    return taken !== undefined && taken !== name ? `$${name}` : name;
  }

  /** Local identifier of a declaration (importing it from its module when it lives elsewhere). */
  ref(d: Decl, suffix = ""): string {
    const exportName = tsDeclName(d) + suffix;
    if (topLevel(d) === this.top) return exportName;
    const spec = relativeModule(modulePath(this.top), modulePath(d));
    let names = this.modules.get(spec);
    if (!names) { names = new Map(); this.modules.set(spec, names); }
    const existing = names.get(exportName);
    if (existing) return existing;
    let local = exportName;
    for (let i = 2; this.localNames.has(local) || RUNTIME_NAMES.has(local); i++) local = `${exportName}$${i}`;
    this.localNames.set(local, exportName);
    names.set(exportName, local);
    return local;
  }

  /** The import block of the file. */
  imports(): string {
    const lines: string[] = [];
    const rt = [...this.runtime].sort().map((n) => {
      const local = this.rt(n);
      const spec = local === n ? n : `${n} as ${local}`;
      return TYPE_ONLY.has(n) ? `type ${spec}` : spec;
    });
    if (rt.length) lines.push(`import { ${rt.join(", ")} } from "tsbinder/codegen";`);
    for (const [spec, names] of [...this.modules].sort(([a], [b]) => a.localeCompare(b))) {
      const list = [...names].map(([exp, local]) => (exp === local ? exp : `${exp} as ${local}`));
      lines.push(`import { ${list.join(", ")} } from "${spec}";`);
    }
    return lines.join("\n");
  }
}

/** Names the generated code may import from "tsbinder/codegen"; AIDL types get an alias if they clash. */
const RUNTIME_NAMES = new Set([
  "Parcel", "Binder", "IBinder", "ParcelFileDescriptor", "ParcelableHolder", "IInterface",
  "AidlParcelable", "Holder", "holder", "nonNull", "writeParcelable", "readParcelable", "writeArray",
  "readArray", "checkFixedSize", "newOutArray", "writeByteEnumArray", "readByteEnumArray",
  "newOutByteArray", "writeMap", "readMap", "transactCall", "transactOneway", "dispatchCall",
  "dispatchOneway", "defineUnstructuredParcelable", "writeUnion", "readUnion", "badUnionTag",
  "FLAG_CLEAR_BUF", "ParcelableInit", "UnionCodec", "requireValue", "aidlEquals", "aidlToString",
]);

function relativeModule(from: string, to: string): string {
  const a = from.split("/").slice(0, -1);
  const b = to.split("/");
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  const rest = b.slice(i).join("/").replace(/\.ts$/, ".js");
  return (up === 0 ? "./" : "../".repeat(up)) + rest;
}
