// Bad input: every class of error is one AidlError with file:line:col and a clear message (never
// a stack trace); names that are TypeScript reserved words are escaped, not rejected.
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { compileSources, errorsOf } from "./support/helpers.js";

/** Compiles one file `p/IFoo.aidl` (or the given name) and returns its errors as "line:col: msg". */
function errs(src: string, file = "p/IFoo.aidl", extra: Record<string, string> = {}): string[] {
  const r = compileSources({ [file]: src, ...extra }, { inputs: [file] });
  for (const e of r.errors) expect(e.message.startsWith(`${e.pos.file}:${e.pos.line}:${e.pos.col}: `)).toBe(true);
  return errorsOf(r);
}

describe("syntax errors", () => {
  test("missing token", () => {
    expect(errs("package p;\ninterface IFoo {\n  void foo(int a\n}\n")).toEqual([
      "4:1: expected ')' to close the argument list but found '}'",
    ]);
  });
  test("unexpected character, unterminated string and comment", () => {
    expect(errs("package p;\ninterface IFoo { # }\n")).toEqual(["2:18: unexpected character '#'"]);
    expect(errs('package p;\nparcelable IFoo {\n  String s = "abc;\n}\n')).toEqual(["3:14: unterminated string literal"]);
    expect(errs("package p;\n/* never closed\ninterface IFoo {}\n")).toEqual(["2:1: unterminated comment"]);
  });
  test("declaration keyword expected", () => {
    expect(errs("package p;\nstruct IFoo {}\n")).toEqual([
      "2:1: expected 'parcelable', 'interface', 'union' or 'enum' but found 'struct'",
    ]);
  });
  test("methods in a parcelable, fields in an interface", () => {
    expect(errs("package p;\nparcelable IFoo {\n  void f();\n}\n")).toEqual(["3:8: a parcelable cannot declare methods"]);
    expect(errs("package p;\ninterface IFoo {\n  int x;\n}\n")).toEqual([
      "3:7: interfaces cannot have fields (did you forget the '(' of a method?)",
    ]);
  });
});

describe("resolution errors", () => {
  test("unknown type", () => {
    expect(errs("package p;\ninterface IFoo {\n  void f(in Bar b);\n}\n")).toEqual(["3:13: unknown type 'Bar'"]);
  });
  test("import that no root provides (what AOSP reports for framework types)", () => {
    expect(errs("package p;\nimport android.os.PersistableBundle;\ninterface IFoo {}\n")).toEqual([
      "2:1: couldn't find import for class android.os.PersistableBundle (not declared in any -I import root)",
    ]);
  });
  test("file name / package must match the declared type", () => {
    expect(errs("package q;\ninterface IFoo {}\n")).toEqual([
      "2:1: type 'q.IFoo' must be declared in a file named 'q/IFoo.aidl' (relative to an import root), not 'p/IFoo.aidl'",
    ]);
  });
  test("cyclic imports are legal when the types resolve (ICircular ⇄ CircularParcelable in AOSP)", () => {
    const r = compileSources({
      "p/ICircular.aidl": "package p;\nimport p.CircularParcelable;\ninterface ICircular {\n  CircularParcelable get();\n}\n",
      "p/CircularParcelable.aidl": "package p;\nimport p.ICircular;\nparcelable CircularParcelable {\n  @nullable ICircular testService;\n}\n",
    });
    expect(errorsOf(r)).toEqual([]);
    expect([...r.files.keys()].sort()).toEqual(["p/CircularParcelable.ts", "p/ICircular.ts"]);
  });
  test("a cycle does not hide a type that does not resolve", () => {
    const r = compileSources({
      "p/A.aidl": "package p;\nimport p.B;\nparcelable A {\n  B b;\n  Missing m;\n}\n",
      "p/B.aidl": "package p;\nimport p.A;\nparcelable B {\n  @nullable A a;\n}\n",
    });
    expect(errorsOf(r)).toEqual(["5:3: unknown type 'Missing'"]);
    expect(r.errors[0]!.pos.file).toBe("p/A.aidl");
    expect(r.files.size).toBe(0);
  });
  test("duplicate definitions", () => {
    expect(errs("package p;\nparcelable IFoo {\n  int a;\n  long a;\n}\n")).toEqual([
      "4:8: duplicate name 'a' in p.IFoo (already used by a field)",
    ]);
  });
});

describe("interface rules", () => {
  test("duplicate transaction id", () => {
    expect(errs("package p;\ninterface IFoo {\n  void a() = 3;\n  void b() = 3;\n}\n")).toEqual([
      "4:14: method 'b' has transaction id 3, already used by method 'a'",
    ]);
  });
  test("transaction id out of range (too large or negative)", () => {
    expect(errs("package p;\ninterface IFoo {\n  void a() = 16777215;\n}\n")).toEqual([
      "3:14: transaction id 16777215 of method 'a' is out of range: ids must be between 0 and 16777114 inclusive (higher ids are reserved for meta methods)",
    ]);
    expect(errs("package p;\ninterface IFoo {\n  void a() = -1;\n}\n")).toEqual([
      "3:14: transaction id -1 of method 'a' is out of range: ids must be between 0 and 16777114 inclusive (higher ids are reserved for meta methods)",
    ]);
  });
  test("explicit and implicit ids mixed", () => {
    expect(errs("package p;\ninterface IFoo {\n  void a() = 1;\n  void b();\n}\n")).toEqual([
      "4:8: method 'b' has no transaction id, but other methods of IFoo do: either assign ids to all methods or to none",
    ]);
  });
  test("explicit ids set the code (FIRST_CALL_TRANSACTION + id)", () => {
    const r = compileSources({ "p/IFoo.aidl": "package p;\ninterface IFoo {\n  void a() = 0;\n  void b() = 10;\n}\n" });
    expect(r.files.get("p/IFoo.ts")).toContain("    a: 1,\n    b: 11,");
  });
  test("out/inout on primitives and String", () => {
    expect(errs("package p;\ninterface IFoo {\n  void f(out int x);\n}\n")).toEqual([
      "3:10: 'out' argument 'x' has type int, which can only be an 'in' argument (primitives, String, enums, interfaces, IBinder and FileDescriptor are passed by value)",
    ]);
    expect(errs("package p;\ninterface IFoo {\n  void f(inout String s);\n}\n")).toEqual([
      "3:10: 'inout' argument 's' has type String, which can only be an 'in' argument (primitives, String, enums, interfaces, IBinder and FileDescriptor are passed by value)",
    ]);
  });
  test("arrays and parcelables need an explicit direction (as in AOSP)", () => {
    expect(errs("package p;\ninterface IFoo {\n  void f(int[] x);\n}\n")).toEqual([
      "3:10: argument 'x' of type int[] can be an out type, so you must declare it as in, out, or inout",
    ]);
  });
  test("oneway methods return nothing and have no out arguments", () => {
    expect(errs("package p;\ninterface IFoo {\n  oneway int f();\n}\n")).toEqual(["3:10: oneway method 'f' cannot return a value"]);
    expect(errs("package p;\noneway interface IFoo {\n  void f(out int[] x);\n}\n")).toEqual([
      "3:10: oneway method 'f' cannot have 'out' argument 'x'",
    ]);
  });
  test("unknown annotation; @nullable on a primitive", () => {
    expect(errs("package p;\n@Nulable interface IFoo {}\n")).toEqual(["2:1: '@Nulable' is not a recognized annotation"]);
    expect(errs("package p;\ninterface IFoo {\n  void f(@nullable int x);\n}\n")).toEqual(["3:20: primitive type 'int' cannot be @nullable"]);
  });
});

describe("constants", () => {
  test("type mismatch and range", () => {
    expect(errs("package p;\ninterface IFoo {\n  const int X = \"s\";\n}\n")).toEqual([
      "3:17: cannot assign string \"s\" to a field or constant of type int",
    ]);
    expect(errs("package p;\ninterface IFoo {\n  const byte B = 128;\n}\n")).toEqual(["3:18: value 128 is out of range for type byte"]);
  });
  test("unknown and circular references, division by zero", () => {
    expect(errs("package p;\ninterface IFoo {\n  const int X = Y;\n}\n")).toEqual(["3:17: unknown constant 'Y'"]);
    expect(errs("package p;\ninterface IFoo {\n  const int X = Y;\n  const int Y = X;\n}\n")).toEqual([
      "3:13: circular reference in the value of constant 'X'",
      "4:13: circular reference in the value of constant 'Y'",
    ]);
    expect(errs("package p;\ninterface IFoo {\n  const int X = 1 / 0;\n}\n")).toEqual(["3:19: division by zero in constant expression"]);
  });
});

describe("TypeScript reserved words are escaped", () => {
  const src = `package p;
interface IFoo {
  const int function = 1;
  void f(int var, String new, in int[] delete, @nullable IBinder data);
  parcelable class {
    int default;
    String in;
  }
  enum typeof { instanceof, void }
}
`;
  test("reserved-word parameters get a trailing underscore; properties stay as written; output is valid TS", () => {
    const r = compileSources({ "p/IFoo.aidl": src });
    expect(errorsOf(r)).toEqual([]);
    const text = r.files.get("p/IFoo.ts")!;
    expect(text).toContain("f(var_: number, new_: string, delete_: number[], data: IBinder | null): Promise<void>;");
    expect(text).toContain("export class IFoo_class ");
    expect(text).toContain("  default: number = 0;");
    expect(text).toContain("export const IFoo_typeof = {");
    const out = ts.transpileModule(text, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } });
    expect(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")) ?? []).toEqual([]);
  });
});

describe("names the generated code needs for itself", () => {
  test("are refused with a clear message", () => {
    expect(errs("package p;\nparcelable IFoo {\n  int writeToParcel;\n}\n")).toEqual([
      "3:7: 'writeToParcel' in p.IFoo clashes with a member the TypeScript back end generates; please rename it",
    ]);
    expect(errs("package p;\ninterface IFoo {\n  void asBinder();\n}\n")).toEqual([
      "3:8: 'asBinder' in p.IFoo clashes with a member the TypeScript back end generates; please rename it",
    ]);
  });
});

describe("unstructured parcelables", () => {
  test("generate a registration point instead of a wire format", () => {
    const r = compileSources({
      "p/Bad.aidl": 'package p;\nparcelable Bad cpp_header "bad.h" ndk_header "bad_ndk.h";\n',
      "p/Pair.aidl": "package p;\nparcelable Pair<A, B>;\n",
      "p/IUse.aidl": "package p;\nimport p.Bad;\nimport p.Pair;\ninterface IUse {\n  Bad f(in Bad b);\n  Pair<int, String> g();\n}\n",
    });
    expect(errorsOf(r)).toEqual([]);
    expect(r.files.get("p/Bad.ts")).toContain('export const Bad = defineUnstructuredParcelable<Bad>("p.Bad");');
    expect(r.files.get("p/Pair.ts")).toContain("export interface Pair<A, B> extends AidlParcelable {}");
    expect(r.files.get("p/IUse.ts")).toContain("readParcelable(reply, () => Pair.create())");
  });
});
