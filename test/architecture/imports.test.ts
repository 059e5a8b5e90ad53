// The layers of docs/architecture.md, checked from the import statements of the sources
// (src/, native/, runtimes/): no import cycles, the runtime-neutral code never reaches for a
// runtime, and imports point down the layers only. Type-only imports count for the layers:
// the parcel ⇄ binder knot (Parcel → IBinder → Parcel, Parcel → ObjectCodec → IBinder) was
// made of types. Within one directory, files may name each other's types (Parcel and the
// IBinder it carries are mutually recursive and share a layer); no file may import another
// for values in a cycle.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { cycles, importGraph, partGraph } from "./import-graph.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const graph = importGraph(root, ["src", "native", "runtimes"]);

/** A file's layer: its top directory under src/ or runtimes/ (src/rpc/engine/ is part of the
 *  rpc layer), except the AIDL runtime, which generated code uses without the compiler. */
function layerOf(file: string): string {
  if (file.startsWith("src/aidl/runtime/")) return "src/aidl/runtime";
  if (file.startsWith("native/")) return "native";
  return file.split("/").slice(0, 2).join("/");
}

/** The files of one part of the tree. */
function filesUnder(prefix: string): string[] {
  return [...graph.edges.keys()].filter((f) => f.startsWith(prefix));
}

/** Imports of our own files from `from` that land outside the `allowed` prefixes. */
function importsOutside(from: string, allowed: readonly string[], except: readonly string[] = []): string[] {
  const bad: string[] = [];
  for (const file of filesUnder(from)) {
    if (except.some((e) => file.startsWith(e))) continue;
    for (const { to } of graph.edges.get(file)!) {
      if (!graph.edges.has(to)) continue;
      if (!allowed.some((a) => to.startsWith(a))) bad.push(`${file} -> ${to}`);
    }
  }
  return bad;
}

// The layers, bottom up (docs/architecture.md): each may import its own directory and those
// listed. The wire core is core/ (the wasm and what it defines: status_t), parcel/ (Parcel and
// the IBinder it carries) and wire/ (frame layouts); platform/ (what a runtime supplies: bytes,
// text, fds, call context, timers) sits on core/ and under everything else.
const CORE = "src/core/", PLATFORM = "src/platform/", WIRE = "src/wire/", PARCEL = "src/parcel/", BINDER = "src/binder/";
const AIDL_RUNTIME = "src/aidl/runtime/", RPC = "src/rpc/", ENGINE = "src/rpc/engine/";

describe("the import graph", () => {
  it("is read from the sources (a broken reader would pass every rule below)", () => {
    expect(graph.edges.size).toBeGreaterThan(100);
    expect(graph.edges.get("src/rpc/session.ts")).toContainEqual({ to: "src/rpc/engine/session-engine.ts", typeOnly: false });
    expect(graph.edges.get("src/rpc/engine/call-router.ts")).toContainEqual({ to: "src/rpc/engine/session-core.ts", typeOnly: true });
  });

  it("no file imports another for values in a cycle (src/ and runtimes/)", () => {
    expect(cycles(graph, false).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("no layer imports another in a cycle, types included", () => {
    expect(cycles(partGraph(graph, layerOf), true).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("src/ never imports the fd sockets (native/) or a runtime adapter (runtimes/)", () => {
    expect(importsOutside("src/", ["src/"])).toEqual([]);
  });

  it("src/ never imports a runtime (node:*, bun:*, deno, npm:/jsr: specifiers)", () => {
    const bad: string[] = [];
    for (const file of filesUnder("src/")) {
      for (const { to } of graph.edges.get(file)!) {
        if (/^(node:|bun:|npm:|jsr:|deno$|@types\/)/.test(to)) bad.push(`${file} -> ${to}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("core, platform, parcel, wire and binder import only the layers below them", () => {
    expect(importsOutside(CORE, [CORE])).toEqual([]);
    expect(importsOutside(PLATFORM, [CORE, PLATFORM])).toEqual([]);
    expect(importsOutside(PARCEL, [CORE, PLATFORM, PARCEL])).toEqual([]);
    expect(importsOutside(WIRE, [CORE, PLATFORM, PARCEL, WIRE])).toEqual([]);
    expect(importsOutside(BINDER, [CORE, PLATFORM, WIRE, PARCEL, BINDER])).toEqual([]);
  });

  it("what generated code runs on (aidl/runtime) stays below sessions", () => {
    expect(importsOutside(AIDL_RUNTIME, [CORE, PLATFORM, WIRE, PARCEL, BINDER, AIDL_RUNTIME])).toEqual([]);
  });

  it("the AIDL compiler and CLI never import the RPC runtime", () => {
    const compiler = [...filesUnder("src/aidl/"), ...filesUnder("src/cli/")].filter((f) => !f.startsWith(AIDL_RUNTIME));
    const bad = compiler.flatMap((f) => graph.edges.get(f)!.filter(({ to }) => to.startsWith(RPC) || to.startsWith("src/transports/"))
      .map(({ to }) => `${f} -> ${to}`));
    expect(compiler.length).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  it("sessions never import transports, the compiler or a runtime adapter", () => {
    expect(importsOutside(RPC, [CORE, PLATFORM, WIRE, PARCEL, BINDER, RPC])).toEqual([]);
  });

  it("the session engine is reached only through the session, its server and its client setup", () => {
    const bad: string[] = [];
    for (const [file, tos] of graph.edges) {
      if (file.startsWith(ENGINE) || !file.startsWith("src/")) continue;
      for (const { to } of tos) {
        if (to.startsWith(ENGINE) && !["src/rpc/session.ts", "src/rpc/server.ts", "src/rpc/client.ts", "src/index.ts"].includes(file)) {
          bad.push(`${file} -> ${to}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
