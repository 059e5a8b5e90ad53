// What `@JavaDerive(equals = true, toString = true)` parcelables and unions call: value equality
// and a readable rendering of AIDL values, following what AOSP's Java back end generates
// (`Objects.deepEquals`, `Arrays.toString`, `Name{field: value, ...}`).

/** Deep equality of AIDL values: numbers as Java's boxed equals (NaN equals NaN), containers by content. */
export function aidlEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof Uint8Array || Array.isArray(a)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (!(b instanceof Uint8Array || Array.isArray(b)) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!aidlEquals(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !aidlEquals(v, b.get(k))) return false;
    return true;
  }
  const eq = (a as { equals?: unknown }).equals;
  if (typeof eq === "function") return (eq as (o: unknown) => boolean).call(a, b);
  // a union value ({ tag, value }) of a union without derived equals
  if ("tag" in a && "value" in a && "tag" in b && "value" in b) {
    return (a as { tag: unknown }).tag === (b as { tag: unknown }).tag
      && aidlEquals((a as { value: unknown }).value, (b as { value: unknown }).value);
  }
  return false; // binders and interfaces: identity only
}

/** A value as Java's generated toString shows it: strings unquoted, `[a, b]` arrays, `{k=v}` maps. */
export function aidlToString(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof Uint8Array || Array.isArray(v)) return `[${Array.from(v as ArrayLike<unknown>, aidlToString).join(", ")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${aidlToString(k)}=${aidlToString(x)}`).join(", ")}}`;
  return String(v);
}
