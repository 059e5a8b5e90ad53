// Stable AIDL versioning (corpus `versioned/`): `--version N --hash H` adds getInterfaceVersion
// (code 0xFFFFFF) and getInterfaceHash (0xFFFFFE). A V2 client calling a method a V1 server does
// not know gets UNKNOWN_TRANSACTION (the stub's onTransact returns false).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { aidlFilesUnder, compileDir, corpusRoot, freshDir, writeOutput } from "./support/helpers.js";
import { packageEntries } from "./support/package-entries.js";

const PKG = "android/aidl/versioned/tests";
let v1: any;
let v2: any;
let tsb: any;
let dir = "";

beforeAll(async () => {
  dir = freshDir("versioned");
  // V1 of the interface = the corpus file without the methods marked "// V2".
  const src = join(corpusRoot, "versioned");
  const v1Root = join(dir, "v1-src");
  mkdirSync(join(v1Root, PKG), { recursive: true });
  for (const f of ["Foo.aidl", "BazUnion.aidl"]) copyFileSync(join(src, PKG, f), join(v1Root, PKG, f));
  const iface = readFileSync(join(src, PKG, "IFooInterface.aidl"), "utf8");
  expect(iface).toContain("void newApi();");
  writeFileSync(join(v1Root, PKG, "IFooInterface.aidl"), iface.replace("void newApi();", ""));

  const r1 = compileDir(aidlFilesUnder(v1Root), [v1Root], { version: 1, hash: "hash-v1" });
  const r2 = compileDir(aidlFilesUnder(src), [src], { version: 2, hash: "hash-v2" });
  expect(r1.errors).toEqual([]);
  expect(r2.errors).toEqual([]);
  writeOutput(r1.files, join(dir, "v1"));
  writeOutput(r2.files, join(dir, "v2"));
  v1 = await import(pathToFileURL(join(dir, "v1", PKG, "IFooInterface.ts")).href);
  v2 = await import(pathToFileURL(join(dir, "v2", PKG, "IFooInterface.ts")).href);
  tsb = await packageEntries();
});

function v1Server(): any {
  return new (class extends v1.IFooInterfaceStub {
    async originalApi() {}
    async acceptUnionAndReturnString(u: any) { return `tag ${u.tag}: ${u.value}`; }
    async ignoreParcelablesAndRepeatInt(_in: any, _inout: any, _out: any, value: number) { return value; }
    async returnsLengthOfFooArray(foos: any[]) { return foos.length; }
  })();
}

test("meta transaction codes", () => {
  expect(v2.IFooInterface.Codes.getInterfaceVersion).toBe(0xffffff);
  expect(v2.IFooInterface.Codes.getInterfaceHash).toBe(0xfffffe);
  expect(v2.IFooInterface.VERSION).toBe(2);
  expect(v2.IFooInterface.HASH).toBe("hash-v2");
});

test("a V2 client talking to a V1 server: version/hash answer, old methods work, new ones are UNKNOWN_TRANSACTION", async () => {
  const server = v1Server();
  const client = v2.IFooInterface.fromBinder(server); // a V2 proxy: the server is not a V2 stub
  expect(client).toBeInstanceOf(v2.IFooInterfaceProxy);
  expect(await client.getInterfaceVersion()).toBe(1);
  expect(await client.getInterfaceHash()).toBe("hash-v1");
  await client.originalApi();
  expect(await client.acceptUnionAndReturnString({ tag: 0, value: 7 })).toBe("tag 0: 7");
  const Foo2 = (await import(pathToFileURL(join(dir, "v2", PKG, "Foo.ts")).href)).Foo;
  const inout = tsb.holder(new Foo2());
  const out = tsb.holder(new Foo2());
  expect(await client.ignoreParcelablesAndRepeatInt(new Foo2(), inout, out, 43)).toBe(43);
  expect(await client.returnsLengthOfFooArray([new Foo2(), new Foo2()])).toBe(2);
  const err = await client.newApi().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(tsb.UnknownTransactionError);
});

test("in-process: fromBinder returns the local stub itself", async () => {
  const server = v1Server();
  expect(v1.IFooInterface.fromBinder(server)).toBe(server);
  expect(await server.getInterfaceVersion()).toBe(1);
});
