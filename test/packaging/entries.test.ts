// The package's entry points as built (dist/, what npm pack ships), read the way a user's
// compiler and bundler read them:
//   - "tsbinder" stays an application's surface: at most 45 names, no setters;
//   - what is marked @internal is gone from the declarations of the public classes;
//   - the runtime entries never load the AIDL compiler (esbuild's metafile of each bundle);
//   - the declarations type-check on their own, without skipLibCheck;
//   - docs/api/ is what build/api-docs.mjs makes from these declarations (not stale).
// Needs dist/ (`npm run build`; `npm test` builds first): a missing file is a failure.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { build } from "esbuild";
// @ts-expect-error: a build script, plain JavaScript without declarations
import { staleApiDocs } from "../../build/api-docs.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, { types: string; default: string }>;
};
const entry = (key: string) => pkg.exports[key]!;
const RUNTIME_ENTRIES = [".", "./codegen", "./transport", "./node", "./deno", "./bun"];
const APP_LIMIT = 45;
/** The module-global setters the adapters used to install themselves with. */
const SETTERS = ["setFdOps", "setFdCloser", "setByteAllocator", "setOwnedCopySliceFrom", "setUnzeroedOwnedAllocator",
  "setString16Codec", "setContextStoreFactory"];

function program(keys: string[], options: ts.CompilerOptions = {}): ts.Program {
  const files = keys.map((k) => join(root, entry(k).types));
  for (const f of files) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  return ts.createProgram(files, {
    noEmit: true, strict: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2024.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"], ...options,
  });
}

function exportsOf(p: ts.Program, key: string): Map<string, ts.Symbol> {
  const checker = p.getTypeChecker();
  const sf = p.getSourceFile(join(root, entry(key).types))!;
  const syms = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!);
  return new Map(syms.map((s) => [s.name, s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s]));
}

/** Every entry's declarations in one program (built once, read by several tests). */
let shared: ts.Program | undefined;
const allEntries = () => (shared ??= program([...RUNTIME_ENTRIES, "./aidl"]));

describe("the entry points", () => {

  it(`"tsbinder" exports at most ${APP_LIMIT} names (values and types), and its module has no others`, async () => {
    const names = [...exportsOf(allEntries(), ".").keys()];
    expect(names.length, names.join(", ")).toBeLessThanOrEqual(APP_LIMIT);
    for (const n of ["Parcel", "Binder", "RpcSession", "RpcServer", "getService", "ServiceSpecificException", "IBinder"]) {
      expect(names).toContain(n);
    }
    const mod = await import(pathToFileURL(join(root, entry(".").default)).href) as Record<string, unknown>;
    expect(Object.keys(mod).filter((k) => !names.includes(k))).toEqual([]);
  });

  it("generated code's imports live in tsbinder/codegen; transport authors' in tsbinder/transport", () => {
    const codegen = exportsOf(allEntries(), "./codegen");
    for (const n of ["Parcel", "Binder", "IInterface", "transactCall", "dispatchCall", "holder", "writeParcelable", "FLAG_CLEAR_BUF"]) {
      expect(codegen.has(n), n).toBe(true);
    }
    const transport = exportsOf(allEntries(), "./transport");
    for (const n of ["RpcTransport", "TransportConnection", "TransportListener", "ConnectionSink", "PeerIdentity",
      "memoryTransport", "messagePortTransport", "entryPoints", "connectSession", "DrainWaiters", "Platform", "portablePlatform"]) {
      expect(transport.has(n), n).toBe(true);
    }
  });

  it("no entry exports a module-global setter", () => {
    for (const key of RUNTIME_ENTRIES) {
      const names = [...exportsOf(allEntries(), key).keys()];
      expect(names.filter((n) => SETTERS.includes(n)), key).toEqual([]);
    }
  });

  it("members marked @internal are not in the public classes' declarations (stripInternal)", () => {
    const checker = allEntries().getTypeChecker();
    const app = exportsOf(allEntries(), ".");
    const codegen = exportsOf(allEntries(), "./codegen");
    const members = (sym: ts.Symbol) => checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(sym)).map((m) => m.name);
    const internals: [ts.Symbol, string[]][] = [
      [app.get("RpcSession")!, ["onCommand", "_addConnection", "connections", "codec"]],
      [app.get("Binder")!, ["_dispatch"]],
      [codegen.get("BinderProxy")!, ["_host", "_key", "_released"]],
    ];
    for (const [sym, hidden] of internals) {
      const seen = members(sym);
      expect(seen.length, sym.name).toBeGreaterThan(3); // the class itself is there, with its public members
      expect(seen.filter((m) => hidden.includes(m)), sym.name).toEqual([]);
    }
    // raw-descriptor helpers shared between modules, never an entry's
    expect([...codegen.keys()].filter((n) => /RawFds?$/.test(n))).toEqual([]);
  });

  it("the declarations of every entry that runs on node type-check on their own (no skipLibCheck)", () => {
    const all = program([".", "./codegen", "./transport", "./aidl", "./node"], {
      skipLibCheck: false, types: ["node"], typeRoots: [join(root, "node_modules/@types")],
    });
    const diags = [...all.getSemanticDiagnostics(), ...all.getSyntacticDiagnostics()]
      .filter((d) => d.file?.fileName.includes("/dist/"))
      .map((d) => `${d.file!.fileName.slice(root.length)}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(diags).toEqual([]);
  }, 60_000);
});

describe("the AIDL compiler stays apart from the runtime", () => {
  /** The source files of dist/ an entry's bundle takes in. */
  async function inputsOf(key: string): Promise<string[]> {
    const r = await build({
      entryPoints: [join(root, entry(key).default)], bundle: true, write: false, metafile: true, format: "esm",
      platform: "node", logLevel: "silent", external: ["koffi", "bun", "bun:*", "node:*"],
    });
    return Object.keys(r.metafile.inputs);
  }
  const COMPILER = /dist\/src\/(aidl\/(?!runtime\/)|cli\/)/;

  for (const key of RUNTIME_ENTRIES) {
    it(`${key === "." ? "tsbinder" : `tsbinder/${key.slice(2)}`} bundles no file of the compiler or the CLI`, async () => {
      const inputs = await inputsOf(key);
      expect(inputs.length).toBeGreaterThan(5);
      expect(inputs.filter((f) => COMPILER.test(f))).toEqual([]);
    });
  }

  it("tsbinder/aidl is the compiler (the check above can see it)", async () => {
    expect((await inputsOf("./aidl")).filter((f) => COMPILER.test(f)).length).toBeGreaterThan(10);
  });
});

describe("docs", () => {
  it("docs/runtime-api.md names only what the entries export (an export, or a member of an exported class or interface)", () => {
    const all = allEntries();
    const checker = all.getTypeChecker();
    const known = new Set<string>();
    for (const key of [...RUNTIME_ENTRIES, "./aidl"]) {
      for (const [name, sym] of exportsOf(all, key)) {
        known.add(name);
        if (!(sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) continue;
        for (const m of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(sym))) known.add(m.name);
        if (sym.flags & ts.SymbolFlags.Class) {
          for (const m of checker.getPropertiesOfType(checker.getTypeOfSymbol(sym))) known.add(m.name);
        }
      }
    }
    // not exports, but in code format too: the package's name, AIDL and TypeScript words
    const WORDS = new Set(["tsbinder", "String", "out", "inout", "using", "await"]);
    const text = readFileSync(join(root, "docs/runtime-api.md"), "utf8");
    const named = [...text.matchAll(/`([A-Za-z_$][\w$]*)(?:\(\))?`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(50);
    expect([...new Set(named.filter((n) => !known.has(n) && !WORDS.has(n)))]).toEqual([]);
  });


  it("is what `npm run api-docs` makes from the built declarations (run it after changing an export)", () => {
    expect(staleApiDocs(root) as string[]).toEqual([]);
  });
});
