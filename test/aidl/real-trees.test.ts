// What real Android trees contain and the first version of the compiler refused or mangled (issue
// 20's reproductions): built-in imports, the default package, a broken file with named types, a
// fully qualified nested name with several import roots, legacy dotted unstructured parcelables,
// and parameter names that are legal TypeScript.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { compile } from "../../src/aidl/compile.js";
import { compileSources, errorsOf, freshDir, memFs, writeOutput } from "./support/helpers.js";
import { loopback } from "./support/loopback.js";
import { packageEntries } from "./support/package-entries.js";

function compileRoots(files: Record<string, string>, inputs: string[], roots: string[]) {
  return compile({ inputs, importRoots: roots, fs: memFs(files) });
}

describe("1. built-in names may be imported", () => {
  test("android.os.ParcelFileDescriptor, java.util.List and java.util.Map", () => {
    const r = compileSources({
      "a/b/IFoo.aidl": `package a.b;
import android.os.ParcelFileDescriptor;
import java.util.List;
import java.util.Map;
interface IFoo { void f(in ParcelFileDescriptor fd, in List<String> l, in Map<String, int> m); }
`,
    });
    expect(errorsOf(r)).toEqual([]);
    expect(r.files.get("a/b/IFoo.ts")).toContain("f(fd: ParcelFileDescriptor, l: string[], m: Map<string, number>): Promise<void>;");
  });
  test("other framework types still need a root that declares them", () => {
    const r = compileSources({ "a/b/IFoo.aidl": "package a.b;\nimport android.os.PersistableBundle;\ninterface IFoo {}\n" });
    expect(errorsOf(r)).toEqual(["2:1: couldn't find import for class android.os.PersistableBundle (not declared in any -I import root)"]);
  });
});

describe("2. the default package", () => {
  test("types without a package refer to each other", () => {
    const r = compileSources({ "A.aidl": "parcelable A { B b; }", "B.aidl": "parcelable B { int x; }" }, { inputs: ["A.aidl"] });
    expect(errorsOf(r)).toEqual([]);
    expect(r.files.get("A.ts")).toContain('import { B } from "./B.js";');
  });
});

describe("3. a file that fails the file-name check", () => {
  test("reports the file-name error, with no crash, even with fields of named types", () => {
    const r = compileSources({ "a/b/Foo.aidl": "package x.y; parcelable Foo { Baz b; }" });
    expect(errorsOf(r)).toEqual([
      "1:14: type 'x.y.Foo' must be declared in a file named 'x/y/Foo.aidl' (relative to an import root), not 'a/b/Foo.aidl'",
    ]);
  });
  test("and so does a file that declares a nested type", () => {
    const r = compileSources({ "a/b/Foo.aidl": "package x.y; parcelable Foo { Baz b; parcelable In { Baz c; } }" });
    expect(errorsOf(r)).toHaveLength(1);
    expect(errorsOf(r)[0]).toMatch(/must be declared in a file named 'x\/y\/Foo.aidl'/);
  });
});

describe("4. a fully qualified nested name with several import roots", () => {
  const u = "package a.b;\nunion U { int x; String s; parcelable N { int y; } }\n";
  const files = {
    "r1/a/b/U.aidl": u,
    "r2/a/b/U.aidl": u,
    "r1/a/b/IFoo.aidl": "package a.b;\ninterface IFoo { a.b.U.Tag f(in a.b.U.N n); }\n",
  };
  test("the first root that has the type wins", () => {
    const r = compileRoots(files, ["r1/a/b/IFoo.aidl"], ["r1", "r2"]);
    expect(errorsOf(r)).toEqual([]);
    expect(r.files.get("a/b/IFoo.ts")).toContain("f(n: U_N): Promise<U_Tag>;");
  });
  test("also when the only copy is in a later root", () => {
    const { "r1/a/b/U.aidl": _first, ...onlyLater } = files;
    const r = compileRoots(onlyLater, ["r1/a/b/IFoo.aidl"], ["r1", "r2"]);
    expect(errorsOf(r)).toEqual([]);
  });
});

describe("5. legacy dotted unstructured parcelables", () => {
  const files = {
    "p/Outer.aidl": 'package p;\nparcelable Outer.Inner cpp_header "p/Outer.h";\n',
    "p/IUse.aidl": "package p;\nimport p.Outer;\ninterface IUse { Outer.Inner get(); void put(in Outer.Inner v); }\n",
    "q/IOther.aidl": "package q;\nimport p.Outer.Inner;\ninterface IOther { Inner get(); }\n",
  };
  test("declare an unstructured type the user maps, referred to as Outer.Inner", () => {
    const r = compileSources(files);
    expect(errorsOf(r)).toEqual([]);
    expect(r.files.get("p/Outer.ts")).toContain('export const Outer_Inner = defineUnstructuredParcelable<Outer_Inner>("p.Outer.Inner");');
    expect(r.files.get("p/IUse.ts")).toContain("get(): Promise<Outer_Inner>;");
    expect(r.files.get("q/IOther.ts")).toContain('import { Outer_Inner } from "../p/Outer.js";');
  });
  test("in the wrong file, the message says what the declaration is", () => {
    const r = compileSources({ "p/Inner.aidl": "package p;\nparcelable Outer.Inner;\n" });
    expect(errorsOf(r)).toEqual([
      "2:1: unstructured parcelable 'p.Outer.Inner' (a nested class of Outer) must be declared in a file named 'p/Outer.aidl' (relative to an import root), not 'p/Inner.aidl'",
    ]);
  });
});

describe("6. parameter names", () => {
  const src = `package p;
interface INames {
  int f(int type, int async, int number, int result, int code, int data, int reply, int r, int in, int _flags);
  void g(in int[] data, out int[] reply, inout int[] result);
  oneway void h(int code, int data);
}
`;
  test("only reserved words are renamed; the generated locals step aside instead", () => {
    const r = compileSources({ "p/INames.aidl": src });
    expect(errorsOf(r)).toEqual([]);
    const text = r.files.get("p/INames.ts")!;
    expect(text).toContain("f(\n    type: number,\n    async: number,\n    number: number,\n    result: number,\n    code: number,\n    data: number,\n    reply: number,\n    r: number,\n    in_: number,\n    _flags: number,\n  ): Promise<number>;");
    expect(text).toContain("protected override onTransact($code: number, $data: Parcel, $reply: Parcel, $_flags: number)");
    expect(text).not.toMatch(/\b(type|async|number|result|code|data)_\b/);
  });
  test("and the generated proxy and stub still carry every value", async () => {
    const dir = freshDir("names");
    const r = compileSources({ "p/INames.aidl": src });
    writeOutput(r.files, dir);
    const tsb: any = await packageEntries();
    const gen: any = await import(pathToFileURL(join(dir, "p/INames.ts")).href);
    const oneway: number[][] = [];
    class Impl extends gen.INamesStub {
      async f(...a: number[]) { return a.reduce((s, x, i) => s + x * 10 ** i, 0); }
      async g(data: number[], reply: { value: number[] }, result: { value: number[] }) {
        reply.value = data.map((x) => x * 2);
        result.value = [...result.value, data.length];
      }
      async h(code: number, data: number) { oneway.push([code, data]); }
    }
    const proxy = new gen.INamesProxy(loopback(tsb, new Impl()));
    expect(await proxy.f(1, 2, 3, 4, 5, 6, 7, 8, 9, 1)).toBe(1987654321);
    const reply = { value: [0, 0] };
    const result = { value: [7] };
    await proxy.g([3, 4], reply, result);
    expect(reply.value).toEqual([6, 8]);
    expect(result.value).toEqual([7, 2]);
    await proxy.h(11, 12);
    expect(oneway).toEqual([[11, 12]]);
  });
});

describe("@JavaDerive(equals = true, toString = true)", () => {
  const files = {
    "p/P.aidl": `package p;
import p.U;
@JavaDerive(equals=true, toString=true)
parcelable P { int i; long l; String s; byte[] b; List<String> list; @nullable P next; U u; double d; }
`,
    "p/U.aidl": "package p;\n@JavaDerive(equals=true, toString=true)\nunion U { int n; String s; }\n",
    "p/Q.aidl": "package p;\nparcelable Q { int i; }\n",
  };
  test("parcelables get equals() and toString(); unions get equals(a, b) and format(v); others nothing", async () => {
    const r = compileSources(files);
    expect(errorsOf(r)).toEqual([]);
    expect(r.files.get("p/Q.ts")).not.toMatch(/equals|toString/);
    const dir = freshDir("derive");
    writeOutput(r.files, dir);
    const { P }: any = await import(pathToFileURL(join(dir, "p/P.ts")).href);
    const { U }: any = await import(pathToFileURL(join(dir, "p/U.ts")).href);
    const make = () => new P({ i: 1, l: 2n, s: "x", b: Uint8Array.of(1, 2), list: ["a"], next: new P({ i: 9 }), u: U.s("t"), d: NaN });
    expect(make().equals(make())).toBe(true);
    for (const change of [{ i: 2 }, { l: 3n }, { s: "y" }, { b: Uint8Array.of(1, 3) }, { list: ["a", "b"] }, { next: null }, { u: U.n(1) }, { d: 0 }]) {
      expect(make().equals(Object.assign(make(), change)), JSON.stringify(Object.keys(change))).toBe(false);
    }
    expect(make().equals({ ...make() })).toBe(false); // not a P
    expect(new P({ i: 1, s: "x", list: ["a", "b"] }).toString()).toBe(
      "P{i: 1, l: 0, s: x, b: [], list: [a, b], next: null, u: [object Object], d: 0}",
    );
    expect(U.equals(U.s("a"), U.s("a"))).toBe(true);
    expect(U.equals(U.s("a"), U.n(0))).toBe(false);
    expect(U.format(U.s("a"))).toBe("U.s(a)");
  });
});

describe("@Enforce, @EnforcePermission, @PropagateAllowBlocking, @RequiresNoPermission, @SensitiveData", () => {
  test("parse; @SensitiveData sets FLAG_CLEAR_BUF on every call, the others change nothing here", () => {
    const r = compileSources({
      "p/IFoo.aidl": `package p;
@SensitiveData @EnforcePermission("MANAGE_FOO")
interface IFoo {
  @Enforce("permission = MANAGE_FOO") void a();
  @RequiresNoPermission void b();
  @PropagateAllowBlocking IFoo c();
}
`,
    });
    expect(errorsOf(r)).toEqual([]);
    const text = r.files.get("p/IFoo.ts")!;
    expect(text.match(/IFoo\.Codes\.\w+, FLAG_CLEAR_BUF,/g)?.length).toBe(3);
  });
});

describe("union tags as values", () => {
  test("U.Tag.member is a constant of type U.Tag (defaults, arrays), and a field may be named like a derived method", () => {
    const r = compileSources({
      "p/U.aidl": "package p;\nunion U { int a; String b; }\n",
      "p/P.aidl": "package p;\nimport p.U;\nparcelable P { U.Tag t = U.Tag.b; U.Tag[] ts = {U.Tag.a, U.Tag.b}; int equals; }\n",
    });
    expect(errorsOf(r)).toEqual([]);
    const text = r.files.get("p/P.ts")!;
    expect(text).toContain("t: U_Tag = U_Tag.b;");
    expect(text).toContain("ts: U_Tag[] = [U_Tag.a, U_Tag.b];");
    const bad = compileSources({
      "p/U.aidl": "package p;\nunion U { int a; }\n",
      "p/P.aidl": "package p;\nimport p.U;\nparcelable P { U.Tag t = U.Tag.c; U.Tag u = 1; }\n",
    });
    expect(errorsOf(bad)).toEqual([
      "3:26: unknown constant 'U.Tag.c' (union 'p.U' has no member 'c')",
      "3:45: expected a member of U.Tag (U.Tag.<member>)",
    ]);
  });
});

describe("declarations named like the globals generated code uses", () => {
  test("are renamed (Map → Map_), everywhere they are referred to", async () => {
    const r = compileSources({
      "p/Map.aidl": "package p;\nparcelable Map { Map<String, int> m; float f = 1.5f; byte[] b; }\n",
      "p/Promise.aidl": "package p;\ninterface Promise { p.Map get(); }\n",
    });
    expect(errorsOf(r)).toEqual([]);
    expect(r.files.get("p/Map.ts")).toContain("export class Map_ ");
    expect(r.files.get("p/Promise.ts")).toContain("get(): Promise<Map_>;");
    const dir = freshDir("globals");
    writeOutput(r.files, dir);
    const { Map_ }: any = await import(pathToFileURL(join(dir, "p/Map.ts")).href);
    expect(new Map_().m).toBeInstanceOf(Map);
  });
});

describe("arguments named like what the generated body uses", () => {
  test("runtime helpers and imported types step aside (imported under another name)", async () => {
    const r = compileSources({
      "p/Other.aidl": "package p;\nparcelable Other { int x; }\n",
      "p/IArgs.aidl": `package p;
import p.Other;
interface IArgs {
  int[] f(inout int[] holder, in int[] nonNull, in Other Other, out Other readParcelable);
  void g(in IArgs IArgs, int Nested);
  parcelable Nested { int x; }
}
`,
    });
    expect(errorsOf(r)).toEqual([]);
    const text = r.files.get("p/IArgs.ts")!;
    expect(text).toContain("holder as $holder");
    expect(text).toContain("Other as Other$2");
    // an argument named like a type of this file is the one exception: it gets an underscore
    expect(text).toContain("g(IArgs_: IArgs, Nested: number): Promise<void>;");
    const dir = freshDir("arg-names");
    writeOutput(r.files, dir);
    const tsb: any = await packageEntries();
    const gen: any = await import(pathToFileURL(join(dir, "p/IArgs.ts")).href);
    const { Other }: any = await import(pathToFileURL(join(dir, "p/Other.ts")).href);
    class Impl extends gen.IArgsStub {
      async g() {}
      async f(holder: { value: number[] }, nonNull: number[], other: any, out: { value: any }) {
        holder.value = [...holder.value, ...nonNull];
        out.value = new Other({ x: other.x + 1 });
        return [other.x];
      }
    }
    const proxy = new gen.IArgsProxy(loopback(tsb, new Impl()));
    const holder = { value: [1] };
    const out = { value: new Other() };
    expect(await proxy.f(holder, [2, 3], new Other({ x: 41 }), out)).toEqual([41]);
    expect(holder.value).toEqual([1, 2, 3]);
    expect(out.value.x).toBe(42);
  });
});
