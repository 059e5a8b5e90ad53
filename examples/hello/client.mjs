// Call the hello service: node examples/hello/client.mjs <socket path> [text]
import { connectUnix } from "../../dist/runtimes/node/index.js";
import { getService } from "../../dist/src/index.js";
import { echo } from "./hello-service.mjs";

const [path, text = "Hello over RPC!"] = process.argv.slice(2);
const session = await connectUnix(path);
const directory = await session.getRoot();
const hello = await getService(directory, "hello");
directory.dispose();
const answer = await echo(hello, text);
console.log(`wire v${session.protocolVersion}: echo(${JSON.stringify(text)}) = ${JSON.stringify(answer)}`);
hello.dispose(); // last proxy released: the session ends
