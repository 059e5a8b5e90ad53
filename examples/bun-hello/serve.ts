// The hello service as one Bun program, built into a single executable:
//   bun build --compile examples/bun-hello/serve.ts --outfile hello-server
//   ./hello-server unix /tmp/hello.sock      or      ./hello-server tcp 127.0.0.1:7000
// The executable carries everything, the wasm core included (it is inlined in the package,
// never read from a file), so it runs alone on a machine without Bun or node_modules.
// Any tsbinder client (Node, Deno, Bun, rsbinder) can then call echo on service "hello".
import { Binder, type Parcel } from "tsbinder";
import { writeNoException } from "tsbinder/codegen";
import { listenTcp, listenUnix } from "tsbinder/bun";

/** hello.IHello, by hand: String echo(String text) = code 1 (rsbinder's example-hello). */
class Hello extends Binder {
  constructor() { super("hello.IHello"); }
  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean {
    if (code !== 1) return false;
    data.enforceInterface("hello.IHello");
    const text = data.readString16();
    writeNoException(reply);
    reply.writeString16(text);
    return true;
  }
}

const [kind, address] = process.argv.slice(2);
if ((kind !== "unix" && kind !== "tcp") || !address) {
  console.error("usage: hello-server unix <socket path> | tcp <host:port>");
  process.exit(2);
}
const i = address.lastIndexOf(":");
// plain TCP carries no identity: admitting anonymous callers is an explicit choice
const server = kind === "unix" ? await listenUnix(address) : await listenTcp(address.slice(0, i), Number(address.slice(i + 1)), { allowAnonymous: true });
server.addService("hello", new Hello());
// port 0 picks a free port: print the one bound
console.log(`hello service listening on ${kind}:${"address" in server ? server.address : address}`);
const stop = async () => { await server.shutdown(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
