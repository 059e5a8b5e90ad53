// tsbinder/transport: for transport and adapter authors. RpcTransport and the connection,
// listener, sink and peer types an adapter implements; the backpressure helpers the adapters
// share; the transports that need no runtime (memory, MessagePort); connectSession to run a
// client session over any transport; entryPoints, which turns a runtime's transports into the
// connectUnix/listenTcp/... functions every adapter exports; and the Platform an adapter
// supplies (portablePlatform where none is given).
export type {
  RpcTransport, TransportConnection, TransportListener, ConnectionSink, PeerIdentity,
} from "./rpc/transport.js";
export { DrainWaiters, ReadGate } from "./transports/backpressure.js";
export { memoryPair, MemoryTransport, memoryTransport } from "./transports/memory.js";
export {
  MessagePortTransport, MessagePortConnection, messagePortTransport, sharedMemoryAvailable,
  type MessageEndpoint, type MessagePortTransportOptions,
} from "./transports/message-port.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "./transports/net.js";
export {
  entryPoints, type EntryPoints, type RuntimeTransports, type TlsTransport,
} from "./transports/entry-points.js";
// the server side of a custom transport is RpcServer.listen(transport, address) ("tsbinder")
export { connectSession } from "./rpc/client.js";
export {
  portablePlatform, derivePlatform, type Platform, type FdOps, type Timers,
} from "./platform/platform.js";
export type { ContextStore, ContextStores } from "./platform/context-store.js";
export type { ByteCopies } from "./core/core.js";
export type { String16Codec } from "./core/string16.js";
