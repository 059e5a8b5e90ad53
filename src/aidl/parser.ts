/**
 * Recursive-descent parser for AIDL (the language accepted by AOSP's `aidl`, see docs/aidl.md).
 * One function per grammar rule; every error names the offending token's file:line:col.
 */
import type {
  AidlDocument, Annotation, ArgDecl, ConstDecl, ConstExpr, Decl, Direction, EnumDecl, Enumerator,
  FieldDecl, ImportDecl, InterfaceDecl, MethodDecl, ParcelableDecl, TypeRef, UnionDecl,
} from "./ast.js";
import { AidlError, type SourcePos } from "./errors.js";
import { tokenize, type Token } from "./lexer.js";

const DECL_KEYWORDS = new Set(["parcelable", "interface", "union", "enum"]);
const UNSTRUCTURED_HEADERS = new Set(["cpp_header", "ndk_header", "rust_type"]);

export function parseAidl(source: string, file: string): AidlDocument {
  return new Parser(tokenize(source, file), file).document();
}

/** Binary operator precedence, lowest first (C/Java order, as AOSP's aidl uses). */
const BINARY_LEVELS: readonly (readonly string[])[] = [
  ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="], ["<<", ">>"],
  ["+", "-"], ["*", "/", "%"],
];

class Parser {
  private i = 0;
  private pkg = "";
  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  // ----- token helpers

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.i++;
    return t;
  }
  private pos(t: Token = this.peek()): SourcePos {
    return { file: this.file, line: t.line, col: t.col };
  }
  private fail(msg: string, t: Token = this.peek()): never {
    throw new AidlError(this.pos(t), msg);
  }
  private isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "punct" && t.text === p;
  }
  private isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "ident" && t.text === w;
  }
  private eatPunct(p: string): boolean {
    if (this.isPunct(p)) { this.i++; return true; }
    return false;
  }
  private expectPunct(p: string, what?: string): Token {
    if (!this.isPunct(p)) this.fail(`expected '${p}'${what ? ` ${what}` : ""} but found ${describe(this.peek())}`);
    return this.next();
  }
  private ident(what: string): Token {
    const t = this.peek();
    if (t.kind !== "ident") this.fail(`expected ${what} but found ${describe(t)}`);
    return this.next();
  }
  private qualified(what: string): string {
    let name = this.ident(what).text;
    while (this.isPunct(".") && this.peek(1).kind === "ident") {
      this.i++;
      name += "." + this.next().text;
    }
    return name;
  }

  // ----- document

  document(): AidlDocument {
    const leadingComments = this.peek().comments ?? [];
    let pkg = "";
    const imports: ImportDecl[] = [];
    const decls: Decl[] = [];
    if (this.isWord("package")) {
      this.next();
      pkg = this.qualified("package name");
      this.pkg = pkg;
      this.expectPunct(";", "after package name");
    }
    while (this.isWord("import")) {
      const t = this.next();
      const name = this.qualified("import name");
      this.expectPunct(";", "after import");
      imports.push({ name, pos: this.pos(t) });
    }
    while (this.peek().kind !== "eof") {
      if (this.isWord("package") || this.isWord("import")) {
        this.fail(`'${this.peek().text}' must come before the type declarations`);
      }
      decls.push(this.decl());
    }
    if (decls.length === 0) this.fail("expected a type declaration (parcelable, interface, union or enum)");
    return { file: this.file, relPath: this.file, leadingComments, pkg, imports, decls };
  }

  private annotations(): Annotation[] {
    const list: Annotation[] = [];
    while (this.isPunct("@")) {
      const at = this.next();
      const name = this.ident("annotation name").text;
      const params = new Map<string, ConstExpr>();
      if (this.eatPunct("(")) {
        if (!this.isPunct(")")) {
          if (this.peek().kind === "ident" && this.isPunct("=", 1)) {
            do {
              const key = this.ident("annotation parameter name");
              this.expectPunct("=", "after annotation parameter name");
              if (params.has(key.text)) this.fail(`duplicate annotation parameter '${key.text}'`, key);
              params.set(key.text, this.expr());
            } while (this.eatPunct(","));
          } else {
            params.set("value", this.expr());
          }
        }
        this.expectPunct(")", "to close the annotation parameters");
      }
      list.push({ name, params, pos: this.pos(at) });
    }
    return list;
  }

  private decl(): Decl {
    const first = this.peek();
    const annotations = this.annotations();
    let oneway = false;
    if (this.isWord("oneway")) { this.next(); oneway = true; }
    const kw = this.peek();
    if (kw.kind !== "ident" || !DECL_KEYWORDS.has(kw.text)) {
      this.fail(`expected 'parcelable', 'interface', 'union' or 'enum' but found ${describe(kw)}`);
    }
    if (oneway && kw.text !== "interface") this.fail("only interfaces can be 'oneway'", kw);
    this.next();
    const doc = first.doc ?? kw.doc;
    const comments = commentsOf(first, kw);
    switch (kw.text) {
      case "interface": return { ...this.interfaceDecl(kw, annotations, doc, oneway), comments };
      case "parcelable": return { ...this.parcelableDecl(kw, annotations, doc), comments };
      case "union": return { ...this.unionDecl(kw, annotations, doc), comments };
      default: return { ...this.enumDecl(kw, annotations, doc), comments };
    }
  }

  private typeParams(): string[] {
    const params: string[] = [];
    if (this.eatPunct("<")) {
      do params.push(this.ident("type parameter name").text);
      while (this.eatPunct(","));
      this.expectPunct(">", "to close the type parameters");
    }
    return params;
  }

  private interfaceDecl(kw: Token, annotations: Annotation[], doc: string | undefined, oneway: boolean): InterfaceDecl {
    const name = this.ident("interface name");
    if (this.isPunct(".")) this.fail("a declared type name must be a simple name (no '.')");
    this.expectPunct("{", "to open the interface body");
    const methods: MethodDecl[] = [];
    const consts: ConstDecl[] = [];
    const nested: Decl[] = [];
    while (!this.eatPunct("}")) {
      if (this.peek().kind === "eof") this.fail("unexpected end of file inside interface body (missing '}')");
      const member = this.member(true);
      if (member.kind === "method") methods.push(member.method);
      else if (member.kind === "const") consts.push(member.c);
      else if (member.kind === "decl") nested.push(member.decl);
      else this.fail("interfaces cannot have fields (did you forget the '(' of a method?)", member.at);
    }
    return { kind: "interface", name: name.text, annotations, doc, pos: this.pos(kw), oneway, methods, consts, nested };
  }

  private parcelableDecl(kw: Token, annotations: Annotation[], doc: string | undefined): ParcelableDecl {
    const nameTok = this.peek();
    // Unstructured declarations may repeat the package (`parcelable android.os.Foo;`) or name a
    // nested class the legacy way (`parcelable Outer.Inner;`, declared in Outer.aidl): the latter
    // keeps its dotted name, which is how other files refer to it.
    const fullName = this.qualified("parcelable name");
    const name = this.pkg && fullName.startsWith(this.pkg + ".") ? fullName.slice(this.pkg.length + 1) : fullName;
    const typeParams = this.typeParams();
    const base = { kind: "parcelable" as const, name, annotations, doc, pos: this.pos(kw), typeParams };
    if (this.isPunct(";") || (this.peek().kind === "ident" && UNSTRUCTURED_HEADERS.has(this.peek().text))) {
      const headers: [string, string][] = [];
      while (this.peek().kind === "ident") {
        const h = this.next();
        if (!UNSTRUCTURED_HEADERS.has(h.text)) this.fail(`expected 'cpp_header', 'ndk_header', 'rust_type' or ';' but found ${describe(h)}`, h);
        const v = this.peek();
        if (v.kind !== "string") this.fail(`expected a string after '${h.text}'`);
        this.next();
        headers.push([h.text, v.text]);
      }
      this.expectPunct(";", "after unstructured parcelable declaration");
      return { ...base, fields: [], consts: [], nested: [], unstructured: true, headers };
    }
    if (fullName.includes(".")) this.fail("a declared type name must be a simple name (no '.')", nameTok);
    const body = this.fieldBody("parcelable");
    return { ...base, ...body, unstructured: false, headers: [] };
  }

  private unionDecl(kw: Token, annotations: Annotation[], doc: string | undefined): UnionDecl {
    const name = this.ident("union name");
    const typeParams = this.typeParams();
    const body = this.fieldBody("union");
    return { kind: "union", name: name.text, annotations, doc, pos: this.pos(kw), typeParams, ...body };
  }

  private fieldBody(what: string): { fields: FieldDecl[]; consts: ConstDecl[]; nested: Decl[] } {
    this.expectPunct("{", `to open the ${what} body`);
    const fields: FieldDecl[] = [];
    const consts: ConstDecl[] = [];
    const nested: Decl[] = [];
    while (!this.eatPunct("}")) {
      if (this.peek().kind === "eof") this.fail(`unexpected end of file inside ${what} body (missing '}')`);
      const member = this.member(false);
      if (member.kind === "field") fields.push(member.field);
      else if (member.kind === "const") consts.push(member.c);
      else if (member.kind === "decl") nested.push(member.decl);
      else throw new AidlError(member.method.pos, `a ${what} cannot declare methods`);
    }
    return { fields, consts, nested };
  }

  private enumDecl(kw: Token, annotations: Annotation[], doc: string | undefined): EnumDecl {
    const name = this.ident("enum name");
    this.expectPunct("{", "to open the enum body");
    const enumerators: Enumerator[] = [];
    while (!this.eatPunct("}")) {
      const t = this.ident("enumerator name");
      let value: ConstExpr | undefined;
      if (this.eatPunct("=")) value = this.expr();
      enumerators.push({ name: t.text, value, doc: t.doc, comments: t.comments ?? [], pos: this.pos(t) });
      if (!this.eatPunct(",")) {
        this.expectPunct("}", "or ',' after enumerator");
        break;
      }
    }
    if (enumerators.length === 0) this.fail("an enum must have at least one enumerator", name);
    return { kind: "enum", name: name.text, annotations, doc, pos: this.pos(kw), enumerators, nested: [] };
  }

  private member(inInterface: boolean):
    | { kind: "method"; method: MethodDecl }
    | { kind: "const"; c: ConstDecl }
    | { kind: "decl"; decl: Decl }
    | { kind: "field"; field: FieldDecl; at: Token } {
    const first = this.peek();
    const save = this.i;
    const annotations = this.annotations();
    const after = this.peek();
    if (after.kind === "ident" && (DECL_KEYWORDS.has(after.text) || (after.text === "oneway" && this.isWord("interface", 1)))) {
      this.i = save; // decl() re-reads the annotations
      return { kind: "decl", decl: this.decl() };
    }
    const doc = first.doc ?? after.doc;
    const comments = commentsOf(first, after);
    if (this.isWord("const")) {
      this.next();
      const type = this.type();
      const name = this.ident("constant name");
      this.expectPunct("=", "(constants need a value)");
      const value = this.expr();
      this.expectPunct(";", "after constant");
      return { kind: "const", c: { type, name: name.text, value, annotations, doc, comments, pos: this.pos(name) } };
    }
    let oneway = false;
    if (this.isWord("oneway")) { this.next(); oneway = true; }
    const type = this.type(annotations);
    const name = this.ident(oneway || inInterface ? "method name" : "field name");
    if (this.isPunct("(")) {
      const method = this.methodRest(type, name, oneway, annotations, doc);
      return { kind: "method", method: { ...method, comments } };
    }
    if (oneway) this.fail("expected '(' after oneway method name");
    let defaultValue: ConstExpr | undefined;
    if (this.eatPunct("=")) defaultValue = this.expr();
    this.expectPunct(";", inInterface ? "or '(' after member name" : "after field");
    return {
      kind: "field",
      at: name,
      field: { type, name: name.text, defaultValue, annotations: type.annotations, doc, comments, pos: this.pos(name) },
    };
  }

  private methodRest(returnType: TypeRef, name: Token, oneway: boolean, annotations: Annotation[], doc: string | undefined): MethodDecl {
    this.expectPunct("(");
    const args: ArgDecl[] = [];
    if (!this.isPunct(")")) {
      do args.push(this.arg());
      while (this.eatPunct(","));
    }
    this.expectPunct(")", "to close the argument list");
    let idExpr: ConstExpr | undefined;
    if (this.eatPunct("=")) {
      const t = this.peek();
      idExpr = this.expr();
      if (idExpr.kind !== "int" && !(idExpr.kind === "unary" && idExpr.arg.kind === "int")) {
        this.fail("a method id must be an integer literal", t);
      }
    }
    this.expectPunct(";", "after method declaration");
    return { name: name.text, oneway, returnType, args, idExpr, annotations, doc, pos: this.pos(name) };
  }

  private arg(): ArgDecl {
    const start = this.peek();
    const pre = this.annotations();
    let direction: Direction | undefined;
    const d = this.peek();
    // `in`/`out`/`inout` are directions only when a type (or its annotations) follows
    if (d.kind === "ident" && (d.text === "in" || d.text === "out" || d.text === "inout")
      && (this.peek(1).kind === "ident" || this.isPunct("@", 1))) {
      direction = d.text;
      this.next();
    }
    const type = this.type(pre);
    const name = this.ident("argument name");
    return { direction, type, name: name.text, annotations: type.annotations, pos: this.pos(start) };
  }

  /** A type reference, with any annotations already read passed in `pre`. */
  private type(pre: Annotation[] = []): TypeRef {
    const annotations = [...pre, ...this.annotations()];
    const t = this.peek();
    const name = this.qualified("a type name");
    const typeArgs: TypeRef[] = [];
    if (this.eatPunct("<")) {
      do typeArgs.push(this.type());
      while (this.eatPunct(","));
      this.expectPunct(">", "to close the type arguments");
    }
    const dims: (ConstExpr | null)[] = [];
    while (this.eatPunct("[")) {
      if (this.eatPunct("]")) { dims.push(null); continue; }
      dims.push(this.expr());
      this.expectPunct("]", "to close the array size");
    }
    return { name, typeArgs, dims, annotations, pos: this.pos(t) };
  }

  // ----- constant expressions

  expr(): ConstExpr {
    const cond = this.binary(0);
    if (this.isPunct("?")) {
      const q = this.next();
      const then = this.expr();
      this.expectPunct(":", "in conditional expression");
      const otherwise = this.expr();
      return { kind: "ternary", cond, then, else: otherwise, pos: this.pos(q) };
    }
    return cond;
  }

  /** Reads a binary operator at the cursor if it belongs to `level`; joins `>` `>` into `>>`. */
  private binaryOp(level: readonly string[]): string | undefined {
    const t = this.peek();
    if (t.kind !== "punct") return undefined;
    if (t.text === ">" && level.includes(">>")) {
      const u = this.peek(1);
      if (u.kind === "punct" && u.text === ">" && u.offset === t.end) return ">>";
      return undefined;
    }
    return level.includes(t.text) ? t.text : undefined;
  }

  private binary(level: number): ConstExpr {
    if (level >= BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.binaryOp(BINARY_LEVELS[level]!);
      if (op === undefined) return left;
      const t = this.next();
      if (op === ">>") this.next();
      const right = this.binary(level + 1);
      left = { kind: "binary", op, left, right, pos: this.pos(t) };
    }
  }

  private unary(): ConstExpr {
    const t = this.peek();
    if (t.kind === "punct" && (t.text === "-" || t.text === "+" || t.text === "!" || t.text === "~")) {
      this.next();
      return { kind: "unary", op: t.text, arg: this.unary(), pos: this.pos(t) };
    }
    return this.primary();
  }

  private primary(): ConstExpr {
    const t = this.peek();
    const pos = this.pos(t);
    switch (t.kind) {
      case "int": this.next(); return { kind: "int", text: t.text, pos };
      case "float": this.next(); return { kind: "float", text: t.text, pos };
      case "string": {
        this.next();
        return { kind: "string", value: t.text, raw: t.raw ?? JSON.stringify(t.text), pos };
      }
      case "char": this.next(); return { kind: "char", value: t.text, raw: t.raw ?? `'${t.text}'`, pos };
      case "ident": {
        if (t.text === "true" || t.text === "false") {
          this.next();
          return { kind: "bool", value: t.text === "true", pos };
        }
        return { kind: "ref", name: this.qualified("a constant name"), pos };
      }
      case "punct": {
        if (t.text === "(") {
          this.next();
          const e = this.expr();
          this.expectPunct(")", "to close the parenthesis");
          return e;
        }
        if (t.text === "{") {
          this.next();
          const items: ConstExpr[] = [];
          while (!this.eatPunct("}")) {
            items.push(this.expr());
            if (!this.eatPunct(",")) {
              this.expectPunct("}", "or ',' in array literal");
              break;
            }
          }
          return { kind: "array", items, pos };
        }
        break;
      }
      default:
        break;
    }
    return this.fail(`expected a constant expression but found ${describe(t)}`);
  }
}

/** Comments before a construct: those before its first token and, if different, its keyword. */
function commentsOf(first: Token, kw: Token): readonly string[] {
  if (first === kw) return first.comments ?? [];
  return [...(first.comments ?? []), ...(kw.comments ?? [])];
}

function describe(t: Token): string {
  switch (t.kind) {
    case "eof": return "end of file";
    case "string": return `string "${t.text}"`;
    case "char": return `character '${t.text}'`;
    default: return `'${t.text}'`;
  }
}
