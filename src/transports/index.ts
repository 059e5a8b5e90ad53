// Transports that need no runtime: in-memory (one thread) and MessagePort (between threads,
// with a SharedArrayBuffer ring where available), plus what the TCP/TLS adapters of every
// runtime share (TLS options, the TLS handshake error, "host:port" helpers).
export { memoryPair, MemoryTransport, memoryTransport } from "./memory.js";
export {
  MessagePortTransport, MessagePortConnection, messagePortTransport, sharedMemoryAvailable,
  type MessageEndpoint, type MessagePortTransportOptions,
} from "./message-port.js";
export {
  TlsHandshakeError, parseHostPort, formatHostPort, portOf, type TlsOptions, type NetRpcServer,
} from "./net.js";
