// Round trips through generated code for the rest of the corpus' type zoo: Map<String, V> (Java's
// typed map encoding), fixed-size and multi-dimensional arrays, interface arrays/lists with every
// direction, nested types, unions of enums/unions, an unstructured generic parcelable supplied by
// the user, and a property test that random StructuredParcelables survive write → read.
/* eslint-disable @typescript-eslint/no-explicit-any */
import fc from "fast-check";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { generateMainSuite } from "./support/helpers.js";
import { loopback, type Call } from "./support/loopback.js";
import { ExpectedBytes, hex } from "./support/wire-writer.js";
import { packageEntries } from "./support/package-entries.js";

let tsb: any;
let out = "";
const load = (rel: string): Promise<any> => import(pathToFileURL(join(out, "android/aidl", rel)).href);

beforeAll(async () => {
  out = generateMainSuite("types");
  tsb = await packageEntries();
});

describe("Map<String, V>", () => {
  test("round trip of every map flavour; request bytes follow Java's typed map layout", async () => {
    const { IMapTestStub, IMapTestProxy } = await load("tests/map/IMapTest.ts");
    const { Bar } = await load("tests/map/Bar.ts");
    const { IEmptyStub } = await load("tests/map/IEmpty.ts");
    const echo = async (input: any, output: any) => { output.value = input; return input; };
    const impl = new (class extends IMapTestStub {
      repeatIntEnumArrayMap = echo; repeatIntArrayMap = echo; repeatBarMap = echo; repeatBarArrayMap = echo;
      repeatStringMap = echo; repeatStringArrayMap = echo; repeatInterfaceMap = echo; repeatIbinderMap = echo;
    })();
    const calls: Call[] = [];
    const proxy = new IMapTestProxy(loopback(tsb, impl, calls));
    const h = () => tsb.holder(null);

    const strings = new Map([["a", "x"], ["b", "y"]]);
    const o1 = h();
    expect(await proxy.repeatStringMap(strings, o1)).toEqual(strings);
    expect(o1.value).toEqual(strings);
    // int32 count, then key String16 + value for each entry; `out` maps send nothing
    expect(hex(calls.at(-1)!.request)).toBe(new ExpectedBytes().str16("android.aidl.tests.map.IMapTest")
      .i32(2).str16("a").str16("x").str16("b").str16("y").hex());

    const bars = new Map([["k", new Bar({ a: 1, b: "one" })]]);
    const got = await proxy.repeatBarMap(bars, h());
    expect(got.get("k")).toBeInstanceOf(Bar);
    expect(got.get("k").b).toBe("one");
    expect((await proxy.repeatBarArrayMap(new Map([["q", [new Bar({ a: 2 })]]]), h())).get("q")[0].a).toBe(2);
    expect(await proxy.repeatIntArrayMap(new Map([["i", [1, 2]]]), h())).toEqual(new Map([["i", [1, 2]]]));
    expect(await proxy.repeatIntEnumArrayMap(new Map([["e", [1000]]]), h())).toEqual(new Map([["e", [1000]]]));
    expect(await proxy.repeatStringArrayMap(new Map([["s", ["t"]]]), h())).toEqual(new Map([["s", ["t"]]]));
    const empty = new (class extends IEmptyStub {})();
    expect((await proxy.repeatInterfaceMap(new Map([["i", empty]]), h())).get("i")).toBe(empty);
    expect((await proxy.repeatIbinderMap(new Map([["b", empty]]), h())).get("b")).toBe(empty);
    // Map arguments are not @nullable: null is refused when the stub reads it
    await expect(proxy.repeatStringMap(null, h())).rejects.toThrow(/unexpected null Map<String, String>/);
  });
});

describe("fixed-size and multi-dimensional arrays", () => {
  test("IRepeatFixedSizeArray: count first like a vector, sizes enforced", async () => {
    const m = await load("fixedsizearray/FixedSizeArrayExample.ts");
    const echo = async (input: any, repeated: any) => { repeated.value = input; return input; };
    const impl = new (class extends m.FixedSizeArrayExample_IRepeatFixedSizeArrayStub {
      RepeatBytes = echo; RepeatInts = echo; RepeatBinders = echo; RepeatParcelables = echo;
      Repeat2dBytes = echo; Repeat2dInts = echo; Repeat2dBinders = echo; Repeat2dParcelables = echo;
    })();
    const calls: Call[] = [];
    const proxy = new m.FixedSizeArrayExample_IRepeatFixedSizeArrayProxy(loopback(tsb, impl, calls));
    const bytesOut = tsb.holder(new Uint8Array(3));
    expect(await proxy.RepeatBytes(Uint8Array.of(1, 2, 3), bytesOut)).toEqual(Uint8Array.of(1, 2, 3));
    expect(bytesOut.value).toEqual(Uint8Array.of(1, 2, 3));
    const grid = [[1, 2, 3], [4, 5, 6]];
    expect(await proxy.Repeat2dInts(grid, tsb.holder(null))).toEqual(grid);
    // outer count 2, then each row as an int vector of 3; out fixed arrays send nothing
    expect(hex(calls.at(-1)!.request)).toBe(new ExpectedBytes().str16("android.aidl.fixedsizearray.FixedSizeArrayExample.IRepeatFixedSizeArray")
      .i32(2).i32(3).i32(1).i32(2).i32(3).i32(3).i32(4).i32(5).i32(6).hex());
    const ps = [[new m.FixedSizeArrayExample_IntParcelable({ value: 7 })], []];
    await expect(proxy.Repeat2dParcelables(ps, tsb.holder(null))).rejects.toThrow(/fixed-size array/);
    const good = [0, 1].map((i) => [0, 1, 2].map((j) => new m.FixedSizeArrayExample_IntParcelable({ value: i * 3 + j })));
    const back = await proxy.Repeat2dParcelables(good, tsb.holder(null));
    expect(back.flat().map((p: any) => p.value)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test("FixedSizeArrayExample parcelable: defaults and round trip", async () => {
    const { FixedSizeArrayExample } = await load("fixedsizearray/FixedSizeArrayExample.ts");
    const v = new FixedSizeArrayExample();
    expect(v.int2x3).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(v.stringMatrix).toEqual([["hello", "world"], ["Ciao", "mondo"]]);
    expect(v.byteMatrix).toEqual([new Uint8Array(2), new Uint8Array(2)]);
    expect(v.longArray).toEqual([0n, 0n]);
    expect(v.binderNullableArray).toBeNull();
    v.int2x3 = [[9, 8, 7], [6, 5, 4]];
    v.byteNullableMatrix = [Uint8Array.of(1, 2), Uint8Array.of(3, 4)];
    const p = new tsb.Parcel();
    v.writeToParcel(p);
    p.dataPosition = 0;
    const w = new FixedSizeArrayExample();
    w.readFromParcel(p);
    expect(w.int2x3).toEqual([[9, 8, 7], [6, 5, 4]]);
    expect(w.byteNullableMatrix).toEqual([Uint8Array.of(1, 2), Uint8Array.of(3, 4)]);
    expect(w.parcelableMatrix.flat().length).toBe(4);
    v.intArray = [1, 2, 3];
    expect(() => v.writeToParcel(new tsb.Parcel())).toThrow(/fixed-size array/);
  });
});

describe("interfaces in every direction, nested types, unions", () => {
  test("ArrayOfInterfaces.IMyInterface: in/out/inout interface arrays, nullable", async () => {
    const m = await load("tests/ArrayOfInterfaces.ts");
    const empty = () => new (class extends m.ArrayOfInterfaces_IEmptyInterfaceStub {})();
    const [a, b, c] = [empty(), empty(), empty()];
    const impl = new (class extends m.ArrayOfInterfaces_IMyInterfaceStub {
      async methodWithInterfaces(iface: any, nullable: any, inArr: any, outArr: any, inoutArr: any, nIn: any, nOut: any, nInout: any) {
        outArr.value = inArr;
        inoutArr.value = [...inoutArr.value].reverse();
        nOut.value = nIn;
        nInout.value = null;
        return nullable === null ? null : [iface, nullable];
      }
    })();
    const proxy = new m.ArrayOfInterfaces_IMyInterfaceProxy(loopback(tsb, impl));
    const out = tsb.holder([null, null]);
    const inout = tsb.holder([a, b]);
    const nOut = tsb.holder(null);
    const nInout = tsb.holder([c]);
    const r = await proxy.methodWithInterfaces(a, b, [c, a], out, inout, null, nOut, nInout);
    expect(r).toEqual([a, b]);
    expect(out.value).toEqual([c, a]);
    expect(inout.value).toEqual([b, a]);
    expect(nOut.value).toBeNull();
    expect(nInout.value).toBeNull();
    // the parcelable and union with interface fields
    const mp = new m.ArrayOfInterfaces_MyParcelable({ iface: a, iface_array: [b] });
    const p = new tsb.Parcel();
    mp.writeToParcel(p);
    tsb.writeUnion(p, m.ArrayOfInterfaces_MyUnion, m.ArrayOfInterfaces_MyUnion.iface_array([c]));
    p.dataPosition = 0;
    const mp2 = new m.ArrayOfInterfaces_MyParcelable();
    mp2.readFromParcel(p);
    expect(mp2.iface).toBe(a);
    expect(mp2.nullable_iface).toBeNull();
    expect(mp2.iface_array).toEqual([b]);
    expect(tsb.readUnion(p, m.ArrayOfInterfaces_MyUnion)).toEqual({ tag: 2, value: [c] });
  });

  test("ILoggableInterface.LogThis: many inout arguments in order", async () => {
    const { ILoggableInterfaceStub, ILoggableInterfaceProxy } = await load("loggable/ILoggableInterface.ts");
    const { Data } = await load("loggable/Data.ts");
    const impl = new (class extends ILoggableInterfaceStub {
      async LogThis(...args: any[]) {
        // every inout array is reversed, the string list gets an extra element
        for (const i of [1, 3, 5, 7, 9, 11, 13, 15]) args[i].value = args[i].value.slice().reverse();
        args[16].value = [...args[16].value, "end"];
        return [String(args[0]), args[17].str, String(args[17].nestedEnum)];
      }
    })();
    const proxy = new ILoggableInterfaceProxy(loopback(tsb, impl));
    const H = tsb.holder;
    const bools = H([true, false]); const bytes = H(Uint8Array.of(1, 2)); const chars = H([65, 66]);
    const ints = H([1, 2]); const longs = H([1n, 2n]); const floats = H([1, 2]); const doubles = H([1.5, 2.5]);
    const strs = H(["a", "b"]); const list = H(["x"]); const pfd = H(null); const pfds = H([]);
    const r = await proxy.LogThis(true, bools, 1, bytes, 65, chars, 1, ints, 1n, longs, 1, floats, 1, doubles,
      "s", strs, list, new Data({ str: "data" }), null, pfd, pfds);
    expect(r).toEqual(["true", "data", "42"]);
    expect([bools.value, chars.value, ints.value, longs.value, doubles.value, strs.value, list.value]).toEqual([
      [false, true], [66, 65], [2, 1], [2n, 1n], [2.5, 1.5], ["b", "a"], ["x", "end"]]);
    expect(bytes.value).toEqual(Uint8Array.of(2, 1));
  });

  test("nested types and deeply nested defaults", async () => {
    const n = await load("tests/nested/INestedService.ts");
    const { ParcelableWithNested, ParcelableWithNested_Status } = await load("tests/nested/ParcelableWithNested.ts");
    const { DeeplyNested_A, DeeplyNested_B_C_D_E } = await load("tests/nested/DeeplyNested.ts");
    expect(new DeeplyNested_A().e).toBe(DeeplyNested_B_C_D_E.OK);
    const seen: number[] = [];
    const impl = new (class extends n.INestedServiceStub {
      async flipStatus(p: any) {
        return new n.INestedService_Result({ status: p.status === ParcelableWithNested_Status.OK ? ParcelableWithNested_Status.NOT_OK : ParcelableWithNested_Status.OK });
      }
      async flipStatusWithCallback(status: number, cb: any) { await cb.done(1 - status); }
    })();
    const proxy = new n.INestedServiceProxy(loopback(tsb, impl));
    expect((await proxy.flipStatus(new ParcelableWithNested())).status).toBe(ParcelableWithNested_Status.NOT_OK);
    const cb = new (class extends n.INestedService_ICallbackStub { async done(s: number) { seen.push(s); } })();
    await proxy.flipStatusWithCallback(ParcelableWithNested_Status.OK, cb);
    expect(seen).toEqual([ParcelableWithNested_Status.NOT_OK]);
  });

  test("unions of enums and of unions; defaults are the first field", async () => {
    const { EnumUnion, EnumUnion_Tag } = await load("tests/unions/EnumUnion.ts");
    const { UnionInUnion } = await load("tests/unions/UnionInUnion.ts");
    expect(EnumUnion.create()).toEqual({ tag: EnumUnion_Tag.intEnum, value: 1000 });
    const v = UnionInUnion.first(EnumUnion.longEnum(200000000000n));
    const p = new tsb.Parcel();
    tsb.writeUnion(p, UnionInUnion, v);
    expect(hex(p.toBytes())).toBe(new ExpectedBytes().i32(1).i32(0).i32(1).i32(1).i64(200000000000n).hex());
    p.dataPosition = 0;
    expect(tsb.readUnion(p, UnionInUnion)).toEqual(v);
    const bad = tsb.Parcel.fromBytes(new Uint8Array([9, 0, 0, 0]));
    expect(() => UnionInUnion.readFromParcel(bad)).toThrow(/unknown tag 9/);
  });

  test("an unstructured generic parcelable (Pair<A,B>) works once the user registers it", async () => {
    const { Pair } = await load("tests/generic/Pair.ts");
    const { IFazStub, IFazProxy } = await load("tests/generic/IFaz.ts");
    class MyPair {
      constructor(public first = 0, public second = "") {}
      writeToParcel(p: any) { p.writeInt32(this.first); p.writeString16(this.second); }
      readFromParcel(p: any) { this.first = p.readInt32(); this.second = p.readString16(); }
    }
    const impl = new (class extends IFazStub {
      async getPair() { return new MyPair(1, "one"); }
      async getPair2() { return new MyPair(); }
      async getPair3() { return new MyPair(); }
    })();
    const proxy = new IFazProxy(loopback(tsb, impl));
    await expect(proxy.getPair()).rejects.toThrow(/no implementation registered/);
    Pair.register(() => new MyPair());
    const got = await proxy.getPair();
    expect(got).toBeInstanceOf(MyPair);
    expect([got.first, got.second]).toEqual([1, "one"]);
  });
});

describe("property: random StructuredParcelables survive write → read", () => {
  test("fast-check", async () => {
    const { StructuredParcelable } = await load("tests/StructuredParcelable.ts");
    const { Union } = await load("tests/Union.ts");
    const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    const str = fc.string({ unit: "grapheme", maxLength: 20 });
    const union = fc.oneof(
      fc.array(int32, { maxLength: 5 }).map((v) => Union.ns(v)),
      int32.map((v) => Union.n(v)),
      str.map((v) => Union.s(v)),
      fc.array(str, { maxLength: 3 }).map((v) => Union.ss(v)),
      fc.constantFrom(1, 2, 3).map((v) => Union.be(v)),
    );
    fc.assert(fc.property(
      fc.record({
        shouldContainThreeFs: fc.array(int32, { maxLength: 8 }),
        f: int32,
        shouldBeJerry: str,
        shouldBeByteBar: fc.constantFrom(1, 2, 3),
        shouldBeLongBar: fc.constantFrom(100000000000n, 200000000000n),
        longDefault: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        floatDefault: fc.float({ noNaN: true }),
        doubleDefault: fc.double({ noNaN: true }),
        byteDefault: fc.integer({ min: -128, max: 127 }),
        charDefaultsToC: fc.integer({ min: 0, max: 0xffff }),
        booleanDefaultsToTrue: fc.boolean(),
        int8_1: fc.uint8Array({ maxLength: 9 }),
        checkStringArray1: fc.array(str, { maxLength: 4 }),
        u: fc.option(union, { nil: null }),
      }),
      (fields) => {
        const v = new StructuredParcelable(fields);
        const p = new tsb.Parcel();
        try {
          v.writeToParcel(p);
          p.dataPosition = 0;
          const w = new StructuredParcelable();
          w.readFromParcel(p);
          expect(w).toEqual(v);
          expect(p.dataPosition).toBe(p.dataSize);
        } finally {
          p.dispose();
        }
      },
    ), { numRuns: 200 });
  });

  test("forward/backward compatibility: fewer fields keep defaults, extra trailing bytes are skipped", async () => {
    const { StructuredParcelable } = await load("tests/StructuredParcelable.ts");
    // an "older writer" that only knows the first two fields
    const p = new tsb.Parcel();
    p.writeInt32(1); // presence, as inside a parcelable-typed value
    const start = p.beginParcelable();
    p.writeInt32Array([7, 7, 7]);
    p.writeInt32(5);
    p.endParcelable(start);
    p.writeInt32(0x1234); // something after the parcelable
    p.dataPosition = 0;
    const v = tsb.readParcelable(p, () => new StructuredParcelable());
    expect(v.shouldContainThreeFs).toEqual([7, 7, 7]);
    expect(v.f).toBe(5);
    expect(v.stringDefaultsToFoo).toBe("foo");
    expect(p.readInt32()).toBe(0x1234);
    // a "newer writer" with an unknown trailing field: the reader skips it
    const Empty = (await load("tests/StructuredParcelable.ts")).StructuredParcelable_Empty;
    const r = new tsb.Parcel();
    const s3 = r.beginParcelable();
    r.writeInt32(99); // a field Empty does not know
    r.endParcelable(s3);
    r.writeInt32(0x55);
    r.dataPosition = 0;
    new Empty().readFromParcel(r);
    expect(r.readInt32()).toBe(0x55);
  });
});
