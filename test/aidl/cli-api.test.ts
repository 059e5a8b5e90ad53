// The stable-AIDL commands of `tsbinder aidl` (in-process): --dumpapi writes AOSP's dump files,
// --checkapi exits non-zero with file:line:col for each violation, --compute-hash prints the hash
// a frozen version's .hash file holds.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli as run } from "./support/cli.js";
import { freshDir } from "./support/helpers.js";
import { android14Root } from "./support/android14.js";

const light = join(android14Root, "light/aidl");
const lightApi = join(light, "aidl_api/android.hardware.light");

describe("tsbinder aidl --dumpapi", () => {
  test("dumps the sources of a module: the module's current dump, byte for byte", async () => {
    const out = freshDir("cli-dumpapi");
    const r = await run(["aidl", join(light, "android"), "-I", light, "--dumpapi", out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("dumped the API of 6 file(s)");
    for (const f of ["HwLight", "ILights", "LightType", "BrightnessMode", "FlashMode", "HwLightState"]) {
      const rel = `android/hardware/light/${f}.aidl`;
      expect(readFileSync(join(out, rel), "utf8"), rel).toBe(readFileSync(join(lightApi, "current", rel), "utf8"));
    }
  });
  test("refuses invalid input with the compiler's errors and writes nothing", async () => {
    const dir = freshDir("cli-dumpapi-bad");
    mkdirSync(join(dir, "p"), { recursive: true });
    writeFileSync(join(dir, "p/IBad.aidl"), "package p;\ninterface IBad { Nope f(); }\n");
    const r = await run(["aidl", join(dir, "p"), "-I", dir, "--dumpapi", join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("IBad.aidl:2:18: unknown type 'Nope'");
  });
});

describe("tsbinder aidl --checkapi", () => {
  test("a frozen version against the next one: compatible, exit 0", async () => {
    const r = await run(["aidl", "--checkapi", join(lightApi, "1"), join(lightApi, "2")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("is compatible with");
  });
  test("backwards, or at level equal: each violation as file:line:col, exit 1", async () => {
    const back = await run(["aidl", "--checkapi", join(lightApi, "2"), join(lightApi, "1")]);
    expect(back.code).toBe(1);
    expect(back.err).toMatch(/\/1\/android\/hardware\/light\/LightType\.aidl:\d+:\d+: Removed enumerator from android\.hardware\.light\.LightType: CAMERA/);
    const equal = await run(["aidl", "--checkapi=equal", join(lightApi, "1"), join(lightApi, "2")]);
    expect(equal.code).toBe(1);
    expect(equal.err).toContain("is not equal to");
  });
  test("usage errors", async () => {
    expect((await run(["aidl", "--checkapi", join(lightApi, "1")])).code).toBe(2);
    expect((await run(["aidl", "--checkapi=strict", join(lightApi, "1"), join(lightApi, "2")])).code).toBe(2);
    expect((await run(["aidl", "--checkapi", join(lightApi, "1"), join(lightApi, "1")])).code).toBe(2);
  });
});

describe("tsbinder aidl --compute-hash", () => {
  test("prints the hash of a frozen version, the previous version taken from its siblings", async () => {
    for (const v of ["1", "2"]) {
      const r = await run(["aidl", "--compute-hash", join(lightApi, v)]);
      expect(r.code).toBe(0);
      const want = readFileSync(join(lightApi, v, ".hash"), "utf8").split("\n").filter(Boolean);
      expect(want).toContain(r.out.trim());
    }
  });
  test("--previous-version overrides; a directory that is not numbered needs it", async () => {
    const r = await run(["aidl", "--compute-hash", join(lightApi, "2"), "--previous-version", "latest-version"]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(lightApi, "2", ".hash"), "utf8")).not.toContain(r.out.trim());
    expect((await run(["aidl", "--compute-hash", join(lightApi, "current")])).code).toBe(2);
  });
  test("--hash auto compiles a frozen version with the hash of its directory", async () => {
    const out = freshDir("cli-hash-auto");
    const dir = join(lightApi, "2");
    const r = await run(["aidl", dir, "-I", dir, "--version", "2", "--hash", "auto", "-o", out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const hash = readFileSync(join(dir, ".hash"), "utf8").split("\n").filter(Boolean);
    const text = readFileSync(join(out, "android/hardware/light/ILights.ts"), "utf8");
    expect(hash.some((h) => text.includes(`HASH: "${h}",`))).toBe(true);
    expect((await run(["aidl", dir, join(lightApi, "1"), "--version", "2", "--hash", "auto", "--check"])).code).toBe(2);
  });
});
