// Lexer and parser details: doc comments, nested generics (`>>`), annotation forms, positions.
import { describe, expect, test } from "vitest";
import type { InterfaceDecl, ParcelableDecl } from "../../src/aidl/ast.js";
import { tokenize } from "../../src/aidl/lexer.js";
import { parseAidl } from "../../src/aidl/parser.js";

describe("lexer", () => {
  test("numbers, strings, chars, positions", () => {
    const toks = tokenize("0xFFu8 12L 3.14f -3.14e17 'C' \"a\\\"b\"\n  >>", "t.aidl");
    expect(toks.map((t) => [t.kind, t.text])).toEqual([
      ["int", "0xFFu8"], ["int", "12L"], ["float", "3.14f"], ["punct", "-"], ["float", "3.14e17"],
      ["char", "C"], ["string", 'a"b'], ["punct", ">"], ["punct", ">"], ["eof", "<end of file>"],
    ]);
    expect([toks[7]!.line, toks[7]!.col]).toEqual([2, 3]);
  });
  test("doc comments attach to the next token; other comments are dropped", () => {
    const toks = tokenize("/** the doc\n * second line */ // line\n/* plain */ interface", "t.aidl");
    expect(toks[0]!.doc).toBe("the doc\nsecond line");
  });
});

describe("parser", () => {
  test("nested generics close with >> and shifts still work in expressions", () => {
    const doc = parseAidl("package p;\nparcelable P {\n  List<List<String>> x;\n  Map<String, List<String>> m;\n  const int S = 256 >> 2;\n}\n", "p/P.aidl");
    const p = doc.decls[0] as ParcelableDecl;
    expect(p.fields.map((f) => f.type.typeArgs.length)).toEqual([1, 2]);
    expect(p.consts[0]!.value).toMatchObject({ kind: "binary", op: ">>" });
  });
  test("annotation forms, directions after annotations, method ids, oneway, docs", () => {
    const doc = parseAidl(`package p;
/** iface doc */
@SuppressWarnings(value={"a", "b"}) @Descriptor(value="x.Y")
interface I {
  /** m doc */
  @EnforcePermission("P") oneway void m(in @nullable String[] s, @nullable IBinder b) = 7;
}
`, "p/I.aidl");
    const i = doc.decls[0] as InterfaceDecl;
    expect(i.doc).toBe("iface doc");
    expect(i.annotations.map((a) => [a.name, [...a.params.keys()]])).toEqual([["SuppressWarnings", ["value"]], ["Descriptor", ["value"]]]);
    const m = i.methods[0]!;
    expect([m.name, m.oneway, m.doc, m.idExpr?.kind]).toEqual(["m", true, "m doc", "int"]);
    expect(m.args.map((a) => [a.direction, a.type.name, a.type.dims, a.type.annotations.map((x) => x.name)])).toEqual([
      ["in", "String", [null], ["nullable"]],
      [undefined, "IBinder", [], ["nullable"]],
    ]);
    expect(m.annotations.map((a) => a.name)).toEqual(["EnforcePermission"]);
  });
  test("unstructured parcelables, generics, fixed-size arrays", () => {
    const bad = parseAidl('package p;\nparcelable Bad cpp_header "b.h" rust_type "x::Y";\n', "p/Bad.aidl").decls[0] as ParcelableDecl;
    expect([bad.unstructured, bad.headers]).toEqual([true, [["cpp_header", "b.h"], ["rust_type", "x::Y"]]]);
    const pair = parseAidl("package p;\nparcelable Pair<A, B>;\n", "p/Pair.aidl").decls[0] as ParcelableDecl;
    expect([pair.unstructured, pair.typeParams]).toEqual([true, ["A", "B"]]);
    const f = parseAidl("package p;\nparcelable F { int[2][3] m = {{1,2,3},{4,5,6}}; }\n", "p/F.aidl").decls[0] as ParcelableDecl;
    expect(f.fields[0]!.type.dims.map((d) => d && d.kind)).toEqual(["int", "int"]);
  });
  test("errors carry the position of the offending token", () => {
    expect(() => parseAidl("package p;\ninterface I {\n  void f(int);\n}\n", "p/I.aidl")).toThrow("p/I.aidl:3:13: expected argument name but found ')'");
    expect(() => parseAidl("package p;\nenum E { A = , }\n", "p/E.aidl")).toThrow("p/E.aidl:2:14: expected a constant expression but found ','");
    expect(() => parseAidl("package p;\n", "p/E.aidl")).toThrow("p/E.aidl:2:1: expected a type declaration (parcelable, interface, union or enum)");
  });
});
