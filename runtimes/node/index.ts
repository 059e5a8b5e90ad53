// tsbinder/node: the Node adapter. Importing it installs AsyncLocalStorage as the call-context
// store (so nested calls and getCallingIdentity work across awaits) and teaches the package
// to close file descriptors.
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync } from "node:fs";
import { setContextStoreFactory } from "../../src/rpc/context.js";
import { setFdCloser } from "../../src/parcel/file-descriptor.js";
import { connectSession, type ConnectOptions } from "../../src/rpc/client.js";
import { RpcServer, type ServerOptions } from "../../src/rpc/server.js";
import type { RpcSession } from "../../src/rpc/session.js";
import { unixTransport } from "./unix.js";

setContextStoreFactory(<T>() => {
  const als = new AsyncLocalStorage<T>();
  return { run: (value: T, fn) => als.run(value, fn), get: () => als.getStore() };
});
setFdCloser((fd) => { try { closeSync(fd); } catch { /* already closed */ } });

export { NodeUnixTransport, unixTransport } from "./unix.js";
export { NodeSocketConnection } from "./socket.js";

/** Connect a client session over a Unix socket (path, or "@name" for an abstract socket). */
export function connectUnix(address: string, options?: ConnectOptions): Promise<RpcSession> {
  return connectSession(unixTransport, address, options);
}

/** Start an RpcServer listening on a Unix socket. */
export async function listenUnix(address: string, options?: ServerOptions): Promise<RpcServer> {
  const server = new RpcServer(options);
  await server.listen(unixTransport, address);
  return server;
}
