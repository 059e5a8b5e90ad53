// A complete ITestService implementation on the generated stub, shared by the in-process wire
// test and the socket session test.
/* eslint-disable @typescript-eslint/no-explicit-any */
export function makeTestService(gen: Record<string, any>, tsb: any, onewayCalls: string[]): any {
  const { ITestServiceStub, INamedCallbackStub, IOldNameStub, INewNameStub, BackendType, ITestService_Empty } = gen;
  class NamedCallback extends INamedCallbackStub {
    constructor(private readonly name: string) { super(); }
    async GetName() { return this.name; }
  }
  const callbacks = new Map<string, any>();
  const named = (n: string) => {
    if (!callbacks.has(n)) callbacks.set(n, new NamedCallback(n));
    return callbacks.get(n);
  };
  const rev = <T>(a: T[]) => [...a].reverse();
  const reverse = async (input: any, repeated: any) => {
    repeated.value = input instanceof Uint8Array ? Uint8Array.from(input) : [...input];
    return input instanceof Uint8Array ? Uint8Array.from(input).reverse() : rev(input);
  };
  const nullableReverse = async (input: any, repeated: any) => {
    repeated.value = input === null ? null : [...input];
    return input === null ? null : rev(input);
  };
  const verify = async (services: any[] | null, names: (string | null)[] | null) => {
    if (services === null || names === null) return services === names;
    if (services.length !== names.length) return false;
    for (let i = 0; i < services.length; i++) {
      if ((services[i] === null) !== (names[i] === null)) return false;
      if (services[i] !== null && (await services[i].GetName()) !== names[i]) return false;
    }
    return true;
  };
  class TestService extends ITestServiceStub {
    async UnimplementedMethod(arg: number) { return arg; }
    async Deprecated() {}
    async TestOneway() { onewayCalls.push("TestOneway"); }
    async RepeatBoolean(v: boolean) { return v; }
    async RepeatByte(v: number) { return v; }
    async RepeatChar(v: number) { return v; }
    async RepeatInt(v: number) { return v; }
    async RepeatLong(v: bigint) { return v; }
    async RepeatFloat(v: number) { return v; }
    async RepeatDouble(v: number) { return v; }
    async RepeatString(v: string) { return v; }
    async RepeatByteEnum(v: number) { return v; }
    async RepeatIntEnum(v: number) { return v; }
    async RepeatLongEnum(v: bigint) { return v; }
    ReverseBoolean = reverse; ReverseByte = reverse; ReverseChar = reverse; ReverseInt = reverse;
    ReverseLong = reverse; ReverseFloat = reverse; ReverseDouble = reverse; ReverseString = reverse;
    ReverseByteEnum = reverse; ReverseIntEnum = reverse; ReverseLongEnum = reverse;
    async GetOtherTestService(name: string) { return named(name); }
    async VerifyName(service: any, name: string) { return (await service.GetName()) === name; }
    async GetInterfaceArray(names: string[]) { return names.map(named); }
    VerifyNamesWithInterfaceArray = verify;
    async GetNullableInterfaceArray(names: (string | null)[] | null) { return names === null ? null : names.map((n) => (n === null ? null : named(n))); }
    VerifyNamesWithNullableInterfaceArray = verify;
    async GetInterfaceList(names: (string | null)[] | null) { return names === null ? null : names.map((n) => (n === null ? null : named(n))); }
    VerifyNamesWithInterfaceList = verify;
    ReverseStringList = reverse;
    async RepeatParcelFileDescriptor(read: any) { return read; }
    ReverseParcelFileDescriptorArray = reverse;
    async ThrowServiceException(code: number) { throw new tsb.ServiceSpecificException(code, "as requested"); }
    async RepeatNullableIntArray(v: any) { return v; }
    async RepeatNullableByteEnumArray(v: any) { return v; }
    async RepeatNullableIntEnumArray(v: any) { return v; }
    async RepeatNullableLongEnumArray(v: any) { return v; }
    async RepeatNullableString(v: any) { return v; }
    async RepeatNullableStringList(v: any) { return v; }
    async RepeatNullableParcelable(v: any) { return v; }
    async RepeatNullableParcelableArray(v: any) { return v; }
    async RepeatNullableParcelableList(v: any) { return v; }
    seenBinders: any[] = [];
    async TakesAnIBinder(v: any) { this.seenBinders.push(v); }
    async TakesANullableIBinder(v: any) { this.seenBinders.push(v); }
    async TakesAnIBinderList(v: any) { this.seenBinders.push(v); }
    async TakesANullableIBinderList(v: any) { this.seenBinders.push(v); }
    async RepeatUtf8CppString(v: string) { return v; }
    async RepeatNullableUtf8CppString(v: any) { return v; }
    ReverseUtf8CppString = reverse;
    ReverseNullableUtf8CppString = nullableReverse;
    ReverseUtf8CppStringList = nullableReverse;
    async GetCallback(returnNull: boolean) { return returnNull ? null : named("callback"); }
    async FillOutStructuredParcelable(h: any) {
      const p = h.value;
      p.shouldBeJerry = "Jerry";
      p.shouldContainThreeFs = [p.f, p.f, p.f];
      p.shouldBeByteBar = gen.ByteEnum.BAR;
      p.shouldBeIntBar = gen.IntEnum.BAR;
      p.shouldBeLongBar = gen.LongEnum.BAR;
      p.shouldContainTwoByteFoos = [gen.ByteEnum.FOO, gen.ByteEnum.FOO];
      p.shouldContainTwoIntFoos = [gen.IntEnum.FOO, gen.IntEnum.FOO];
      p.shouldContainTwoLongFoos = [gen.LongEnum.FOO, gen.LongEnum.FOO];
      p.const_exprs_1 = 1;
      p.shouldSetBit0AndBit2 = gen.StructuredParcelable.BIT0 | gen.StructuredParcelable.BIT2;
      p.u = gen.Union.ns([1, 2, 3]);
      p.shouldBeConstS1 = gen.Union.s(gen.Union.S1);
    }
    async RepeatExtendableParcelable(ep: any, ep2: any) {
      ep2.value.a = ep.a;
      ep2.value.b = ep.b;
      ep2.value.c = ep.c;
      const ext = ep.ext.getParcelable(gen.MyExt);
      if (ext) ep2.value.ext.setParcelable(ext);
    }
    async ReverseList(list: any) {
      let prev: any = null;
      for (let cur = list; cur; ) {
        const next = cur.next;
        cur.next = prev;
        prev = cur;
        cur = next;
      }
      return prev;
    }
    ReverseIBinderArray = reverse;
    ReverseNullableIBinderArray = nullableReverse;
    async GetOldNameInterface() { return new (class extends IOldNameStub { async RealName() { return "OldName"; } })(); }
    async GetNewNameInterface() { return new (class extends INewNameStub { async RealName() { return "NewName"; } })(); }
    async GetUnionTags(input: any[]) { return input.map((u) => u.tag); }
    async GetCppJavaTests() { return null; }
    async getBackendType() { return BackendType.JAVA; }
  }
  void ITestService_Empty;
  return new TestService();
}

