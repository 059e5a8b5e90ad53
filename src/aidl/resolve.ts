/**
 * Loading and name resolution.
 *
 * Like AOSP's aidl, the compiler starts from the input files and loads every other file it needs
 * on demand from the import roots (`-I`): a type `a.b.C` (or nested `a.b.C.D`) lives in
 * `<root>/a/b/C.aidl`. Files are cached by canonical path, so import cycles (ICircular imports
 * CircularParcelable which imports ICircular) are harmless: what must succeed is resolving every
 * type that is *used*, and every import must name a type that exists (AOSP: "couldn't find import
 * for class ...").
 *
 * Simple names are looked up the way AOSP does: the enclosing types and their nested types first
 * (innermost out), then the imports, then the file's own package, then the name as a fully
 * qualified one.
 */
import {
  annotation, qualifiedName, type AidlDocument, type Decl, type TypeRef, type UnionDecl,
} from "./ast.js";
import { AidlError } from "./errors.js";
import { parseAidl } from "./parser.js";
import type { AidlType } from "./types.js";

/** File access, injected so the compiler core has no runtime-specific imports. */
export interface FileSystem {
  /** Contents, or undefined when the file does not exist. */
  readFile(path: string): string | undefined;
  /** A canonical form used to detect that two paths are the same file. */
  canonical(path: string): string;
}

export function joinPath(root: string, rel: string): string {
  if (root === "" || root === ".") return rel;
  return root.endsWith("/") || root.endsWith("\\") ? root + rel : `${root}/${rel}`;
}

/**
 * Names AOSP's aidl treats as built in and still lets files import (`aidl_typenames.cpp`): real
 * trees write `import android.os.ParcelFileDescriptor;` and `import java.util.List;`.
 */
export const BUILTIN_IMPORTS: ReadonlySet<string> = new Set([
  "android.os.ParcelFileDescriptor", "java.util.List", "java.util.Map",
  // the other qualified spellings the resolver accepts for built-in types
  "android.os.IBinder", "android.os.ParcelableHolder", "java.io.FileDescriptor", "java.lang.String",
  "java.lang.CharSequence",
]);

/** Everything resolution knows; shared by consteval, check and the generators. */
export class Program {
  readonly documents: Map<string, AidlDocument> = new Map(); // by canonical path
  /** Files that failed to load, by canonical path: asking again rethrows the same error. */
  private readonly broken = new Map<string, AidlError>();
  readonly types: Map<string, Decl> = new Map(); // by qualified name
  private readonly typeCache = new Map<TypeRef, AidlType>();
  private readonly unionTags = new Map<UnionDecl, AidlType>();

  constructor(
    readonly fs: FileSystem,
    readonly importRoots: readonly string[],
  ) {}

  /** Parses and registers one file (input or import). Returns the cached doc if seen before. */
  load(path: string, displayPath: string, requiredPkgPath?: string): AidlDocument {
    const key = this.fs.canonical(path);
    const seen = this.documents.get(key);
    if (seen) return seen;
    const failed = this.broken.get(key);
    if (failed) throw failed;
    try {
      const doc = this.parseAndValidate(path, displayPath, requiredPkgPath);
      this.register(doc, doc.decls, undefined);
      // Only a document whose types are all registered is checked and generated later.
      this.documents.set(key, doc);
      return doc;
    } catch (e) {
      if (e instanceof AidlError) this.broken.set(key, e);
      throw e;
    }
  }

  private parseAndValidate(path: string, displayPath: string, requiredPkgPath: string | undefined): AidlDocument {
    const text = this.fs.readFile(path);
    if (text === undefined) throw new AidlError({ file: displayPath, line: 1, col: 1 }, "file not found");
    const doc = parseAidl(text, displayPath);
    if (doc.decls.length > 1) {
      throw new AidlError(doc.decls[1]!.pos, "only one top-level type may be declared per file (nest the others or move them to their own file)");
    }
    const top = doc.decls[0]!;
    // `parcelable Outer.Inner;` (legacy unstructured nested class) lives in Outer.aidl
    const fileType = top.name.split(".")[0]!;
    const expected = (doc.pkg ? doc.pkg.replace(/\./g, "/") + "/" : "") + fileType + ".aidl";
    const normalized = displayPath.replace(/\\/g, "/");
    if (!normalized.endsWith(expected) || (normalized.length > expected.length && normalized[normalized.length - expected.length - 1] !== "/")) {
      const what = top.name.includes(".") ? `unstructured parcelable '${doc.pkg ? doc.pkg + "." : ""}${top.name}' (a nested class of ${fileType})` : `type '${doc.pkg ? doc.pkg + "." : ""}${top.name}'`;
      throw new AidlError(top.pos, `${what} must be declared in a file named '${expected}' (relative to an import root), not '${normalized}'`);
    }
    if (requiredPkgPath !== undefined && requiredPkgPath !== expected) {
      throw new AidlError(top.pos, `expected '${requiredPkgPath}' to declare '${requiredPkgPath.replace(/\.aidl$/, "").replace(/\//g, ".")}'`);
    }
    doc.relPath = expected;
    return doc;
  }

  private register(doc: AidlDocument, decls: readonly Decl[], parent: Decl | undefined): void {
    for (const d of decls) {
      d.document = doc;
      if (parent) d.parent = parent;
      const q = qualifiedName(d);
      const prev = this.types.get(q);
      if (prev && prev !== d) {
        throw new AidlError(d.pos, `duplicate definition of '${q}' (also declared at ${prev.pos.file}:${prev.pos.line}:${prev.pos.col})`);
      }
      this.types.set(q, d);
      this.register(doc, d.nested, d);
    }
  }

  /** Finds a type by fully qualified name, loading its file from the import roots if needed. */
  findQualified(name: string): Decl | undefined {
    const known = this.types.get(name);
    if (known) return known;
    const parts = name.split(".");
    // `a.b.C.D` may be nested type D of a.b.C: try the longest file path first.
    for (let k = parts.length; k >= 1; k--) {
      const rel = parts.slice(0, k).join("/") + ".aidl";
      for (const root of this.importRoots) {
        const path = joinPath(root, rel);
        if (this.fs.readFile(path) === undefined) continue;
        // The first root that has the file wins (as in AOSP): later roots may hold another copy.
        this.load(path, path, rel);
        return this.types.get(name);
      }
    }
    return undefined;
  }

  /**
   * Resolves a possibly-qualified type name as seen from `scope` (a declaration, for nested
   * lookups) in `doc`. Returns the declaration plus any trailing segments that did not name a
   * type (used for `Union.Tag` and for constant references `Type.CONST`).
   */
  lookupType(name: string, doc: AidlDocument, scope: Decl | undefined): { decl: Decl; rest: string[] } | undefined {
    const parts = name.split(".");
    const head = parts[0]!;
    const descend = (d: Decl, from: number): { decl: Decl; rest: string[] } => {
      let cur = d;
      let i = from;
      for (; i < parts.length; i++) {
        const child = cur.nested.find((n) => n.name === parts[i]);
        if (!child) break;
        cur = child;
      }
      return { decl: cur, rest: parts.slice(i) };
    };
    // 1. enclosing types and their nested types, innermost first
    for (let s = scope; s; s = s.parent) {
      if (s.name === head) return descend(s, 1);
      const child = s.nested.find((n) => n.name === head);
      if (child) return descend(child, 1);
    }
    // A dotted unstructured parcelable (`parcelable Outer.Inner;`) is registered under its
    // whole name, not as a nested type of a declared Outer: try `prefix.name` as one type too.
    const whole = (prefix: string) => (parts.length > 1 ? this.findQualified(`${prefix}.${parts.slice(1).join(".")}`) : undefined);
    // 2. imports (by last segment)
    for (const imp of doc.imports) {
      if (imp.name === head || imp.name.endsWith("." + head)) {
        const d = this.findQualified(imp.name);
        if (d) return descend(d, 1);
        const w = whole(imp.name);
        if (w) return { decl: w, rest: [] };
      }
    }
    // 3. same package (the default package too: there `B` is the file B.aidl at a root)
    {
      const q = doc.pkg ? `${doc.pkg}.${head}` : head;
      const d = this.findQualified(q);
      if (d) return descend(d, 1);
      const w = whole(q);
      if (w) return { decl: w, rest: [] };
    }
    // 4. fully qualified (longest prefix that is a type)
    for (let k = parts.length; k >= 2; k--) {
      const d = this.findQualified(parts.slice(0, k).join("."));
      if (d) return { decl: d, rest: parts.slice(k) };
    }
    return undefined;
  }

  /** Checks that every import names an existing type (AOSP rejects dangling imports). */
  checkImports(doc: AidlDocument): void {
    for (const imp of doc.imports) {
      if (BUILTIN_IMPORTS.has(imp.name)) continue;
      if (!this.findQualified(imp.name) && !this.declaresDottedIn(imp.name)) {
        throw new AidlError(imp.pos, `couldn't find import for class ${imp.name} (not declared in any -I import root)`);
      }
    }
  }

  /** True when `name` is a file that declares `parcelable Last.Inner;` (importing its Outer). */
  private declaresDottedIn(name: string): boolean {
    const top = name.slice(name.lastIndexOf(".") + 1);
    for (const d of this.types.values()) {
      if (!d.parent && d.name.startsWith(top + ".") && qualifiedName(d).startsWith(name + ".")) return true;
    }
    return false;
  }

  typeOf(ref: TypeRef): AidlType {
    const t = this.typeCache.get(ref);
    if (!t) throw new Error(`internal: type ${ref.name} at ${ref.pos.line}:${ref.pos.col} was not resolved`);
    return t;
  }

  /** Resolves a TypeRef and caches the result (callers then use typeOf). */
  resolveType(ref: TypeRef, doc: AidlDocument, scope: Decl | undefined, evalSize: (e: NonNullable<TypeRef["dims"][number]>) => number): AidlType {
    const cached = this.typeCache.get(ref);
    if (cached) return cached;
    const nullable = annotation(ref.annotations, "nullable") !== undefined;
    let base = this.resolveBase(ref, doc, scope, nullable && ref.dims.length === 0, evalSize);
    // Arrays: innermost dimension is the last one written. `@nullable T[]` makes the array and
    // (for reference types) its elements nullable, as in the C++ backend.
    if (ref.dims.length > 0) {
      if (nullable) base = withNullable(base, true);
      for (let i = ref.dims.length - 1; i >= 0; i--) {
        const dim = ref.dims[i];
        const size = dim === null || dim === undefined ? null : evalSize(dim);
        base = { kind: "array", elem: base, size, nullable: i === 0 ? nullable : false };
      }
    }
    this.typeCache.set(ref, base);
    return base;
  }

  private resolveBase(ref: TypeRef, doc: AidlDocument, scope: Decl | undefined, nullable: boolean, evalSize: (e: NonNullable<TypeRef["dims"][number]>) => number): AidlType {
    const args = ref.typeArgs.map((a) => this.resolveType(a, doc, scope, evalSize));
    const noArgs = () => {
      if (args.length) throw new AidlError(ref.pos, `type '${ref.name}' does not take type arguments`);
    };
    switch (ref.name) {
      case "void": noArgs(); return { kind: "void" };
      case "boolean": case "byte": case "char": case "int": case "long": case "float": case "double":
        noArgs();
        if (nullable) throw new AidlError(ref.pos, `primitive type '${ref.name}' cannot be @nullable`);
        return { kind: "primitive", name: ref.name };
      case "String": case "java.lang.String": case "CharSequence": noArgs(); return { kind: "string", nullable };
      case "IBinder": case "android.os.IBinder": noArgs(); return { kind: "ibinder", nullable };
      case "ParcelFileDescriptor": case "android.os.ParcelFileDescriptor": noArgs(); return { kind: "pfd", nullable };
      case "FileDescriptor": case "java.io.FileDescriptor": noArgs(); return { kind: "fd", nullable };
      case "ParcelableHolder": case "android.os.ParcelableHolder": noArgs(); return { kind: "holder", nullable };
      case "List": case "java.util.List":
        if (args.length !== 1) throw new AidlError(ref.pos, "List needs exactly one type argument (List<T>); raw List is Java-only and not supported");
        // like arrays, a @nullable List has nullable elements (C++: optional<vector<optional<T>>>)
        return { kind: "list", elem: nullable ? withNullable(args[0]!, true) : args[0]!, nullable };
      case "Map": case "java.util.Map":
        if (args.length !== 2) throw new AidlError(ref.pos, "Map needs exactly two type arguments (Map<String, V>); raw Map is Java-only and not supported");
        if (args[0]!.kind !== "string") throw new AidlError(ref.typeArgs[0]!.pos, `the key type of a Map must be String, not '${ref.typeArgs[0]!.name}'`);
        return { kind: "map", key: args[0]!, value: args[1]!, nullable };
      default:
        break;
    }
    // generic parameters of the enclosing parcelable/union
    for (let s = scope; s; s = s.parent) {
      if ((s.kind === "parcelable" || s.kind === "union") && s.typeParams.includes(ref.name)) {
        noArgs();
        return { kind: "typeParam", name: ref.name };
      }
    }
    const found = this.lookupType(ref.name, doc, scope);
    if (!found) throw new AidlError(ref.pos, `unknown type '${ref.name}'`);
    const { decl, rest } = found;
    if (rest.length === 1 && rest[0] === "Tag" && decl.kind === "union") {
      let t = this.unionTags.get(decl);
      if (!t) { t = { kind: "unionTag", decl }; this.unionTags.set(decl, t); }
      return t;
    }
    if (rest.length) throw new AidlError(ref.pos, `unknown type '${ref.name}' ('${qualifiedName(decl)}' has no nested type '${rest[0]}')`);
    switch (decl.kind) {
      case "enum":
        noArgs();
        if (nullable) throw new AidlError(ref.pos, `enum type '${ref.name}' cannot be @nullable`);
        return { kind: "enum", decl };
      case "interface":
        noArgs();
        return { kind: "interface", decl, nullable };
      case "parcelable":
      case "union": {
        const want = decl.typeParams.length;
        if (args.length !== want && !(decl.kind === "parcelable" && decl.unstructured && args.length === 0)) {
          throw new AidlError(ref.pos, `'${ref.name}' expects ${want} type argument${want === 1 ? "" : "s"} but got ${args.length}`);
        }
        return decl.kind === "parcelable"
          ? { kind: "parcelable", decl, args, nullable }
          : { kind: "union", decl, args, nullable };
      }
    }
  }
}

function withNullable(t: AidlType, nullable: boolean): AidlType {
  return "nullable" in t ? ({ ...t, nullable } as AidlType) : t;
}
