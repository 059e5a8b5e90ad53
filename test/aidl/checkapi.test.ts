// --checkapi: each of AOSP's compatibility rules (aidl_checkapi.cpp) with a change it allows and
// one it refuses; violations are reported at file:line:col of the node concerned.
import { describe, expect, test } from "vitest";
import { checkApi, type CheckApiLevel } from "../../src/aidl/api/checkapi.js";
import { analyze } from "../../src/aidl/compile.js";
import { memFs } from "./support/helpers.js";

/** Checks `newer` against `older` (each: file → source, under package p) and returns "file:line:col: message". */
function check(older: Record<string, string>, newer: Record<string, string>, level: CheckApiLevel = "compatible"): string[] {
  const side = (root: string, files: Record<string, string>) => {
    const rooted = Object.fromEntries(Object.entries(files).map(([f, src]) => [`${root}/p/${f}`, `package p;\n${src}`]));
    const a = analyze({ inputs: Object.keys(rooted), importRoots: [root], fs: memFs(rooted) });
    expect(a.errors.map((e) => e.message)).toEqual([]);
    return { analysis: a };
  };
  return checkApi(side("old", older), side("new", newer), level).map((e) => e.message);
}

/** One file `T.aidl` on each side. */
const one = (o: string, n: string, level?: CheckApiLevel) => check({ "T.aidl": o }, { "T.aidl": n }, level);

describe("types", () => {
  test("adding a type is compatible; removing one is not", () => {
    expect(check({ "A.aidl": "parcelable A { int x; }" }, { "A.aidl": "parcelable A { int x; }", "B.aidl": "parcelable B {}" })).toEqual([]);
    expect(check({ "A.aidl": "parcelable A {}", "B.aidl": "parcelable B {}" }, { "A.aidl": "parcelable A {}" })).toEqual([
      "old/p/B.aidl:2:1: Removed type: p.B",
    ]);
  });
  test("a nested type counts as a type", () => {
    expect(one("parcelable T { parcelable N { int x; } }", "parcelable T { }")).toEqual(["old/p/T.aidl:2:16: Removed type: p.T.N"]);
  });
  test("changing what kind of type it is", () => {
    expect(one("parcelable T { int x; }", "union T { int x; }")).toEqual(["new/p/T.aidl:2:1: Type mismatch: p.T is changed from parcelable to union"]);
    expect(one("enum T { A }", "enum T { A, B }")).toEqual([]);
  });
  test("annotations: strict ones must not change; the ignored ones (nullable, JavaDerive, SensitiveData, …) may", () => {
    expect(one("@VintfStability parcelable T {}", "parcelable T {}")).toEqual([
      "new/p/T.aidl:2:1: Changed annotations: @VintfStability to (empty)",
    ]);
    expect(one("parcelable T {}", "@JavaDerive(equals=true) @RustDerive(Clone=true) parcelable T {}")).toEqual([]);
    expect(one("interface T {}", "@SensitiveData interface T {}")).toEqual([]);
  });
  test("@FixedSize may be added but not removed", () => {
    expect(one("parcelable T { int x; }", "@FixedSize parcelable T { int x; }")).toEqual([]);
    expect(one("@FixedSize parcelable T { int x; }", "parcelable T { int x; }")).toEqual(["new/p/T.aidl:2:1: Removing @FixedSize is not allowed."]);
  });
  test("unstructured parcelables are not compared (their format is hand-written)", () => {
    expect(one('parcelable T cpp_header "a.h";', 'parcelable T cpp_header "b.h";')).toEqual([]);
  });
});

describe("interfaces", () => {
  const base = "interface T {\n  void a(int x);\n  int b(in String s);\n}";
  test("adding a method at the end is compatible", () => {
    expect(one(base, "interface T {\n  void a(int x);\n  int b(in String s);\n  void c();\n}")).toEqual([]);
  });
  test("removing a method, or changing its argument types", () => {
    expect(one(base, "interface T {\n  void a(int x);\n}")).toEqual(["old/p/T.aidl:4:7: Removed or changed method: p.T.b(String)"]);
    expect(one(base, "interface T {\n  void a(long x);\n  int b(in String s);\n}")).toEqual(["old/p/T.aidl:3:8: Removed or changed method: p.T.a(int)"]);
  });
  test("reordering methods changes their transaction ids; explicit ids keep them", () => {
    expect(one(base, "interface T {\n  int b(in String s);\n  void a(int x);\n}")).toEqual([
      "new/p/T.aidl:4:8: Transaction ID changed: p.T.a(int) is changed from 0 to 1.",
      "new/p/T.aidl:3:7: Transaction ID changed: p.T.b(String) is changed from 1 to 0.",
    ]);
    expect(one("interface T { void a() = 1; void b() = 2; }", "interface T { void b() = 2; void a() = 1; }")).toEqual([]);
  });
  test("changing the return type, an argument's direction or its strict annotations", () => {
    expect(one(base, "interface T {\n  void a(int x);\n  long b(in String s);\n}")).toEqual(["new/p/T.aidl:4:3: Type changed: int to long."]);
    expect(one("interface T { void a(in int[] x); }", "interface T { void a(inout int[] x); }")).toEqual(["new/p/T.aidl:2:20: Direction changed: in to inout."]);
    expect(one("interface T { void a(in String s); }", "interface T { void a(in @utf8InCpp String s); }")).toEqual([
      "new/p/T.aidl:2:36: Changed annotations: (empty) to @utf8InCpp",
    ]);
  });
  test("@nullable may be added or removed (AOSP is lenient: either side may be the newer one)", () => {
    expect(one("interface T { String a(in String s); }", "interface T { @nullable String a(in @nullable String s); }")).toEqual([]);
  });
});

describe("constants", () => {
  test("adding one, or spelling the same value differently, is compatible", () => {
    expect(one("interface T { const int A = 4; }", "interface T { const int A = 1 << 2; const int B = 5; }")).toEqual([]);
  });
  test("removing one, or changing its value or type", () => {
    expect(one("interface T { const int A = 4; const int B = 1; }", "interface T { const int A = 4; }")).toEqual([
      "old/p/T.aidl:2:42: Removed constant declaration: p.T.B",
    ]);
    expect(one("parcelable T { const int A = 4; }", "parcelable T { const int A = 5; }")).toEqual([
      "new/p/T.aidl:2:26: Changed constant value: p.T.A from 4 to 5.",
    ]);
    expect(one("parcelable T { const int A = 4; }", "parcelable T { const long A = 4; }")).toEqual(["new/p/T.aidl:2:22: Type changed: int to long."]);
  });
});

describe("parcelables", () => {
  test("new fields at the end with a useful default: explicit, primitive zero, @nullable, an enum with a zero", () => {
    const files = (fields: string) => ({ "T.aidl": `parcelable T { int x; ${fields} }`, "E.aidl": "enum E { Z, O }", "F.aidl": "enum F { O = 1 }" });
    expect(check(files(""), files('String s = "a"; long n; boolean b; @nullable String t; E e; F f = F.O;'))).toEqual([]);
  });
  test("a new field without one", () => {
    const files = (fields: string) => ({ "T.aidl": `parcelable T { int x; ${fields} }`, "F.aidl": "enum F { O = 1 }" });
    expect(check(files(""), files("String s;"))[0]).toMatch(/^new\/p\/T.aidl:2:30: Field 's' does not have a useful default in some backends\./);
    expect(check(files(""), files("F f;"))).toEqual([
      "new/p/T.aidl:2:25: Field 'f' of enum 'F' can't be initialized as '0'. Please make sure 'F' has '0' as a valid value.",
    ]);
  });
  test("removing, reordering or retyping fields", () => {
    expect(one("parcelable T { int x; int y; }", "parcelable T { int x; }")).toEqual(["new/p/T.aidl:2:1: Number of fields in p.T is reduced from 2 to 1."]);
    expect(one("parcelable T { int x; int y; }", "parcelable T { int y; int x; }")).toEqual([
      "new/p/T.aidl:2:20: Reordered y from 1 to 0.",
      "new/p/T.aidl:2:27: Reordered x from 0 to 1.",
    ]);
    expect(one("parcelable T { int x; }", "parcelable T { long x; }")).toEqual(["new/p/T.aidl:2:16: Type changed: int to long."]);
  });
  test("default values must not change (an enum field may spell out its zero)", () => {
    expect(one("parcelable T { int x = 1; }", "parcelable T { int x = 2; }")).toEqual(["new/p/T.aidl:2:20: Changed default value: 1 to 2."]);
    expect(one("parcelable T { int x; }", "parcelable T { int x = 0; }")).toEqual([]);
    expect(check({ "T.aidl": "parcelable T { E e; }", "E.aidl": "enum E { Z, O }" }, { "T.aidl": "parcelable T { E e = E.Z; }", "E.aidl": "enum E { Z, O }" })).toEqual([]);
  });
  test("generic parameters must stay as they are", () => {
    expect(one("parcelable T<A> { int x; }", "parcelable T<A> { int x; int y; }")).toEqual([]);
    expect(one("parcelable T<A> { int x; }", "parcelable T<B> { int x; }")).toEqual([
      "new/p/T.aidl:2:1: Type parameter name changed from 'A' to 'B'. This is an incompatible change.",
    ]);
    expect(one("parcelable T { int x; }", "parcelable T<A> { int x; }")).toEqual(["new/p/T.aidl:2:1: Type p.T has become generic."]);
  });
});

describe("unions", () => {
  test("new members at the end need no default; removing one is refused", () => {
    expect(one("union T { int a; }", "union T { int a; String b; }")).toEqual([]);
    expect(one("union T { int a; String b; }", "union T { int a; }")).toEqual(["new/p/T.aidl:2:1: Number of fields in p.T is reduced from 2 to 1."]);
  });
});

describe("enums", () => {
  test("adding an enumerator is compatible; removing one or changing a value is not", () => {
    expect(one("enum T { A, B }", "enum T { A, B, C = 7 }")).toEqual([]);
    expect(one("enum T { A, B }", "enum T { A }")).toEqual(["new/p/T.aidl:2:1: Removed enumerator from p.T: B"]);
    expect(one("enum T { A, B }", "enum T { A, B = 5 }")).toEqual(["new/p/T.aidl:2:13: Changed enumerator value: p.T::B from 1 to 5."]);
  });
});

describe("level equal (a frozen module's current against its last version)", () => {
  test("the same API passes, however values are spelled", () => {
    expect(one("enum T { A = 1 << 2, B }", "enum T { A = 4, B = 5 }", "equal")).toEqual([]);
  });
  test("any addition fails", () => {
    expect(one("enum T { A }", "enum T { A, B }", "equal")).toEqual(["new/p/T.aidl:2:1: p.T differs from old/p/T.aidl: line 3 was '}', is 'B = 1,'"]);
    expect(check({ "A.aidl": "parcelable A {}" }, { "A.aidl": "parcelable A {}", "B.aidl": "parcelable B {}" }, "equal")).toEqual([
      "new/p/B.aidl:2:1: Added type: p.B",
    ]);
  });
});
