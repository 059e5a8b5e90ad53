/**
 * Stable-AIDL evolution checks (`tsbinder aidl --checkapi <old> <new>`): the rules of AOSP's
 * `aidl --checkapi` (`aidl_checkapi.cpp`), applied to two API dumps (or source trees) that have been
 * analyzed. Every violation is an AidlError at the node concerned (the new one, or the old one
 * when something was removed), so it prints as `file:line:col: message`.
 *
 * Level "compatible" (the default) allows what keeps old clients and servers working: new types,
 * new methods, new fields at the end of parcelables (with a useful default), new enumerators and
 * constants. Level "equal" requires the same API (what AOSP checks between the last frozen version
 * and `current` of a frozen module).
 */
import {
  annotation, qualifiedName, type Annotation, type ConstDecl, type Decl, type EnumDecl, type FieldDecl,
  type InterfaceDecl, type MethodDecl, type ParcelableDecl, type TypeRef, type UnionDecl,
} from "../ast.js";
import type { Analysis } from "../compile.js";
import { AidlError, type SourcePos } from "../errors.js";
import type { Model } from "../model.js";
import { annotationsString, dumpInline, typeSignature, valueString } from "./dump.js";

export type CheckApiLevel = "compatible" | "equal";

/** One side of the comparison: its analysis; only the types its inputs declare are checked. */
export interface ApiSide {
  readonly analysis: Analysis;
}

/**
 * Annotations that may be added or removed (AOSP's kIgnoreAnnotations): they do not change the
 * wire format, or (@nullable) are deliberately lenient since either side may be the newer one.
 */
const IGNORED_ANNOTATIONS = new Set([
  "nullable", "SensitiveData", "JavaDerive", "JavaDefault", "JavaDelegator", "JavaOnlyImmutable",
  "JavaPassthrough", "JavaSuppressLint", "RustDerive", "SuppressWarnings", "VersionSupport",
]);

/** The fields that AOSP lets old versions add without a default, forever (HistoricalException). */
const HISTORICAL_EXCEPTIONS = new Set(["android.net.DhcpResultsParcelable#serverHostName", "android.net.ResolverParamsParcel#resolverOptions"]);

function declaredTypes(side: ApiSide): Map<string, Decl> {
  const out = new Map<string, Decl>();
  const add = (d: Decl) => {
    out.set(qualifiedName(d), d);
    d.nested.forEach(add);
  };
  for (const doc of side.analysis.inputs) doc.decls.forEach(add);
  return out;
}

export function checkApi(older: ApiSide, newer: ApiSide, level: CheckApiLevel = "compatible"): AidlError[] {
  return new ApiChecker(older.analysis.model, newer.analysis.model).run(declaredTypes(older), declaredTypes(newer), level);
}

const kindName = (d: Decl) => (d.kind === "parcelable" && d.unstructured ? "unstructured parcelable" : d.kind);

class ApiChecker {
  private readonly errors: AidlError[] = [];
  constructor(
    private readonly oldModel: Model,
    private readonly newModel: Model,
  ) {}

  private error(pos: SourcePos, message: string): void {
    this.errors.push(new AidlError(pos, message));
  }

  run(oldTypes: Map<string, Decl>, newTypes: Map<string, Decl>, level: CheckApiLevel): AidlError[] {
    if (level === "equal") {
      for (const [name, d] of newTypes) if (!oldTypes.has(name)) this.error(d.pos, `Added type: ${name}`);
    }
    for (const [name, o] of oldTypes) {
      const n = newTypes.get(name);
      if (!n) {
        this.error(o.pos, `Removed type: ${name}`);
        continue;
      }
      if (level === "equal") this.checkEqual(o, n);
      else this.checkType(o, n);
    }
    return this.errors;
  }

  private checkEqual(o: Decl, n: Decl): void {
    const a = dumpInline(this.oldModel, o).split("\n");
    const b = dumpInline(this.newModel, n).split("\n");
    const i = a.findIndex((line, k) => line !== b[k]);
    const at = i < 0 && b.length > a.length ? a.length : i;
    if (at >= 0) {
      this.error(n.pos, `${qualifiedName(n)} differs from ${o.pos.file}: line ${at + 1} was '${(a[at] ?? "").trim()}', is '${(b[at] ?? "").trim()}'`);
    }
  }

  private checkType(o: Decl, n: Decl): void {
    this.compatibleAnnotations(o.annotations, n.annotations, n.pos);
    if (o.kind === "parcelable" && o.unstructured) return; // up to the hand-written code, as in AOSP
    if (o.kind !== n.kind || (n.kind === "parcelable" && n.unstructured)) {
      this.error(n.pos, `Type mismatch: ${qualifiedName(o)} is changed from ${kindName(o)} to ${kindName(n)}`);
      return;
    }
    switch (o.kind) {
      case "interface": this.interfaces(o, n as InterfaceDecl); break;
      case "parcelable": case "union": this.parcelables(o, n as ParcelableDecl | UnionDecl); break;
      case "enum": this.enums(o, n as EnumDecl); break;
    }
  }

  /** AOSP's get_strict_annotations: the annotations that must not change. */
  private strict(list: readonly Annotation[]): string[] {
    return list
      .filter((a) => !IGNORED_ANNOTATIONS.has(a.name))
      .map((a) => annotationsString([a]))
      .sort();
  }

  private compatibleAnnotations(o: readonly Annotation[], n: readonly Annotation[], pos: SourcePos): void {
    const a = this.strict(o).filter((s) => s !== "@FixedSize");
    const b = this.strict(n).filter((s) => s !== "@FixedSize");
    if (annotation(o, "FixedSize") && !annotation(n, "FixedSize")) this.error(pos, "Removing @FixedSize is not allowed.");
    if (a.join(" ") !== b.join(" ")) {
      this.error(pos, `Changed annotations: ${annotationsString(o) || "(empty)"} to ${annotationsString(n) || "(empty)"}`);
    }
  }

  private types(o: TypeRef, n: TypeRef): void {
    const a = typeSignature(this.oldModel, o);
    const b = typeSignature(this.newModel, n);
    if (a !== b) this.error(n.pos, `Type changed: ${a} to ${b}.`);
    this.compatibleAnnotations(o.annotations, n.annotations, n.pos);
  }

  private signature(model: Model, m: MethodDecl): string {
    return `${m.name}(${m.args.map((a) => typeSignature(model, a.type)).join(", ")})`;
  }

  private interfaces(o: InterfaceDecl, n: InterfaceDecl): void {
    const byName = new Map(n.methods.map((m) => [this.signature(this.newModel, m), m]));
    for (const om of o.methods) {
      const sig = this.signature(this.oldModel, om);
      const nm = byName.get(sig);
      if (!nm) {
        this.error(om.pos, `Removed or changed method: ${qualifiedName(o)}.${sig}`);
        continue;
      }
      // ids follow the textual order unless explicit: a changed id means reordering
      if (om.code !== nm.code) {
        this.error(nm.pos, `Transaction ID changed: ${qualifiedName(o)}.${sig} is changed from ${om.code! - 1} to ${nm.code! - 1}.`);
      }
      this.types(om.returnType, nm.returnType);
      om.args.forEach((oa, i) => {
        const na = nm.args[i]!;
        this.types(oa.type, na.type);
        const od = oa.direction ?? "in";
        const nd = na.direction ?? "in";
        if (od !== nd) this.error(nm.pos, `Direction changed: ${od} to ${nd}.`);
      });
    }
    this.constants(o, o.consts, n, n.consts);
  }

  private parcelables(o: ParcelableDecl | UnionDecl, n: ParcelableDecl | UnionDecl): void {
    const of = o.fields;
    const nf = n.fields;
    const name = qualifiedName(o);
    if (of.length > nf.length) {
      this.error(n.pos, `Number of fields in ${name} is reduced from ${of.length} to ${nf.length}.`);
      return;
    }
    if (name === "android.net.UidRangeParcel" && of.length !== nf.length) {
      this.error(n.pos, `Number of fields in ${name} is changed from ${of.length} to ${nf.length}. But it is forbidden because of legacy support.`);
      return;
    }
    of.forEach((f, i) => {
      const g = nf[i]!;
      this.types(f.type, g.type);
      const ov = this.defaultString(this.oldModel, f, o);
      const nv = this.defaultString(this.newModel, g, n);
      if (ov === nv) return;
      // an enum field may spell out its implicit zero default
      const nd = this.newModel.fieldDefault(g, n);
      if (ov === "" && nd?.k === "enum" && nd.v === 0n) return;
      this.error(g.pos, `Changed default value: ${ov} to ${nv}.`);
    });
    nf.forEach((g, i) => {
      const at = of.findIndex((f) => f.name === g.name);
      if (at >= 0 && at !== i) this.error(g.pos, `Reordered ${g.name} from ${at} to ${i}.`);
    });
    if (n.kind === "parcelable") {
      for (const g of nf.slice(of.length)) this.newFieldDefault(g, o);
    }
    this.constants(o, o.consts, n, n.consts);
    this.typeParams(o, n);
  }

  /** A field's default as AOSP compares it: primitives without one default to zero (false). */
  private defaultString(model: Model, f: FieldDecl, owner: Decl): string {
    const v = model.fieldDefault(f, owner);
    if (v) return valueString(v);
    const t = model.typeOf(f.type);
    if (t.kind !== "primitive") return "";
    return t.name === "boolean" ? "false" : "0";
  }

  /**
   * New fields need a value that old senders' data can be read as (AOSP: a useful default): an
   * explicit default, the zero of a primitive, or null.
   */
  private newFieldDefault(g: FieldDecl, o: Decl): void {
    const t = this.newModel.typeOf(g.type);
    if (g.defaultValue || t.kind === "primitive" || annotation(g.type.annotations, "nullable")) return;
    if (t.kind === "enum") {
      if (this.newModel.enumeratorValuesOf(t.decl).includes(0n)) return;
      this.error(g.pos, `Field '${g.name}' of enum '${t.decl.name}' can't be initialized as '0'. Please make sure '${t.decl.name}' has '0' as a valid value.`);
      return;
    }
    if (HISTORICAL_EXCEPTIONS.has(`${qualifiedName(o)}#${g.name}`)) return;
    this.error(g.pos, `Field '${g.name}' does not have a useful default in some backends. Please either provide a default value for this field or mark the field as @nullable. This value or a null value will be used automatically when an old version of this parcelable is sent to a process which understands a new version of this parcelable. In order to make sure your code continues to be backwards compatible, make sure the default or null value does not cause a semantic change to this parcelable.`);
  }

  private typeParams(o: ParcelableDecl | UnionDecl, n: ParcelableDecl | UnionDecl): void {
    const name = qualifiedName(n);
    if (o.typeParams.length && !n.typeParams.length) this.error(n.pos, `Type ${name} is no longer generic.`);
    else if (!o.typeParams.length && n.typeParams.length) this.error(n.pos, `Type ${name} has become generic.`);
    else if (o.typeParams.length !== n.typeParams.length) {
      this.error(n.pos, `Number of type parameters for ${name} changed from ${o.typeParams.length} to ${n.typeParams.length}.`);
    } else {
      o.typeParams.forEach((p, i) => {
        if (p !== n.typeParams[i]) this.error(n.pos, `Type parameter name changed from '${p}' to '${n.typeParams[i]}'. This is an incompatible change.`);
      });
    }
  }

  private constants(o: Decl, oc: readonly ConstDecl[], n: Decl, nc: readonly ConstDecl[]): void {
    const byName = new Map(nc.map((c) => [c.name, c]));
    for (const c of oc) {
      const d = byName.get(c.name);
      if (!d) {
        this.error(c.pos, `Removed constant declaration: ${qualifiedName(o)}.${c.name}`);
        continue;
      }
      this.types(c.type, d.type);
      const ov = valueString(this.oldModel.constValue(c, o));
      const nv = valueString(this.newModel.constValue(d, n));
      if (ov !== nv) this.error(d.pos, `Changed constant value: ${qualifiedName(o)}.${c.name} from ${ov} to ${nv}.`);
    }
  }

  private enums(o: EnumDecl, n: EnumDecl): void {
    const ov = this.oldModel.enumeratorValuesOf(o);
    const nv = this.newModel.enumeratorValuesOf(n);
    const newValues = new Map(n.enumerators.map((e, i) => [e.name, { e, v: nv[i]! }]));
    o.enumerators.forEach((e, i) => {
      const m = newValues.get(e.name);
      if (!m) {
        this.error(n.pos, `Removed enumerator from ${qualifiedName(o)}: ${e.name}`);
        return;
      }
      if (m.v !== ov[i]) this.error(m.e.pos, `Changed enumerator value: ${qualifiedName(o)}::${e.name} from ${ov[i]} to ${m.v}.`);
    });
  }
}
