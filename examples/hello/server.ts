// The hello service on a Unix socket: server <socket path>. Registered under the name "hello"
// in the server's service directory (rsbinder's IServiceDirectory).
import { listenUnix } from "tsbinder/node";
import { IHelloStub } from "./gen/hello/IHello.js";

class Hello extends IHelloStub {
  async echo(text: string): Promise<string> {
    return text;
  }
}

const path = process.argv[2];
if (!path) {
  console.error("usage: server <socket path>");
  process.exit(2);
}
const server = await listenUnix(path);
server.addService("hello", new Hello());
console.log(`hello service listening on ${path}`);
process.on("SIGTERM", async () => {
  await server.shutdown();
  process.exit(0);
});
