// Transports may lend their read buffer (ConnectionSink.data(chunk, fds, lent = true): Node's
// `onread` sockets do): the memory is overwritten as soon as data() returns. Frames split across
// lent chunks at every size must still arrive intact, on both sides and in every dialect.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RpcServer } from "../../src/index.js";
import {
  connectSession, memoryPair, type ConnectionSink, type RpcTransport, type TransportConnection,
  type TransportListener,
} from "../../src/transport.js";
import { HelloService, echo } from "./helpers.js";

/** Wraps a connection so every chunk reaches the sink in pieces of random size, each copied
 *  into one reused buffer, lent, and scribbled over once data() returns. */
function lending(c: TransportConnection, nextSize: () => number): TransportConnection {
  const buf = new Uint8Array(8192);
  return {
    peer: c.peer, description: `lending ${c.description}`, canPassFds: false,
    write: (b, fds) => c.write(b, fds),
    close: () => c.close(),
    get bufferedAmount() { return c.bufferedAmount; },
    onDrain: (cb) => c.onDrain(cb),
    pauseReading: () => c.pauseReading(),
    resumeReading: () => c.resumeReading(),
    start(sink: ConnectionSink) {
      c.start({
        data(chunk) {
          for (let off = 0; off < chunk.length;) {
            const n = Math.min(chunk.length - off, nextSize());
            buf.set(chunk.subarray(off, off + n));
            sink.data(buf.subarray(0, n), undefined, true);
            buf.fill(0xa5);
            off += n;
          }
        },
        end: (e) => sink.end(e),
      });
    },
  };
}

/** A one-connection transport whose two ends both lend their chunks. */
function lendingTransport(nextSize: () => number): RpcTransport {
  let accept: ((c: TransportConnection) => void) | null = null;
  return {
    name: "lending",
    async connect() {
      const [a, b] = memoryPair();
      queueMicrotask(() => accept!(lending(b, nextSize)));
      return lending(a, nextSize);
    },
    async listen(address, onConnection): Promise<TransportListener> {
      accept = onConnection;
      return { address, close: async () => { accept = null; } };
    },
  };
}

describe("lent chunks", () => {
  for (const version of [0, 1, 2, "r34"] as const) {
    it(`wire ${version}: echoes of every size survive chunks of random size that are reused at once`, async () => {
      await fc.assert(fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 1, maxLength: 6 }),
        async (seed, lengths) => {
          let s = seed;
          const rnd = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x80000000; };
          // mostly small pieces (split headers), sometimes whole 8 KiB buffers
          const transport = lendingTransport(() => (rnd() < 0.2 ? 8192 : 1 + Math.floor(rnd() * 64)));
          const server = new RpcServer({ allowAnonymous: true });
          await server.listen(transport, "lend");
          server.setRoot(new HelloService());
          const session = await connectSession(transport, "lend", { version });
          try {
            const root = (await session.getRoot())!;
            for (const n of lengths) {
              const text = "ab😀".repeat(Math.ceil(n / 4)).slice(0, n).replace(/[\ud800-\udbff]$/, "x");
              expect(await echo(root, text)).toBe(text);
            }
            expect(session.isAlive()).toBe(true);
          } finally {
            session.shutdown();
            await server.shutdown();
          }
        }), { numRuns: 25 });
    }, 60_000);
  }
});
