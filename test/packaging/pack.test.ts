// The package as users get it: `npm pack` of the BUILT repo, installed with npm into an empty
// temp directory (dependencies from npm's cache when there: --prefer-offline), then used from
// there by programs that import it by name (fixtures/, copied beside the install):
//   - the tarball holds every file package.json's exports and bin point at, and no tests;
//   - Node: `node -e` imports every entry of package.json's exports that runs on Node
//     (tsbinder, /codegen, /transport, /aidl, /node) by name; tsc type-checks a program
//     importing them, without skipLibCheck; a hello server and a client, two
//     processes, echo over a Unix socket; the server sees the client's uid (SO_PEERCRED through
//     koffi, the package's one dependency, as npm installed it);
//   - the bin: `tsbinder aidl --check` passes a good file and fails a bad one;
//   - Deno: `deno check` and `deno run` of a TypeScript client in the install directory, which
//     resolves "tsbinder"/"tsbinder/deno" from node_modules via package.json; with
//     --cached-only and an empty DENO_DIR (nothing fetched);
//   - Bun: `bun build --compile` of a tool importing the installed package: one executable
//     that runs from its own directory, with the install's node_modules moved away.
// Slow steps (seconds each, on a busy machine): npm pack + npm install (beforeAll), deno check,
// bun build --compile. A missing dist/ or runtime is a failure, never a skip.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const root = path("../../");
const fixtures = path("./fixtures/");
const DENO = path("../../node_modules/.bin/deno");
const BUN = path("../../node_modules/.bin/bun");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string; version: string; exports: Record<string, { types: string; default: string }>; bin: Record<string, string>;
};

/** The environment of nested npm/deno/bun: no npm_* variables of an outer `npm test` (its
 *  package, lifecycle, prefix), but the same npm cache and configuration files. */
const env: Record<string, string> = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
const KEEP = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_cafile", "npm_config_registry"]);
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (!k.startsWith("npm_") || KEEP.has(k))) env[k] ??= v;

let work = "";
let app = ""; // where the tarball is installed
let tarball = "";
let packed: string[] = [];
let server: ChildProcess | undefined;
let socket = "";

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? app, env: opts.env ?? env, encoding: "utf8", timeout: opts.timeout ?? 60_000 });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  return r;
}
function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what} exited ${r.status ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const lastJson = (out: string) => JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, string>;

beforeAll(async () => {
  for (const f of ["dist/src/index.js", "dist/runtimes/node/index.js", "dist/runtimes/deno/index.js", "dist/runtimes/bun/index.js"]) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: npm pack packs the built package; run \`npm run build\` (node build/build.mjs) first`);
  }
  for (const bin of [DENO, BUN]) if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm ci`);
  work = mkdtempSync(join(tmpdir(), "tsbinder-pack-"));
  app = join(work, "app");
  mkdirSync(app);

  // slow: npm pack (~1 s)
  const p = ok(run("npm", ["pack", "--json", "--pack-destination", work], { cwd: root }), "npm pack");
  const info = (JSON.parse(p.slice(p.indexOf("["))) as { filename: string; files: { path: string }[] }[])[0]!;
  tarball = join(work, info.filename);
  packed = info.files.map((f) => f.path);

  // slow: npm install of the tarball and its dependency koffi (~2 s from the cache)
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "tsbinder-user", private: true, type: "module" }));
  ok(run("npm", ["install", tarball, "--prefer-offline", "--no-package-lock", "--no-audit", "--no-fund"], { timeout: 90_000 }), "npm install <tarball>");
  for (const f of readdirSync(fixtures)) copyFileSync(join(fixtures, f), join(app, f));

  socket = join(work, "hello.sock");
  server = spawn(process.execPath, ["server.mjs", socket], { cwd: app, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  server.stderr!.on("data", (d) => { err += d; });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the installed hello server did not start\n${out}\n${err}`)), 20_000);
    server!.stdout!.on("data", (d) => { out += d; if (out.includes("\n")) { clearTimeout(t); resolve(); } });
    server!.on("close", (code) => { clearTimeout(t); reject(new Error(`the installed hello server exited ${code}\n${out}\n${err}`)); });
  });
  expect(out).toMatch(new RegExp(`^READY ${pathToFileURL(join(app, "node_modules/tsbinder/dist/runtimes/node/index.js")).href}`));
}, 150_000);

afterAll(() => {
  server?.kill("SIGKILL");
  if (work) rmSync(work, { recursive: true, force: true });
});

describe(`the packed package, installed with npm in an empty directory`, () => {
  it("the tarball holds what exports and bin point at, the sources, and no tests", () => {
    const targets = [...Object.values(pkg.exports).flatMap((e) => [e.types, e.default]), ...Object.values(pkg.bin)];
    for (const t of targets) expect(packed, `npm pack left out ${t}`).toContain(t.replace(/^\.\//, ""));
    for (const f of ["package.json", "README.md", "dist/src/cli/main.js", "dist/src/core/core-wasm.gen.js", "src/index.ts", "runtimes/deno/index.ts"]) {
      expect(packed, `npm pack left out ${f}`).toContain(f);
    }
    expect(packed.filter((f) => /^(test|bench|fuzz|examples|node_modules|build)\//.test(f))).toEqual([]);
    expect(existsSync(join(app, "node_modules/koffi/package.json")), "koffi installed").toBe(true);
  });

  it("node imports every entry of package.json's exports that runs on Node from the install", () => {
    // tsbinder/deno and tsbinder/bun load their runtime's APIs: Deno and Bun import them below
    const keys = Object.keys(pkg.exports).filter((k) => k !== "./deno" && k !== "./bun");
    expect(keys).toEqual([".", "./codegen", "./transport", "./aidl", "./node"]);
    const out = ok(run(process.execPath, ["--input-type=module", "-e", [
      `const keys = ${JSON.stringify(keys)}, got = {};`,
      `for (const k of keys) {`,
      `  const spec = k === "." ? "tsbinder" : "tsbinder/" + k.slice(2);`,
      `  got[k] = { url: import.meta.resolve(spec), names: Object.keys(await import(spec)).length };`,
      `}`,
      `const core = await import("tsbinder"), node = await import("tsbinder/node"), codegen = await import("tsbinder/codegen");`,
      `got.types = { Binder: typeof core.Binder, Parcel: typeof core.Parcel, connectUnix: typeof node.connectUnix,`,
      `  transactCall: typeof codegen.transactCall, sameParcel: codegen.Parcel === core.Parcel };`,
      `console.log(JSON.stringify(got));`,
    ].join("\n")]), "node -e");
    const got = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, { url: string; names: number }> & { types: unknown };
    for (const k of keys) {
      expect(got[k]!.url, k).toBe(pathToFileURL(join(app, "node_modules/tsbinder", pkg.exports[k]!.default)).href);
      expect(got[k]!.names, k).toBeGreaterThanOrEqual(4); // tsbinder/aidl: compile, analyze and its two errors
    }
    // one module graph: the Parcel generated code gets is the application's Parcel
    expect(got.types).toEqual({ Binder: "function", Parcel: "function", connectUnix: "function", transactCall: "function", sameParcel: true });
  });

  it("tsc type-checks a program importing every node entry by name from the install, without skipLibCheck (slow: tsc)", () => {
    const imports = [
      `import { Binder, Parcel, getService, type IBinder } from "tsbinder";`,
      `import { transactCall, FLAG_CLEAR_BUF, type IInterface } from "tsbinder/codegen";`,
      `import { memoryTransport, connectSession, type RpcTransport } from "tsbinder/transport";`,
      `import { compile, type CompileResult } from "tsbinder/aidl";`,
      `import { connectUnix, listenUnix } from "tsbinder/node";`,
      `export const uses: unknown[] = [Binder, Parcel, getService, transactCall, FLAG_CLEAR_BUF, memoryTransport, connectSession, compile, connectUnix, listenUnix];`,
      `export type Types = [IBinder, IInterface, RpcTransport, CompileResult];`,
    ];
    writeFileSync(join(app, "types.ts"), imports.join("\n") + "\n");
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, skipLibCheck: false, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext",
        lib: ["ES2024", "ESNext.Disposable", "DOM"], types: ["node"], typeRoots: [join(root, "node_modules/@types")],
      },
      files: ["types.ts"],
    }));
    ok(run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { timeout: 90_000 }), "tsc -p (types.ts)");
  }, 90_000);

  it("Node: a server and a client, two processes, echo over a Unix socket; the server sees the client's uid", () => {
    const r = lastJson(ok(run(process.execPath, ["client.mjs", socket, "from node"]), "node client.mjs"));
    expect(r).toEqual({ echo: "from node [unix]", resolved: pathToFileURL(join(app, "node_modules/tsbinder/dist/src/index.js")).href });
  });

  it("the tsbinder bin: aidl --check passes a good file and fails a bad one, writing nothing", () => {
    mkdirSync(join(app, "aidl/hello"), { recursive: true });
    writeFileSync(join(app, "aidl/hello/IHello.aidl"), "package hello;\n\ninterface IHello {\n    String echo(String text);\n}\n");
    writeFileSync(join(app, "aidl/hello/IBad.aidl"), "package hello;\n\ninterface IBad {\n    Strin echo(String text);\n}\n");
    const bin = join(app, "node_modules/.bin/tsbinder");
    expect(ok(run(bin, ["aidl", "aidl/hello/IHello.aidl", "-I", "aidl", "--check"]), "tsbinder aidl --check")).toMatch(/1 file\(s\) OK/);
    const bad = run(bin, ["aidl", "aidl/hello/IBad.aidl", "-I", "aidl", "--check"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr + bad.stdout).toMatch(/IBad\.aidl:4:5: unknown type 'Strin'/);
    expect(readdirSync(join(app, "aidl/hello")).sort()).toEqual(["IBad.aidl", "IHello.aidl"]);
  });

  it("Deno: deno check and deno run of a client in the install directory, nothing fetched (slow: deno check)", () => {
    const denoEnv = { ...env, DENO_DIR: join(work, "deno-dir") }; // empty: nothing cached to lean on
    ok(run(DENO, ["check", "--quiet", "--cached-only", "deno-client.ts"], { env: denoEnv }), "deno check deno-client.ts");
    const r = lastJson(ok(run(DENO, ["run", "--cached-only", "--allow-read", "--allow-write", "--allow-net", "deno-client.ts", socket, "from deno"], { env: denoEnv }), "deno run deno-client.ts"));
    expect(r).toEqual({ echo: "from deno [unix]", resolved: pathToFileURL(join(app, "node_modules/tsbinder/dist/runtimes/deno/index.js")).href });
  }, 60_000);

  it("Bun: bun build --compile of a tool importing the installed package: one executable, runs alone (slow: compile)", () => {
    const out = join(work, "exe");
    mkdirSync(out);
    ok(run(BUN, ["build", "--compile", "bun-tool.ts", "--outfile", join(out, "tool")], { timeout: 60_000 }), "bun build --compile");
    expect(readdirSync(out)).toEqual(["tool"]);
    // nothing of the install is left to read while it runs
    renameSync(join(app, "node_modules"), join(work, "node_modules.away"));
    try {
      const r = lastJson(ok(run(join(out, "tool"), [socket, "from bun"], { cwd: out }), "the compiled tool"));
      expect(r).toEqual({ echo: "from bun [unix]" });
    } finally {
      renameSync(join(work, "node_modules.away"), join(app, "node_modules"));
    }
  }, 60_000);
});
