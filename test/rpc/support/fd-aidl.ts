// An AIDL interface whose methods hand file descriptors over in every shape a stub can
// (return value, out and inout arguments, arrays, @nullable, fields of a parcelable and a
// union, a oneway argument), compiled with tsbinder's AIDL compiler at test time. The
// generated code imports "tsbinder/codegen" (vitest.config.ts maps it to src/codegen.ts).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { closeSync, writeSync } from "node:fs";
import { nodePlatform } from "../../../runtimes/node/platform.js";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileSources, freshDir, writeOutput } from "../../aidl/support/helpers.js";
import { pipe } from "../fd-service.js";
import { packageEntries } from "../../aidl/support/package-entries.js";

export const FDS_AIDL: Record<string, string> = {
  "fdtest/FdPair.aidl": `package fdtest;
parcelable FdPair { ParcelFileDescriptor a; ParcelFileDescriptor b; int tag; }`,
  "fdtest/FdOrInt.aidl": `package fdtest;
union FdOrInt { int n; ParcelFileDescriptor fd; }`,
  "fdtest/IFds.aidl": `package fdtest;
import fdtest.FdPair;
import fdtest.FdOrInt;
interface IFds {
  ParcelFileDescriptor make(String text);
  ParcelFileDescriptor[] many(int n);
  @nullable ParcelFileDescriptor maybe(boolean give);
  FdPair pair();
  FdOrInt unionFd();
  void outFd(out FdPair p);
  void inoutFd(inout FdPair p);
  ParcelFileDescriptor throwsAfter(boolean fail);
  oneway void drop(in ParcelFileDescriptor fd);
  int count();
}`,
};

/** What each method returns, in fds (with the `many` count fixed by the caller). */
export const FDS_PER_CALL = { make: 1, maybe: 1, pair: 2, unionFd: 1, outFd: 2, inoutFd: 2 } as const;

/** The generated code (compiled into .tmp/aidl-tests/`name`) and the package's entries. */
export async function loadFdAidl(name: string): Promise<{ tsb: any; gen: Record<string, any> }> {
  const tsb = await packageEntries();
  const r = compileSources(FDS_AIDL);
  if (r.errors.length) throw new Error(r.errors.map((e) => e.message).join("\n"));
  const out = freshDir(name);
  writeOutput(r.files, out);
  const gen: Record<string, any> = {};
  for (const f of ["IFds", "FdPair", "FdOrInt"]) Object.assign(gen, await import(pathToFileURL(join(out, `fdtest/${f}.ts`)).href));
  return { tsb, gen };
}

/** A pipe's read end holding `text` (the write end is closed). */
export function filledPipe(tsb: any, text: string): any {
  const [r, w] = pipe();
  try { writeSync(w, text); } finally { closeSync(w); }
  return new tsb.ParcelFileDescriptor(r, nodePlatform);
}

/** The service: every descriptor it returns is a new pipe's read end, handed over. */
export function makeFdService(gen: Record<string, any>, tsb: any): any {
  const { IFdsStub, FdPair, FdOrInt } = gen;
  const newPair = (tag: number) => Object.assign(new FdPair(), { a: filledPipe(tsb, `a${tag}`), b: filledPipe(tsb, `b${tag}`), tag });
  class FdService extends IFdsStub {
    calls = 0;
    async make(text: string) { this.calls++; return filledPipe(tsb, text); }
    async many(n: number) { this.calls++; return Array.from({ length: n }, (_, i) => filledPipe(tsb, String(i))); }
    async maybe(give: boolean) { this.calls++; return give ? filledPipe(tsb, "maybe") : null; }
    async pair() { this.calls++; return newPair(1); }
    async unionFd() { this.calls++; return FdOrInt.fd(filledPipe(tsb, "union")); }
    async outFd(p: { value: any }) { this.calls++; p.value = newPair(2); }
    async inoutFd(p: { value: any }) {
      this.calls++;
      // the argument's descriptors are ours (received duplicates): close them, hand new ones back
      p.value.a?.close();
      p.value.b?.close();
      p.value = newPair(p.value.tag + 1);
    }
    async throwsAfter(fail: boolean) {
      this.calls++;
      const pfd = filledPipe(tsb, "never");
      // a stub that fails after making a descriptor closes it itself: nothing was handed over
      if (fail) { pfd.close(); throw new tsb.ServiceSpecificException(7, "asked to fail"); }
      return pfd;
    }
    async drop(fd: any) { this.calls++; fd.close(); }
    async count() { return this.calls; }
  }
  return new FdService();
}
