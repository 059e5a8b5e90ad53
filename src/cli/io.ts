/** Where the CLI writes: the process's stdout/stderr, or a test's buffers. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

interface ProcessLike {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** The running process's streams (every runtime the CLI supports has `process`). */
export function processIO(): CliIO {
  const proc = (globalThis as { process?: ProcessLike }).process;
  return {
    stdout: (s) => proc?.stdout.write(s),
    stderr: (s) => proc?.stderr.write(s),
  };
}
