// Generated code over a real RPC session (Unix socket, runtimes/node): the ITestService proxy on
// the client, the generated stub as the server's root object, callbacks in both directions and
// file descriptors passed with the messages.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { generateMainSuite } from "./support/helpers.js";
import { makeTestService } from "./support/test-service.js";
import { packageEntries } from "./support/package-entries.js";

let tsb: any;
const gen: Record<string, any> = {};
let server: any;
let session: any;
let proxy: any;
const onewayCalls: string[] = [];
let fdCapable = false;
let fdSkipReason = "";

beforeAll(async () => {
  const out = generateMainSuite("session");
  tsb = await packageEntries();
  for (const name of ["ITestService", "INamedCallback", "IOldName", "INewName", "ByteEnum", "IntEnum", "LongEnum",
    "StructuredParcelable", "Union", "RecursiveList", "BackendType", "extension/ExtendableParcelable", "extension/MyExt"]) {
    Object.assign(gen, await import(pathToFileURL(join(out, `android/aidl/tests/${name}.ts`)).href));
  }
  const path = join(mkdtempSync(join(tmpdir(), "tsb-aidl-")), "s.sock");
  server = await listenUnix(path, { fdModes: [tsb.FdMode.NONE, tsb.FdMode.UNIX] });
  server.setRoot(makeTestService(gen, tsb, onewayCalls));
  try {
    session = await connectUnix(path, { fileDescriptors: true });
    fdCapable = true;
  } catch (e) {
    // fd passing is implemented for Linux (native/fd-socket.ts): there it must work
    if (process.platform === "linux") throw e;
    // Reported, not hidden: the fd test below is skipped and says why.
    fdSkipReason = String(e);
    console.log(`[aidl session] fd passing unavailable, fd test skipped: ${fdSkipReason}`);
    session = await connectUnix(path);
  }
  const root = await session.getRoot();
  expect(await root.getInterfaceDescriptor()).toBe("android.aidl.tests.ITestService");
  proxy = gen.ITestService.fromBinder(root);
});

afterAll(async () => {
  session?.shutdown();
  await server?.shutdown();
});

describe("ITestService over a Unix-socket RPC session", () => {
  test("the client side is a proxy", () => {
    expect(proxy).toBeInstanceOf(gen.ITestServiceProxy);
  });

  test("values, arrays, parcelables, unions", async () => {
    expect(await proxy.RepeatLong(-5n)).toBe(-5n);
    expect(await proxy.RepeatString("über")).toBe("über");
    const out = tsb.holder(new Array(3));
    expect(await proxy.ReverseIntEnum([1000, 2000, 2001], out)).toEqual([2001, 2000, 1000]);
    expect(out.value).toEqual([1000, 2000, 2001]);
    const h = tsb.holder(new gen.StructuredParcelable({ f: 3 }));
    await proxy.FillOutStructuredParcelable(h);
    expect(h.value.shouldContainThreeFs).toEqual([3, 3, 3]);
    expect(await proxy.GetUnionTags([gen.Union.m(1), gen.Union.be(2)])).toEqual([2, 6]);
  });

  test("exceptions and oneway", async () => {
    const err = await proxy.ThrowServiceException(-7).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tsb.ServiceSpecificException);
    expect(err.errorCode).toBe(-7);
    await proxy.TestOneway();
    await vi.waitFor(() => expect(onewayCalls).toContain("TestOneway"));
  });

  test("interfaces: server objects come back as proxies; client objects are called back", async () => {
    const cb = await proxy.GetOtherTestService("remote");
    expect(cb).toBeInstanceOf(gen.INamedCallbackProxy);
    expect(await cb.GetName()).toBe("remote");
    expect(await proxy.VerifyName(cb, "remote")).toBe(true);
    // a callback implemented here, called by the server during the call (nested transaction)
    const mine = new (class extends gen.INamedCallbackStub {
      async GetName() { return "local"; }
    })();
    expect(await proxy.VerifyName(mine, "local")).toBe(true);
    expect(await proxy.VerifyNamesWithInterfaceArray([mine, cb], ["local", "remote"])).toBe(true);
  });

  test("file descriptors travel with the message (fd-passing transport; skipped with the reason logged only off Linux)", async (ctx) => {
    if (!fdCapable) ctx.skip(`transport cannot pass fds: ${fdSkipReason}`);
    const dir = mkdtempSync(join(tmpdir(), "tsb-aidl-fd-"));
    const file = join(dir, "f.txt");
    const fd = openSync(file, "w+");
    const pfd = new tsb.ParcelFileDescriptor(fd);
    const back = await proxy.RepeatParcelFileDescriptor(pfd);
    expect(back).toBeInstanceOf(tsb.ParcelFileDescriptor);
    expect(back.fd).toBeGreaterThanOrEqual(0);
    writeSync(back.fd, "written through the fd that came back");
    back.close();
    expect(readFileSync(file, "utf8")).toBe("written through the fd that came back");
    try { closeSync(fd); } catch { /* the parcel may own it */ }
  });

  test("generated stubs hand returned descriptors to the reply: no leak over many calls", async (ctx) => {
    if (!fdCapable) ctx.skip(`transport cannot pass fds: ${fdSkipReason}`);
    const fd = openSync(join(mkdtempSync(join(tmpdir(), "tsb-aidl-fd-")), "g.txt"), "w+");
    const pfd = new tsb.ParcelFileDescriptor(fd);
    const count = () => readdirSync("/proc/self/fd").length;
    (await proxy.RepeatParcelFileDescriptor(pfd)).close();
    const before = count();
    for (let i = 0; i < 200; i++) (await proxy.RepeatParcelFileDescriptor(pfd)).close();
    const out = tsb.holder(new Array(2));
    const rev = await proxy.ReverseParcelFileDescriptorArray([pfd, pfd], out);
    expect(rev).toHaveLength(2);
    expect(out.value).toHaveLength(2);
    for (const p of [...rev, ...out.value]) p.close();
    expect(Math.abs(count() - before)).toBeLessThanOrEqual(3);
    pfd.close();
  });
});
