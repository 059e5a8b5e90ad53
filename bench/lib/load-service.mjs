// The service the load and attack runs call (bench/load.mjs, bench/attacks.mjs): pings, byte
// echoes, numbered oneways whose order the server checks per client, and big replies. A class
// factory because Binder comes from the loaded package.
export const DESCRIPTOR = "tsbinder.bench.ILoad";
export const CODE = { PING: 1, ECHO: 2, ONEWAY: 3, CHECK: 4, BIG: 5 };

/** `onewayMs`: how long each oneway's handler takes (a timer), to make oneways pile up. */
export function loadServiceClass(t, { onewayMs = 0 } = {}) {
  const none = () => {};
  const pause = onewayMs > 0 ? () => new Promise((r) => setTimeout(r, onewayMs)) : null;
  return class LoadService extends t.Binder {
    constructor() { super(DESCRIPTOR); this.seen = new Map(); }
    onTransact(code, data, reply) {
      if (code === CODE.BIG) { // no interface token: raw clients send only the size
        const n = data.readInt32();
        return t.dispatchCall(reply, async () => new Uint8Array(n).fill(n & 0xff), (r, v) => r.writeByteArray(v));
      }
      data.enforceInterface(DESCRIPTOR);
      switch (code) {
        case CODE.PING: return t.dispatchCall(reply, async () => {}, none);
        case CODE.ECHO: { const b = data.readByteArray(); return t.dispatchCall(reply, async () => b, (r, v) => r.writeByteArray(v)); }
        case CODE.ONEWAY: {
          const client = data.readInt32(), seq = data.readInt32();
          return t.dispatchOneway(async () => {
            if (pause) await pause();
            const s = this.seen.get(client) ?? { next: 0, received: 0, outOfOrder: 0 };
            if (seq !== s.next) s.outOfOrder++;
            s.next = seq + 1;
            s.received++;
            this.seen.set(client, s);
          });
        }
        case CODE.CHECK: {
          const client = data.readInt32();
          return t.dispatchCall(reply, async () => {
            const s = this.seen.get(client) ?? { received: 0, outOfOrder: 0 };
            this.seen.delete(client);
            return [s.received, s.outOfOrder];
          }, (r, v) => r.writeInt32Array(v));
        }
        default: return false;
      }
    }
  };
}

/** Client side: numbered oneways to `root` for client `id`, each carrying `payload` bytes
 *  after the numbers (the server ignores them); returns { send, count }. */
export function onewaySender(t, root, id, payload = null) {
  let seq = 0;
  const write = (d) => { d.writeInt32(id); d.writeInt32(seq++); if (payload) d.writeByteArray(payload); };
  return {
    send: () => t.transactOneway(root, DESCRIPTOR, CODE.ONEWAY, t.FLAG_ONEWAY, write),
    get count() { return seq; },
  };
}

/** Client side: ask how many of client `id`'s oneways arrived, and how many out of order. */
export function checkOneways(t, root, id) {
  return t.transactCall(root, DESCRIPTOR, CODE.CHECK, 0, (d) => d.writeInt32(id), (r) => r.readInt32Array());
}
