// Call the hello service: client <socket path> [text]
import { getService } from "tsbinder";
import { connectUnix } from "tsbinder/node";
import { IHello } from "./gen/hello/IHello.js";

const [path, text = "Hello over RPC!"] = process.argv.slice(2);
const session = await connectUnix(path!);
const directory = (await session.getRoot())!;
const binder = await getService(directory, "hello");
const hello = IHello.fromBinder(binder);
const answer = await hello.echo(text);
console.log(`wire v${session.protocolVersion}: echo(${JSON.stringify(text)}) = ${JSON.stringify(answer)}`);
session.shutdown();
