// API reference from the built declarations: one markdown file per package entry point
// (docs/api/<entry>.md), listing every exported name with its declaration and doc comment, as
// the .d.ts files in dist/ show them to users (internals already stripped: stripInternal).
// Written from the declarations so the reference cannot drift from the code.
//   node build/api-docs.mjs           rewrite docs/api/ (after `npm run build`)
//   node build/api-docs.mjs --check   exit 1 and name the stale files if docs/api/ is not current
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";

const ts = createRequire(import.meta.url)("typescript");

/** docs/api/ file name for a package.json exports key: "." -> tsbinder, "./node" -> node. */
const docName = (key) => (key === "." ? "tsbinder" : key.slice(2));
/** The public specifier of an exports key: "." -> tsbinder, "./node" -> tsbinder/node. */
const specifier = (name, key) => (key === "." ? name : `${name}/${key.slice(2)}`);

const SECTIONS = [
  ["Classes", (d) => ts.isClassDeclaration(d)],
  ["Functions", (d) => ts.isFunctionDeclaration(d)],
  ["Constants", (d) => ts.isVariableDeclaration(d)],
  ["Types", (d) => ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d)],
];

/** Renders the reference: Map of file name (in docs/api/) -> markdown. */
export function renderApiDocs(root) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const entries = Object.entries(pkg.exports).map(([key, e]) => ({ key, spec: specifier(pkg.name, key), file: join(root, e.types) }));
  for (const e of entries) if (!existsSync(e.file)) throw new Error(`${e.file} is missing: run \`npm run build\` first`);
  const program = ts.createProgram(entries.map((e) => e.file), {
    noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const out = new Map();
  const index = ["# API reference", "", "Generated from the built declarations by `npm run api-docs` (build/api-docs.mjs); do not edit.",
    "`test/packaging/entries.test.ts` fails when these files are stale.", "", "| import | for | names |", "|---|---|---|"];
  for (const e of entries) {
    const sf = program.getSourceFile(e.file);
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    const exported = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
    const summary = leadingComment(sf);
    const sections = new Map(SECTIONS.map(([title]) => [title, []]));
    for (const sym of exported) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const decls = target.declarations ?? [];
      // a const and a type of the same name (StatusCode): listed once, as the constant
      const [title] = SECTIONS.find(([, is]) => decls.some(is)) ?? ["Types"];
      const doc = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
      const code = decls.map((d) => declarationText(d)).filter(Boolean).join("\n");
      const alias = target.name !== sym.name && target.name !== "default" ? ` (declared as \`${target.name}\`)` : "";
      sections.get(title).push([`### ${sym.name}${alias}`, "", ...(doc ? [doc, ""] : []), "```ts", code, "```", ""].join("\n"));
    }
    const file = `${docName(e.key)}.md`;
    const lines = [`# ${e.spec}`, "", "Generated from the built declarations by `npm run api-docs`; do not edit.", ""];
    if (summary) lines.push(summary, "");
    lines.push(`${exported.length} exported names.`, "");
    for (const [title, items] of sections) if (items.length) lines.push(`## ${title}`, "", ...items);
    out.set(file, lines.join("\n").replace(/\n+$/, "\n"));
    index.push(`| \`${e.spec}\` | ${firstSentence(summary)} | [${exported.length}](${file}) |`);
  }
  out.set("README.md", index.join("\n") + "\n");
  return out;
}

/** The declaration as the .d.ts has it, without `export declare`, private members or bodies. */
function declarationText(d) {
  let node = d;
  if (ts.isVariableDeclaration(d)) node = d.parent.parent; // the VariableStatement
  const text = node.getText()
    .split("\n")
    .filter((l) => !/^\s*private [\w$#]+[?!]?;$/.test(l))
    .map((l) => l.replace(/^    /, "  "))
    .join("\n");
  return text.replace(/^export (declare )?/, "").replace(/^declare /, "");
}

/** The comment at the top of the entry's source (its `//` header), as one paragraph. */
function leadingComment(sf) {
  const source = sf.fileName.replace(/^(.*)\/dist\/(.*)\.d\.ts$/, "$1/$2.ts");
  if (!existsSync(source)) return "";
  const head = [];
  for (const line of readFileSync(source, "utf8").split("\n")) {
    if (!line.startsWith("//")) break;
    head.push(line.replace(/^\/\/ ?/, ""));
  }
  return head.join("\n").trim();
}

/** "tsbinder/codegen: what AIDL-generated code imports (...), and ..." -> "what AIDL-generated code imports". */
function firstSentence(text) {
  const s = text.replace(/\s+/g, " ").replace(/^[\w/]+: /, "").split(/\s[—(]|[.:;,](?=\s)/)[0] ?? "";
  return s.replace(/\|/g, "\\|");
}

/** The files of docs/api/ that differ from what renderApiDocs makes (missing, stale or extra). */
export function staleApiDocs(root) {
  const dir = join(root, "docs", "api");
  const want = renderApiDocs(root);
  const have = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".md")) : [];
  const stale = [...want].filter(([f, text]) => !existsSync(join(dir, f)) || readFileSync(join(dir, f), "utf8") !== text).map(([f]) => f);
  return [...stale, ...have.filter((f) => !want.has(f))].sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const dir = join(root, "docs", "api");
  if (process.argv.includes("--check")) {
    const stale = staleApiDocs(root);
    if (stale.length) {
      console.error(`docs/api is stale (${stale.join(", ")}): run \`npm run build && npm run api-docs\``);
      process.exit(1);
    }
    console.log("docs/api is current");
  } else {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const docs = renderApiDocs(root);
    for (const [f, text] of docs) writeFileSync(join(dir, f), text);
    console.log(`docs/api: ${docs.size} files`);
  }
}
