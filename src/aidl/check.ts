/**
 * Semantic checks, run on every loaded declaration after parsing. Each rule mirrors one AOSP aidl
 * rule; the message says what is wrong and where. The pass also forces resolution of every type
 * and constant so the generators never meet an unresolved name.
 */
import { hasAnnotation, qualifiedName, type Annotation, type Decl, type InterfaceDecl, type MethodDecl } from "./ast.js";
import { parseIntLiteral } from "./consteval.js";
import { AidlError } from "./errors.js";
import type { Model } from "./model.js";
import { describeType, isInOnly, type AidlType } from "./types.js";

export const FIRST_CALL_TRANSACTION = 1;
/** AOSP: ids above this are reserved for meta methods (getInterfaceVersion/Hash, future ones). */
export const MAX_USER_METHOD_ID = 16_777_114;
/** Transaction codes of the stable-AIDL meta methods (FIRST_CALL_TRANSACTION + id). */
export const GET_INTERFACE_VERSION_CODE = 0xff_ffff;
export const GET_INTERFACE_HASH_CODE = 0xff_fffe;

/**
 * Annotations AOSP's aidl knows. Those that only matter to the Java/C++/NDK/Rust back ends are
 * accepted and ignored; an annotation not in this list is an error, as in AOSP (catches typos
 * such as `@nulable`).
 */
const KNOWN_ANNOTATIONS = new Set([
  "nullable", "utf8InCpp", "VintfStability", "UnsupportedAppUsage", "Hide", "Backing",
  "NdkOnlyStableParcelable", "JavaOnlyStableParcelable", "RustOnlyStableParcelable", "JavaDerive",
  "JavaDefault", "JavaDelegator", "JavaOnlyImmutable", "FixedSize", "Descriptor", "RustDerive",
  "SuppressWarnings", "PermissionManuallyEnforced", "EnforcePermission", "RequiresNoPermission",
  "PropagateAllowBlocking", "JavaPassthrough", "JavaSuppressLint", "SensitiveData", "Deprecated", "Enforce",
]);

/** Runs one check, recording an AidlError instead of stopping (so one file reports every problem). */
export type Capture = (check: () => void) => void;

export function checkDecl(model: Model, d: Decl, capture: Capture): void {
  const doc = d.document!;
  checkAnnotations(d.annotations);
  const resolve = (ref: Parameters<Model["resolveTypeRef"]>[0]) => {
    checkAnnotations(ref.annotations);
    return model.resolveTypeRef(ref, doc, d);
  };
  const names = new Map<string, string>();
  const unique = (name: string, what: string, pos: AidlError["pos"]) => {
    const prev = names.get(name);
    if (prev) throw new AidlError(pos, `duplicate name '${name}' in ${qualifiedName(d)} (already used by a ${prev})`);
    names.set(name, what);
  };

  switch (d.kind) {
    case "enum": {
      capture(() => {
        model.backing(d);
        for (const en of d.enumerators) unique(en.name, "enumerator", en.pos);
        model.enumeratorValuesOf(d);
      });
      break;
    }
    case "parcelable":
    case "union": {
      for (const c of d.consts) capture(() => { unique(c.name, "constant", c.pos); model.constValue(c, d); });
      if (d.kind === "parcelable" && d.unstructured) break;
      if (d.kind === "union" && d.fields.length === 0) capture(() => { throw new AidlError(d.pos, `union '${d.name}' must have at least one field`); });
      for (const f of d.fields) capture(() => {
        unique(f.name, "field", f.pos);
        const t = resolve(f.type);
        if (t.kind === "void") throw new AidlError(f.type.pos, `field '${f.name}' cannot be void`);
        if (containsTypeParam(t)) {
          throw new AidlError(f.type.pos, `field '${f.name}' uses generic parameter '${f.type.name}': structured generic fields are not supported by the TypeScript back end (the type argument's wire format is unknown at run time)`);
        }
        model.fieldDefault(f, d);
      });
      break;
    }
    case "interface":
      checkInterface(model, d, resolve, unique, capture);
      break;
  }
  for (const n of d.nested) checkDecl(model, n, capture);
}

function checkInterface(
  model: Model,
  d: InterfaceDecl,
  resolve: (ref: MethodDecl["returnType"]) => AidlType,
  unique: (name: string, what: string, pos: AidlError["pos"]) => void,
  capture: Capture,
): void {
  for (const c of d.consts) capture(() => { unique(c.name, "constant", c.pos); model.constValue(c, d); });
  const explicit = d.methods.filter((m) => m.idExpr !== undefined);
  if (explicit.length > 0 && explicit.length < d.methods.length) {
    const bad = d.methods.find((m) => m.idExpr === undefined)!;
    throw new AidlError(bad.pos, `method '${bad.name}' has no transaction id, but other methods of ${d.name} do: either assign ids to all methods or to none`);
  }
  const byCode = new Map<number, MethodDecl>();
  d.methods.forEach((m, index) => capture(() => {
    unique(m.name, "method", m.pos);
    let id = index;
    if (m.idExpr) {
      const e = m.idExpr;
      const lit = (text: string, pos: typeof e.pos) => (parseIntLiteral(text, pos) as { v: bigint }).v;
      const v = e.kind === "int" ? lit(e.text, e.pos)
        : e.kind === "unary" && e.arg.kind === "int" ? (e.op === "-" ? -1n : 1n) * lit(e.arg.text, e.arg.pos)
          : undefined;
      if (v === undefined || v < 0n || v > BigInt(MAX_USER_METHOD_ID)) {
        throw new AidlError(e.pos, `transaction id ${v ?? "?"} of method '${m.name}' is out of range: ids must be between 0 and ${MAX_USER_METHOD_ID} inclusive (higher ids are reserved for meta methods)`);
      }
      id = Number(v);
    }
    const code = FIRST_CALL_TRANSACTION + id;
    const prev = byCode.get(code);
    if (prev) throw new AidlError(m.idExpr?.pos ?? m.pos, `method '${m.name}' has transaction id ${id}, already used by method '${prev.name}'`);
    byCode.set(code, m);
    m.code = code;

    checkAnnotations(m.annotations);
    const ret = resolve(m.returnType);
    const oneway = m.oneway || d.oneway;
    if (oneway && ret.kind !== "void") throw new AidlError(m.returnType.pos, `oneway method '${m.name}' cannot return a value`);
    const argNames = new Set<string>();
    for (const a of m.args) {
      if (argNames.has(a.name)) throw new AidlError(a.pos, `duplicate argument name '${a.name}' in method '${m.name}'`);
      argNames.add(a.name);
      const t = resolve(a.type);
      if (t.kind === "void") throw new AidlError(a.type.pos, `argument '${a.name}' cannot be void`);
      if (containsTypeParam(t)) throw new AidlError(a.type.pos, `argument '${a.name}' uses an unbound generic parameter`);
      const dir = a.direction ?? "in";
      if (dir !== "in") {
        if (isInOnly(t)) {
          throw new AidlError(a.pos, `'${dir}' argument '${a.name}' has type ${describeType(t)}, which can only be an 'in' argument (primitives, String, enums, interfaces, IBinder and FileDescriptor are passed by value)`);
        }
        if (oneway) throw new AidlError(a.pos, `oneway method '${m.name}' cannot have '${dir}' argument '${a.name}'`);
      } else if (a.direction === undefined && !isInOnly(t)) {
        throw new AidlError(a.pos, `argument '${a.name}' of type ${describeType(t)} can be an out type, so you must declare it as in, out, or inout`);
      }
    }
  }));
}

function containsTypeParam(t: AidlType): boolean {
  switch (t.kind) {
    case "typeParam": return true;
    case "array": case "list": return containsTypeParam(t.elem);
    case "map": return containsTypeParam(t.value);
    default: return false;
  }
}

function checkAnnotations(list: readonly Annotation[]): void {
  for (const a of list) {
    if (!KNOWN_ANNOTATIONS.has(a.name)) throw new AidlError(a.pos, `'@${a.name}' is not a recognized annotation`);
  }
}

/** True for interfaces whose generated proxies must pass FLAG_CLEAR_BUF. */
export function isSensitive(d: InterfaceDecl): boolean {
  return hasAnnotation(d.annotations, "SensitiveData");
}
