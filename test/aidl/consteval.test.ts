// Constant expressions with AOSP's typing rules, checked on the corpus' own self-testing
// constants (every one of them is written to evaluate to 1) and on targeted cases.
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { ConstDecl, Decl, EnumDecl, InterfaceDecl, ParcelableDecl } from "../../src/aidl/ast.js";
import { evaluate, type Value } from "../../src/aidl/consteval.js";
import { parseAidl } from "../../src/aidl/parser.js";
import { compileDir, compileSources, corpusRoot } from "./support/helpers.js";

const T = join(corpusRoot, "android/aidl/tests");
const r = compileDir([join(T, "ITestService.aidl"), join(T, "StructuredParcelable.aidl"), join(T, "ConstantExpressionEnum.aidl")], [corpusRoot]);
const find = (q: string): Decl => r.model.program.types.get(q)!;

function expr(src: string): Value {
  const doc = parseAidl(`package p; interface I { const int X = ${src}; }`, "e.aidl");
  const c = (doc.decls[0] as InterfaceDecl).consts[0]!;
  return evaluate(c.value, () => { throw new Error("no refs"); });
}

describe("corpus constants", () => {
  test("compiles", () => expect(r.errors).toEqual([]));

  test("ITestService A1..A57 are all 1, and the TEST_CONSTANTs", () => {
    const d = find("android.aidl.tests.ITestService") as InterfaceDecl;
    const value = (c: ConstDecl) => r.model.constValue(c, d);
    const as = d.consts.filter((c) => /^A\d+$/.test(c.name));
    expect(as.length).toBe(57);
    for (const c of as) expect(value(c), c.name).toEqual({ k: "int", v: 1n });
    const byName = (n: string) => value(d.consts.find((c) => c.name === n)!);
    expect(byName("TEST_CONSTANT12")).toEqual({ k: "int", v: -1n }); // 0xffffffff is the int -1
    expect(byName("TEST_CONSTANT2")).toEqual({ k: "int", v: -42n });
    expect(byName("LONG_TEST_CONSTANT")).toEqual({ k: "int", v: 1n << 40n });
    expect(byName("STRING_TEST_CONSTANT_UTF8")).toEqual({ k: "string", v: "baz" });
  });

  test("ConstantExpressionEnum: every enumerator is 1", () => {
    const e = find("android.aidl.tests.ConstantExpressionEnum") as EnumDecl;
    expect(r.model.enumeratorValuesOf(e)).toEqual(e.enumerators.map(() => 1n));
  });

  test("StructuredParcelable: int8_1, int32_1, int64_1 are all ones; hex corner cases", () => {
    const d = find("android.aidl.tests.StructuredParcelable") as ParcelableDecl;
    const field = (n: string) => r.model.fieldDefault(d.fields.find((f) => f.name === n)!, d)!;
    for (const n of ["int8_1", "int32_1", "int64_1"]) {
      const v = field(n);
      expect(v.k).toBe("array");
      if (v.k === "array") for (const item of v.items) expect(item, n).toEqual({ k: "int", v: 1n });
    }
    expect(field("hexInt32_pos_1")).toEqual({ k: "int", v: 1n });
    expect(field("hexInt64_pos_1")).toEqual({ k: "int", v: 1n });
    expect(field("hexInt32_neg_1")).toEqual({ k: "int", v: -1n });
    expect(field("int32_min")).toEqual({ k: "int", v: -2147483648n });
    expect(field("int64_max")).toEqual({ k: "int", v: 9223372036854775807n });
    expect(field("addString1")).toEqual({ k: "string", v: "hello world!" });
    expect(field("charDefaultsToC")).toEqual({ k: "int", v: 67n });
    expect(field("floatDefaultsToPi")).toEqual({ k: "num", v: Math.fround(3.14) });
    expect(field("defaultWithFoo")).toMatchObject({ k: "enum", name: "FOO", v: 1000n });
  });
});

describe("literal typing and arithmetic", () => {
  test("decimal literals: int when they fit, else long", () => {
    expect(expr("2147483647")).toEqual({ t: "int32", v: 2147483647n });
    expect(expr("2147483648")).toEqual({ t: "int64", v: 2147483648n });
    expect(expr("1L")).toEqual({ t: "int64", v: 1n });
  });
  test("hex literals are reinterpreted as signed in the smallest fitting width", () => {
    expect(expr("0xffffffff")).toEqual({ t: "int32", v: -1n });
    expect(expr("0x80000000")).toEqual({ t: "int32", v: -2147483648n });
    expect(expr("0xfffffffff")).toEqual({ t: "int64", v: 68719476735n });
    expect(expr("0xffffffffffffffff")).toEqual({ t: "int64", v: -1n });
    expect(expr("0x80u8")).toEqual({ t: "int8", v: -128n });
  });
  test("int arithmetic wraps at 32 bits; shifts; negative shift counts reverse", () => {
    expect(expr("1 << 31")).toEqual({ t: "int32", v: -2147483648n });
    expect(expr("1L << 40")).toEqual({ t: "int64", v: 1n << 40n });
    expect(expr("2147483647 + 1")).toEqual({ t: "int32", v: -2147483648n });
    expect(expr("8 << -1")).toEqual({ t: "int32", v: 4n });
    expect(expr("-7 / 2")).toEqual({ t: "int32", v: -3n });
    expect(expr("-7 % 3")).toEqual({ t: "int32", v: -1n });
  });
  test("booleans, strings, chars, floats, ternary", () => {
    expect(expr("1 < 2 && !false")).toEqual({ t: "bool", v: 1n });
    expect(expr('"a" + "b" + "c"')).toEqual({ t: "string", v: "abc" });
    expect(expr("'A'")).toEqual({ t: "char", v: 65 });
    expect(expr("1.5f * 2")).toEqual({ t: "float", v: 3 });
    expect(expr("-3.14e17")).toEqual({ t: "double", v: -3.14e17 });
    expect(expr("1 ? 10 : 20")).toEqual({ t: "int32", v: 10n });
  });
  test("enumerators: implicit values, references to other enumerators and constants", () => {
    const res = compileSources({
      "p/E.aidl": "package p;\nimport p.C;\n@Backing(type=\"long\")\nenum E { A = C.K * 2, B, D = B + (1L << 40), F = A | 1 }\n",
      "p/C.aidl": "package p;\nparcelable C {\n  const int K = 21;\n}\n",
    });
    expect(res.errors).toEqual([]);
    expect(res.model.enumeratorValuesOf(res.model.program.types.get("p.E") as EnumDecl)).toEqual([42n, 43n, 43n + (1n << 40n), 43n]);
    expect(res.files.get("p/E.ts")).toContain("D: 1099511627819n,");
  });
});
