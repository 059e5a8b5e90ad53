// tsbinder/transport: for transport authors. RpcTransport and the connection, listener, sink
// and peer types an adapter implements; the backpressure helpers the adapters share; the
// transports that need no runtime (memory, MessagePort); connectSession to run a client
// session over any transport; and entryPoints, which turns a runtime's transports into the
// connectUnix/listenTcp/... functions every adapter exports.
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
