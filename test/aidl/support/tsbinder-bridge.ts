// Until src/index.ts re-exports the AIDL runtime (and Binder), tests that *run* generated code
// merge them into the "tsbinder" module with vi.mock. Whatever src/index.ts already exports wins,
// so once the lead wires the exports this bridge adds nothing. `bridged` lists what was added.
export const bridged: string[] = [];

export async function bridgeTsbinder(base: Record<string, unknown>): Promise<Record<string, unknown>> {
  const runtime = (await import("../../../src/aidl/runtime/index.js")) as Record<string, unknown>;
  const binder = (await import("../../../src/binder/binder.js")) as Record<string, unknown>;
  const extra: Record<string, unknown> = { ...runtime, Binder: binder["Binder"] };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    if (!(k in merged)) {
      merged[k] = v;
      bridged.push(k);
    }
  }
  return merged;
}
