/**
 * The compiler pipeline: parse + resolve every input (loading imports on demand), check every
 * loaded declaration, then generate one TS module per input type. Generation happens only when
 * there is no error, entirely in memory: the caller writes the files (or not, for --check).
 */
import type { AidlDocument } from "./ast.js";
import { checkDecl } from "./check.js";
import { AidlError } from "./errors.js";
import { generateFile, type GenOptions } from "./gen/file.js";
import { Model } from "./model.js";
import { Program, type FileSystem } from "./resolve.js";

export interface CompileOptions extends GenOptions {
  /** .aidl files to compile (directories must be expanded by the caller). */
  inputs: readonly string[];
  /** Import roots (`-I`). */
  importRoots: readonly string[];
  fs: FileSystem;
}

export interface CompileResult {
  /** Output path relative to the output directory (`android/aidl/tests/Foo.ts`) → contents. */
  files: Map<string, string>;
  /** Empty when the compilation succeeded. Sorted by file, line, column. */
  errors: AidlError[];
  /** The semantic model (types, constant values), for tools and tests. */
  model: Model;
}

export function compile(options: CompileOptions): CompileResult {
  const program = new Program(options.fs, options.importRoots);
  const model = new Model(program);
  const errors: AidlError[] = [];
  const capture = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof AidlError) errors.push(e);
      else throw e;
    }
  };

  const inputs: AidlDocument[] = [];
  for (const path of options.inputs) {
    capture(() => {
      inputs.push(program.load(path, path));
    });
  }
  // Check inputs and, like AOSP, everything they pulled in. Checking may load more files.
  const checked = new Set<AidlDocument>();
  for (let progress = true; progress; ) {
    progress = false;
    for (const doc of [...program.documents.values()]) {
      if (checked.has(doc)) continue;
      checked.add(doc);
      progress = true;
      capture(() => program.checkImports(doc));
      for (const d of doc.decls) capture(() => checkDecl(model, d, capture));
    }
  }

  const files = new Map<string, string>();
  if (errors.length === 0) {
    for (const doc of inputs) {
      for (const d of doc.decls) {
        capture(() => {
          files.set(doc.relPath.replace(/\.aidl$/, ".ts"), generateFile(model, d, options));
        });
      }
    }
  }
  errors.sort((a, b) => a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  // De-duplicate (a broken import can be reported from several documents' checks).
  const seen = new Set<string>();
  const unique = errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
  return { files: errors.length ? new Map() : files, errors: unique, model };
}
