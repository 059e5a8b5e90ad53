// Call the hello service: client <socket path> [text]
import { connectUnix } from "tsbinder/node";
import { IHello } from "./gen/hello/IHello.js";

const [path, text = "Hello over RPC!"] = process.argv.slice(2);
const session = await connectUnix(path!);
const hello = await session.getService(IHello, "hello");
const answer = await hello.echo(text);
console.log(`wire v${session.stats.protocolVersion}: echo(${JSON.stringify(text)}) = ${JSON.stringify(answer)}`);
session.close();
