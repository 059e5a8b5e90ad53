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

export interface Analysis {
  /** The parsed input files (imports are in `model.program`). */
  inputs: AidlDocument[];
  /** Empty when every input and everything it uses is valid. Sorted by file, line, column. */
  errors: AidlError[];
  model: Model;
}

/** Parses, resolves and checks the inputs and what they import, without generating code. */
export function analyze(options: Omit<CompileOptions, keyof GenOptions>): Analysis {
  const program = new Program(options.fs, options.importRoots);
  const model = new Model(program);
  const errors: AidlError[] = [];
  const capture = capturing(errors);

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

  return { inputs, errors: sortUnique(errors), model };
}

export function compile(options: CompileOptions): CompileResult {
  const { inputs, errors, model } = analyze(options);
  const capture = capturing(errors);
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
  const unique = sortUnique(errors);
  return { files: unique.length ? new Map() : files, errors: unique, model };
}

/** Runs a step, recording an AidlError instead of stopping (other exceptions are bugs: rethrown). */
function capturing(errors: AidlError[]): (fn: () => void) => void {
  return (fn) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof AidlError) errors.push(e);
      else throw e;
    }
  };
}

function sortUnique(errors: AidlError[]): AidlError[] {
  errors.sort((a, b) => a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  // De-duplicate (a broken import can be reported from several documents' checks).
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}
