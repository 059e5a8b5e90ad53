// Live-parcel accounting for the fuzz harness, without touching src/. Two hooks, both installed
// when this module is evaluated, so it MUST run before src/core/core.ts and
// src/parcel/parcel.ts are loaded (import it first):
//   - WebAssembly.Instance is wrapped so the core's exports object the facade keeps is a copy
//     whose parcel_create / parcel_destroy count calls: every parcel, including the
//     session-internal ones that skip the GC safety net, is counted from its creation to its
//     destruction;
//   - FinalizationRegistry is wrapped to count parcels freed by the garbage collector's safety
//     net, i.e. parcels somebody created and never disposed (a leak even though it is freed).
//   created    parcels created in the core
//   destroyed  parcels destroyed in the core (dispose(), or the GC safety net)
//   collected  of those, freed by the GC safety net
//   live       created - destroyed

export const parcelCounts = { created: 0, destroyed: 0, collected: 0, installed: false };

/** With tracing on, the creation stack of every live parcel handle (to diagnose a leak). */
export const parcelTrace = { on: false, live: new Map<number, string>() };

export function liveParcels(): number {
  return parcelCounts.created - parcelCounts.destroyed;
}

type Marked = { __tsbFuzzCounting?: boolean };

const OriginalInstance = WebAssembly.Instance;
if (!(OriginalInstance as unknown as Marked).__tsbFuzzCounting) {
  const wrapped = new WeakMap<WebAssembly.Instance, WebAssembly.Exports>();
  const exportsGetter = Object.getOwnPropertyDescriptor(OriginalInstance.prototype, "exports")!.get!;
  class CountingInstance extends OriginalInstance {
    static __tsbFuzzCounting = true;
    override get exports(): WebAssembly.Exports {
      let w = wrapped.get(this);
      if (!w) {
        const raw = exportsGetter.call(this) as Record<string, unknown>;
        const copy: Record<string, unknown> = { ...raw };
        if (typeof raw.parcel_create === "function" && typeof raw.parcel_destroy === "function") {
          const create = raw.parcel_create as (...a: number[]) => number;
          const destroy = raw.parcel_destroy as (h: number) => void;
          copy.parcel_create = (initial: number, headroom: number): number => {
            const h = create(initial, headroom);
            if (h !== 0) {
              parcelCounts.created++;
              if (parcelTrace.on) parcelTrace.live.set(h, new Error("parcel created").stack ?? "");
            }
            return h;
          };
          copy.parcel_destroy = (h: number): void => {
            parcelCounts.destroyed++;
            if (parcelTrace.on) parcelTrace.live.delete(h);
            destroy(h);
          };
        }
        w = Object.freeze(copy) as WebAssembly.Exports;
        wrapped.set(this, w);
      }
      return w;
    }
  }
  (WebAssembly as { Instance: unknown }).Instance = CountingInstance;
  parcelCounts.installed = true;
}

function isParcel(x: unknown): boolean {
  // Parcel's own fields are initialised before its constructor registers it
  return typeof x === "object" && x !== null && "_h" in x && "_fds" in x && "_objects" in x;
}

const OriginalRegistry = globalThis.FinalizationRegistry;
if (!(OriginalRegistry as unknown as Marked).__tsbFuzzCounting) {
  class CountingRegistry<T> extends OriginalRegistry<T> {
    static __tsbFuzzCounting = true;
    private parcels = false;
    constructor(cleanup: (held: T) => void) {
      let self: CountingRegistry<T> | null = null;
      super((held: T) => {
        if (self?.parcels) parcelCounts.collected++;
        cleanup(held);
      });
      self = this;
    }
    override register(target: WeakKey, held: T, token?: WeakKey): void {
      if (isParcel(target)) this.parcels = true;
      super.register(target, held, token);
    }
  }
  (globalThis as { FinalizationRegistry: unknown }).FinalizationRegistry = CountingRegistry;
}
