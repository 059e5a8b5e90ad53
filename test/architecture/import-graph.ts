// The import graph of the package's own sources, parsed from the files with TypeScript (static
// imports, re-exports, dynamic import() and import("...") types), each edge marked when only
// types come through it, for the architecture tests. Relative specifiers are resolved to the .ts files they name; every
// other specifier (a package, "node:fs", "bun:ffi") is kept as written.
import ts from "typescript";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** One import of a file: what it names, and whether only types come through it. */
export interface Edge { to: string; typeOnly: boolean }

export interface ImportGraph {
  /** Repository-relative path ("src/rpc/session.ts") → what it imports: repository-relative
   *  paths of our own files, bare specifiers of everything else. */
  readonly edges: ReadonlyMap<string, readonly Edge[]>;
}

/** Every .ts file under `dirs` of `root` (tests and declaration files left out). */
function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith(".test.ts")) out.push(path);
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out.sort();
}

/** The module specifiers of a source file, each with whether it brings in types only. */
function specifiers(file: string): Edge[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const out: Edge[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      out.push({ to: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      out.push({ to: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push({ to: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ to: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

export function importGraph(root: string, dirs: readonly string[]): ImportGraph {
  const edges = new Map<string, Edge[]>();
  for (const file of sourceFiles(root, dirs)) {
    const byTarget = new Map<string, boolean>();
    for (const { to: spec, typeOnly } of specifiers(file)) {
      const to = spec.startsWith(".") ? relative(root, resolve(dirname(file), spec.replace(/\.js$/, ".ts"))) : spec;
      // a file imported for values anywhere is a value import
      byTarget.set(to, (byTarget.get(to) ?? true) && typeOnly);
    }
    edges.set(relative(root, file), [...byTarget].map(([to, typeOnly]) => ({ to, typeOnly })));
  }
  return { edges };
}

/** The same graph one level up: part → the parts its files import (own files only). A file's
 *  part is `partOf(file)`. */
export function partGraph(graph: ImportGraph, partOf: (file: string) => string): ImportGraph {
  const dirs = new Map<string, Map<string, boolean>>();
  for (const [file, tos] of graph.edges) {
    const from = partOf(file);
    const m = dirs.get(from) ?? new Map<string, boolean>();
    dirs.set(from, m);
    for (const e of tos) {
      if (!graph.edges.has(e.to) || partOf(e.to) === from) continue;
      m.set(partOf(e.to), (m.get(partOf(e.to)) ?? true) && e.typeOnly);
    }
  }
  return { edges: new Map([...dirs].map(([d, m]) => [d, [...m].map(([to, typeOnly]) => ({ to, typeOnly }))])) };
}

/** The cycles of the graph's own files, each as the path around it (first file repeated).
 *  `types`: count type-only imports too. */
export function cycles(graph: ImportGraph, types: boolean): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const { to: next, typeOnly } of graph.edges.get(file) ?? []) {
      if (!graph.edges.has(next) || (typeOnly && !types)) continue;
      const s = state.get(next);
      if (s === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.edges.keys()) if (!state.has(file)) visit(file);
  return found;
}
