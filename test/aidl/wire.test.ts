// Wire tests for generated code: ITestService's generated proxy talks to a service built on its
// generated stub, in process, through a loopback binder that copies the request and reply bytes
// (so every value really crosses as bytes). Request bytes of representative methods are
// compared with bytes built independently from the layout rules (support/wire-writer.ts).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { aidlFilesUnder, compileDir, corpusRoot, freshDir, writeOutput } from "./support/helpers.js";
import { loopback, type Call } from "./support/loopback.js";
import { makeTestService } from "./support/test-service.js";
import { ExpectedBytes, hex } from "./support/wire-writer.js";
import { packageEntries } from "./support/package-entries.js";

const DESCRIPTOR = "android.aidl.tests.ITestService";
const FLAG_ONEWAY = 0x01;
const FLAG_CLEAR_BUF = 0x20;

let tsb: any; // the package's entries as the test and generated code see them
let gen: Record<string, any> = {};

async function load(rel: string): Promise<any> {
  return import(pathToFileURL(join(outDir, rel)).href);
}

let outDir = "";
let service: any;
let proxy: any;
const calls: Call[] = [];
const onewayCalls: string[] = [];

beforeAll(async () => {
  outDir = freshDir("wire");
  const inputs = aidlFilesUnder(join(corpusRoot, "android")).filter((f) => !/ICppJavaTests|platform[\\/]IProtected/.test(f));
  const r = compileDir(inputs, [corpusRoot]);
  expect(r.errors).toEqual([]);
  writeOutput(r.files, outDir);
  tsb = await packageEntries();
  for (const name of ["ITestService", "INamedCallback", "IOldName", "INewName", "ByteEnum", "IntEnum", "LongEnum",
    "StructuredParcelable", "Union", "RecursiveList", "BackendType", "extension/ExtendableParcelable", "extension/MyExt"]) {
    Object.assign(gen, await load(`android/aidl/tests/${name}.ts`));
  }
  service = makeTestService(gen, tsb, onewayCalls);
  proxy = new gen.ITestServiceProxy(loopback(tsb, service, calls));
});

/** The last recorded call, asserting its code and flags. */
function lastCall(method: string): Call {
  const c = calls[calls.length - 1]!;
  expect(c.code).toBe(gen.ITestService.Codes[method]);
  return c;
}

const token = () => new ExpectedBytes().str16(DESCRIPTOR);

describe("ITestService: generated proxy ⇄ generated stub round trips", () => {
  test("transaction codes are FIRST_CALL_TRANSACTION + declaration index; @SensitiveData → FLAG_CLEAR_BUF", async () => {
    expect(gen.ITestService.Codes.UnimplementedMethod).toBe(1);
    expect(gen.ITestService.Codes.RepeatBoolean).toBe(4);
    expect(gen.ITestService.Codes.getBackendType).toBe(66);
    await proxy.RepeatInt(5);
    expect(lastCall("RepeatInt").flags).toBe(FLAG_CLEAR_BUF);
  });

  test("primitives", async () => {
    expect(await proxy.RepeatBoolean(true)).toBe(true);
    expect(await proxy.RepeatBoolean(false)).toBe(false);
    expect(await proxy.RepeatByte(-128)).toBe(-128);
    expect(await proxy.RepeatChar(0x263a)).toBe(0x263a);
    expect(await proxy.RepeatInt(-2147483648)).toBe(-2147483648);
    expect(await proxy.RepeatLong(-(1n << 63n))).toBe(-(1n << 63n));
    expect(await proxy.RepeatFloat(Math.fround(9.1))).toBe(Math.fround(9.1));
    expect(await proxy.RepeatDouble(-3.14e17)).toBe(-3.14e17);
    expect(await proxy.RepeatString("héllo \u{1F600}")).toBe("héllo \u{1F600}");
    expect(await proxy.RepeatString("")).toBe("");
    expect(await proxy.RepeatUtf8CppString("utf8 ✓")).toBe("utf8 ✓");
    expect(await proxy.RepeatByteEnum(gen.ByteEnum.BAZ)).toBe(3);
    expect(await proxy.RepeatIntEnum(gen.IntEnum.QUX)).toBe(2002);
    expect(await proxy.RepeatLongEnum(gen.LongEnum.BAZ)).toBe(200000000001n);
    expect(await proxy.UnimplementedMethod(7)).toBe(7);
    await proxy.Deprecated();
    expect(await proxy.getBackendType()).toBe(gen.BackendType.JAVA);
  });

  test("oneway: FLAG_ONEWAY, empty reply, the stub still runs", async () => {
    await proxy.TestOneway();
    expect(lastCall("TestOneway").flags).toBe(FLAG_ONEWAY | FLAG_CLEAR_BUF);
    expect(calls[calls.length - 1]!.reply!.length).toBe(0);
    await vi.waitFor(() => expect(onewayCalls).toEqual(["TestOneway"]));
  });

  test("arrays with out parameters (holders)", async () => {
    const cases: [string, any, any][] = [
      ["ReverseBoolean", [true, false, false], [false, false, true]],
      ["ReverseByte", Uint8Array.of(0, 17, 255), Uint8Array.of(255, 17, 0)],
      ["ReverseChar", [0x61, 0, 0xffff], [0xffff, 0, 0x61]],
      ["ReverseInt", [-1, 0, 17], [17, 0, -1]],
      ["ReverseLong", [-1n, 0n, 1n << 40n], [1n << 40n, 0n, -1n]],
      ["ReverseFloat", [0, Math.fround(0.1), Math.fround(9.1)], [Math.fround(9.1), Math.fround(0.1), 0]],
      ["ReverseDouble", [0, 0.1, 9.1], [9.1, 0.1, 0]],
      ["ReverseString", ["a", "", "ccc"], ["ccc", "", "a"]],
      ["ReverseByteEnum", [1, 2, 3], [3, 2, 1]],
      ["ReverseIntEnum", [1000, 2000], [2000, 1000]],
      ["ReverseLongEnum", [100000000000n, 200000000000n], [200000000000n, 100000000000n]],
      ["ReverseUtf8CppString", ["x", "y"], ["y", "x"]],
    ];
    for (const [method, input, reversed] of cases) {
      const out = tsb.holder(input instanceof Uint8Array ? new Uint8Array(input.length) : new Array(input.length));
      expect(await proxy[method](input, out), method).toEqual(reversed);
      expect(out.value, method).toEqual(input);
    }
    const list = tsb.holder([] as string[]);
    expect(await proxy.ReverseStringList(["1", "2"], list)).toEqual(["2", "1"]);
    expect(list.value).toEqual(["1", "2"]);
  });

  test("nullable values", async () => {
    expect(await proxy.RepeatNullableIntArray(null)).toBeNull();
    expect(await proxy.RepeatNullableIntArray([1, 2])).toEqual([1, 2]);
    expect(await proxy.RepeatNullableByteEnumArray([1, 3])).toEqual([1, 3]);
    expect(await proxy.RepeatNullableByteEnumArray(null)).toBeNull();
    expect(await proxy.RepeatNullableIntEnumArray([2000])).toEqual([2000]);
    expect(await proxy.RepeatNullableLongEnumArray(null)).toBeNull();
    expect(await proxy.RepeatNullableString(null)).toBeNull();
    expect(await proxy.RepeatNullableString("s")).toBe("s");
    expect(await proxy.RepeatNullableStringList(["a", null])).toEqual(["a", null]);
    expect(await proxy.RepeatNullableStringList(null)).toBeNull();
    expect(await proxy.RepeatNullableParcelable(null)).toBeNull();
    expect(await proxy.RepeatNullableParcelable(new gen.ITestService_Empty())).toBeInstanceOf(gen.ITestService_Empty);
    const arr = await proxy.RepeatNullableParcelableArray([new gen.ITestService_Empty(), null]);
    expect(arr.length).toBe(2);
    expect(arr[1]).toBeNull();
    expect(await proxy.RepeatNullableParcelableList(null)).toBeNull();
    expect(await proxy.RepeatNullableUtf8CppString(null)).toBeNull();
    const h = tsb.holder(null);
    expect(await proxy.ReverseNullableUtf8CppString(["a", null, "b"], h)).toEqual(["b", null, "a"]);
    expect(h.value).toEqual(["a", null, "b"]);
    const h2 = tsb.holder(null);
    expect(await proxy.ReverseUtf8CppStringList(null, h2)).toBeNull();
    expect(h2.value).toBeNull();
  });

  test("binders and interfaces", async () => {
    const cb = await proxy.GetOtherTestService("abc");
    expect(await cb.GetName()).toBe("abc");
    expect(await proxy.VerifyName(cb, "abc")).toBe(true);
    expect(await proxy.VerifyName(cb, "xyz")).toBe(false);
    const arr = await proxy.GetInterfaceArray(["a", "b"]);
    expect(await Promise.all(arr.map((x: any) => x.GetName()))).toEqual(["a", "b"]);
    expect(await proxy.VerifyNamesWithInterfaceArray(arr, ["a", "b"])).toBe(true);
    const nArr = await proxy.GetNullableInterfaceArray(["a", null]);
    expect(nArr[1]).toBeNull();
    expect(await proxy.VerifyNamesWithNullableInterfaceArray(nArr, ["a", null])).toBe(true);
    expect(await proxy.GetNullableInterfaceArray(null)).toBeNull();
    const list = await proxy.GetInterfaceList(["q", null]);
    expect(await proxy.VerifyNamesWithInterfaceList(list, ["q", null])).toBe(true);
    expect(await proxy.GetCallback(true)).toBeNull();
    expect(await (await proxy.GetCallback(false)).GetName()).toBe("callback");
    await proxy.TakesAnIBinder(service);
    await proxy.TakesANullableIBinder(null);
    await proxy.TakesAnIBinderList([service, service]);
    await proxy.TakesANullableIBinderList(null);
    expect(service.seenBinders).toEqual([service, null, [service, service], null]);
    const out = tsb.holder(new Array(2));
    expect(await proxy.ReverseIBinderArray([service, cb.asBinder()], out)).toEqual([cb.asBinder(), service]);
    expect(out.value).toEqual([service, cb.asBinder()]);
    const nout = tsb.holder(null);
    expect(await proxy.ReverseNullableIBinderArray([null, service], nout)).toEqual([service, null]);
    expect(await (await proxy.GetOldNameInterface()).RealName()).toBe("OldName");
    const newName = await proxy.GetNewNameInterface();
    expect(await newName.RealName()).toBe("NewName");
    // @Descriptor(value="android.aidl.tests.IOldName")
    expect(gen.INewName.descriptor).toBe("android.aidl.tests.IOldName");
    expect(await proxy.GetCppJavaTests()).toBeNull();
  });

  test("service-specific exceptions travel as AIDL Status", async () => {
    const err = await proxy.ThrowServiceException(42).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tsb.ServiceSpecificException);
    expect(err.errorCode).toBe(42);
    expect(err.message).toBe("as requested");
  });

  test("parcelables: inout, out, recursive, ParcelableHolder extension, union tags", async () => {
    const sp = new gen.StructuredParcelable({ f: 17 });
    const h = tsb.holder(sp);
    await proxy.FillOutStructuredParcelable(h);
    const got = h.value;
    expect(got).not.toBe(sp); // it came back through bytes
    expect(got.shouldBeJerry).toBe("Jerry");
    expect(got.shouldContainThreeFs).toEqual([17, 17, 17]);
    expect(got.shouldBeLongBar).toBe(200000000000n);
    expect(got.shouldContainTwoByteFoos).toEqual([1, 1]);
    expect(got.shouldSetBit0AndBit2).toBe(5);
    expect(got.u).toEqual({ tag: gen.Union.Tag.ns, value: [1, 2, 3] });
    expect(got.shouldBeConstS1).toEqual({ tag: gen.Union.Tag.s, value: "a string constant in union" });
    // defaults survive the trip
    expect(got.stringDefaultsToFoo).toBe("foo");
    expect(got.charDefaultsToC).toBe(0x43);
    expect(got.floatDefaultsToPi).toBe(Math.fround(3.14));
    expect(got.int64_max).toBe(9223372036854775807n);
    expect(got.int8_1).toEqual(Uint8Array.of(1, 1, 1, 1, 1));

    const ep = new gen.ExtendableParcelable({ a: 1, b: "b", c: 3n });
    ep.ext.setParcelable(new gen.MyExt({ a: 42, b: "ext" }));
    const ep2 = tsb.holder(new gen.ExtendableParcelable());
    await proxy.RepeatExtendableParcelable(ep, ep2);
    expect(ep2.value.a).toBe(1);
    expect(ep2.value.c).toBe(3n);
    const ext = ep2.value.ext.getParcelable(gen.MyExt);
    expect(ext.a).toBe(42);
    expect(ext.b).toBe("ext");

    const list = new gen.RecursiveList({ value: 1, next: new gen.RecursiveList({ value: 2, next: new gen.RecursiveList({ value: 3 }) }) });
    const reversed = await proxy.ReverseList(list);
    expect([reversed.value, reversed.next.value, reversed.next.next.value, reversed.next.next.next]).toEqual([3, 2, 1, null]);

    const tags = await proxy.GetUnionTags([gen.Union.n(5), gen.Union.s("x"), gen.Union.ss(["a"]), gen.Union.ibinder(null)]);
    expect(tags).toEqual([gen.Union.Tag.n, gen.Union.Tag.s, gen.Union.Tag.ss, gen.Union.Tag.ibinder]);
  });

  test("file descriptors: request layout (presence, comm flag 0, fd object type 2 + index)", async () => {
    // Parcels only accept fds inside an fd-capable session (the runtime's rule), so this records
    // what the proxy writes into an fd-enabled parcel instead of running the whole round trip;
    // test/aidl/session.test.ts does the round trip when the transport can pass fds.
    const FDS_MODE = 4; // MODE.FDS in src/core/layout.ts
    const seen: Uint8Array[] = [];
    const recorder = {
      newParcel: () => { const p = new tsb.Parcel(); p._setMode(FDS_MODE); return p; },
      async transact(_code: number, data: any) { seen.push(data.toBytes()); throw new Error("recorded"); },
    };
    const fdProxy = new gen.ITestServiceProxy(recorder);
    const [a, b] = [new tsb.ParcelFileDescriptor(100), new tsb.ParcelFileDescriptor(101)];
    await expect(fdProxy.RepeatParcelFileDescriptor(a)).rejects.toThrow("recorded");
    expect(hex(seen[0]!)).toBe(token().i32(1).i32(0).i32(2).i32(0).hex());
    await expect(fdProxy.ReverseParcelFileDescriptorArray([a, b], tsb.holder(new Array(2)))).rejects.toThrow("recorded");
    expect(hex(seen[1]!)).toBe(token().i32(2).i32(1).i32(0).i32(2).i32(0).i32(1).i32(0).i32(2).i32(1).i32(2).hex());
  });

  test("every ITestService method went through the proxy and the stub (fd methods: layout only, above)", () => {
    const seen = new Set(calls.map((c) => c.code));
    const fdOnly = ["RepeatParcelFileDescriptor", "ReverseParcelFileDescriptorArray"];
    const missing = Object.entries(gen.ITestService.Codes as Record<string, number>)
      .filter(([name, code]) => !seen.has(code) && !fdOnly.includes(name)).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  test("calling a code the stub does not know → UnknownTransactionError", async () => {
    const p = new tsb.Parcel();
    p.writeInterfaceToken(DESCRIPTOR);
    await expect(service.transact(12345, p, 0)).rejects.toBeInstanceOf(tsb.UnknownTransactionError);
  });
});

describe("ITestService: exact request bytes (rpc-wire.md §3)", () => {
  async function request(method: string, ...args: any[]): Promise<string> {
    await proxy[method](...args);
    return hex(lastCall(method).request);
  }

  test("interface token + every primitive", async () => {
    expect(await request("RepeatBoolean", true)).toBe(token().i32(1).hex());
    expect(await request("RepeatByte", -128)).toBe(token().i32(-128).hex());
    expect(await request("RepeatChar", 0x61)).toBe(token().i32(0x61).hex());
    expect(await request("RepeatInt", -1)).toBe(token().i32(-1).hex());
    expect(await request("RepeatLong", 1n << 40n)).toBe(token().i64(1n << 40n).hex());
    expect(await request("RepeatFloat", Math.fround(0.1))).toBe(token().f32(0.1).hex());
    expect(await request("RepeatDouble", 9.1)).toBe(token().f64(9.1).hex());
    expect(await request("RepeatString", "baba")).toBe(token().str16("baba").hex());
    expect(await request("RepeatUtf8CppString", "abab")).toBe(token().str16("abab").hex());
    // the token itself: golden vector #0 layout
    expect(token().hex().startsWith("1f000000" + "61006e00")).toBe(true);
  });

  test("enums travel as their backing type", async () => {
    expect(await request("RepeatByteEnum", 2)).toBe(token().i32(2).hex());
    expect(await request("RepeatIntEnum", 2001)).toBe(token().i32(2001).hex());
    expect(await request("RepeatLongEnum", 100000000000n)).toBe(token().i64(100000000000n).hex());
  });

  test("arrays, and out arrays as size only (writeVectorSize)", async () => {
    const h = (n: number) => tsb.holder(new Array(n));
    expect(await request("ReverseBoolean", [true, false], h(2))).toBe(token().i32(2).i32(1).i32(0).i32(2).hex());
    expect(await request("ReverseByte", Uint8Array.of(0, 17, 255), tsb.holder(new Uint8Array(3)))).toBe(token().byteArray([0, 17, 255]).i32(3).hex());
    expect(await request("ReverseChar", [0x61, 0, 0x3f], h(3))).toBe(token().i32(3).i32(0x61).i32(0).i32(0x3f).i32(3).hex());
    expect(await request("ReverseInt", [-1, 0, 17], h(3))).toBe(token().i32(3).i32(-1).i32(0).i32(17).i32(3).hex());
    expect(await request("ReverseLong", [-1n, 17n], h(2))).toBe(token().i32(2).i64(-1n).i64(17n).i32(2).hex());
    expect(await request("ReverseFloat", [Math.fround(0.1)], h(1))).toBe(token().i32(1).f32(0.1).i32(1).hex());
    expect(await request("ReverseDouble", [0.1, 9.1], h(0))).toBe(token().i32(2).f64(0.1).f64(9.1).i32(0).hex());
    expect(await request("ReverseString", ["a", ""], h(2))).toBe(token().i32(2).str16("a").str16("").i32(2).hex());
    // byte-backed enum arrays are packed like byte[] (golden #95)
    expect(await request("ReverseByteEnum", [1, 2], h(2))).toBe(token().byteArray([1, 2]).i32(2).hex());
    expect(await request("ReverseIntEnum", [1000, 2000], h(2))).toBe(token().i32(2).i32(1000).i32(2000).i32(2).hex());
    expect(await request("ReverseLongEnum", [100000000000n], h(1))).toBe(token().i32(1).i64(100000000000n).i32(1).hex());
    // out List<T>: nothing at all is sent for it (only out *arrays* send their size)
    expect(await request("ReverseStringList", ["a"], tsb.holder([]))).toBe(token().i32(1).str16("a").hex());
  });

  test("nullable: arrays and strings -1, parcelables presence 0", async () => {
    expect(await request("RepeatNullableIntArray", null)).toBe(token().i32(-1).hex());
    expect(await request("RepeatNullableString", null)).toBe(token().i32(-1).hex());
    expect(await request("RepeatNullableParcelable", null)).toBe(token().i32(0).hex());
    expect(await request("TakesANullableIBinder", null)).toBe(token().i32(0).i32(0).hex());
    const h = tsb.holder(null);
    expect(await request("ReverseNullableUtf8CppString", ["a", null], h)).toBe(token().i32(2).str16("a").str16(null).i32(-1).hex());
  });

  test("parcelables: presence marker, size including itself, fields in order", async () => {
    // empty parcelable: presence 1, size 4 (just the size field)
    expect(await request("RepeatNullableParcelable", new gen.ITestService_Empty())).toBe(token().i32(1).i32(4).hex());
    // array elements each get a presence marker (golden #104/#105)
    expect(await request("RepeatNullableParcelableArray", [new gen.ITestService_Empty(), null]))
      .toBe(token().i32(2).i32(1).i32(4).i32(0).hex());
    // recursive: { value 1, next { value 2, next null } }
    const list = new gen.RecursiveList({ value: 1, next: new gen.RecursiveList({ value: 2 }) });
    expect(await request("ReverseList", list)).toBe(
      token().i32(1).sized((w) => w.i32(1).i32(1).sized((v) => v.i32(2).i32(0))).hex(),
    );
    // ParcelableHolder fields: presence, stability 0 (local), size 0 (empty); out arg not sent
    const ep = new gen.ExtendableParcelable({ a: 7, b: "b", c: 9n });
    expect(await request("RepeatExtendableParcelable", ep, tsb.holder(new gen.ExtendableParcelable()))).toBe(
      token().i32(1).sized((w) => w.i32(7).str16("b").i32(1).i32(0).i32(0).i64(9n).i32(1).i32(0).i32(0)).hex(),
    );
  });

  test("unions: presence, tag = field index, value", async () => {
    expect(await request("GetUnionTags", [gen.Union.n(5), gen.Union.s("x"), gen.Union.be(gen.ByteEnum.FOO)])).toBe(
      token().i32(3).i32(1).i32(1).i32(5).i32(1).i32(3).str16("x").i32(1).i32(6).i32(1).hex(),
    );
  });

  test("reply: Status OK, result, then out values in order", async () => {
    await proxy.ReverseInt([1, 2], tsb.holder(new Array(2)));
    const reply = calls[calls.length - 1]!.reply!;
    expect(hex(reply)).toBe(new ExpectedBytes().i32(0).i32(2).i32(2).i32(1).i32(2).i32(1).i32(2).hex());
    await proxy.ThrowServiceException(8).catch(() => {});
    const ex = calls[calls.length - 1]!.reply!;
    // EX_SERVICE_SPECIFIC, message, empty stack-trace header, error code (golden #116 layout)
    expect(hex(ex)).toBe(new ExpectedBytes().i32(-8).str16("as requested").i32(0).i32(8).hex());
  });
});
