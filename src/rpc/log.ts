// Where the session layer reports what it did not throw to anyone: a peer's protocol error that
// ended its session, an ignored out-of-order refcount, a handler that threw in a oneway call.
export interface Logger {
  warn(message: string): void;
  debug?(message: string): void;
}

export const defaultLogger: Logger = {
  warn(message: string) { console.warn(`[tsbinder] ${message}`); },
};

export const silentLogger: Logger = { warn() {} };
