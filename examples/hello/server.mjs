// The hello service on a Unix socket: node examples/hello/server.mjs <socket path>
import { listenUnix } from "../../dist/runtimes/node/index.js";
import { HelloService } from "./hello-service.mjs";

const path = process.argv[2];
if (!path) {
  console.error("usage: server.mjs <socket path>");
  process.exit(2);
}
const server = await listenUnix(path);
server.addService("hello", new HelloService());
console.log(`hello service listening on ${path}`);
process.on("SIGTERM", async () => { await server.shutdown(); process.exit(0); });
