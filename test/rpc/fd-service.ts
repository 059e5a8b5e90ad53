// A small service for the fd-passing tests (same process and child process): descriptors in,
// descriptors out. Pipes come from pipe2() through koffi (Node has no pipe API).
import { createRequire } from "node:module";
import { closeSync, fstatSync, writeSync } from "node:fs";
import { Binder, ParcelFileDescriptor, type Parcel } from "../../src/index.js";
import { readException, writeNoException } from "../../src/codegen.js";

export const FD_DESCRIPTOR = "test.IFdService";
export const FdCode = {
  /** in: PFD, string → writes the string into the fd */
  WRITE_TO: 1,
  /** in: int n, n PFDs → writes "<i>" into fd i; out: number of distinct (dev, ino) */
  WRITE_EACH: 2,
  /** in: string → out: the read end of a new pipe holding the string */
  MAKE_PIPE: 3,
  /** in: PFD → out: its inode (as a string) */
  INODE: 4,
  /** in: PFD, byte[] → out: the fd's inode (string), the bytes back */
  ECHO: 5,
  /** in: binder, PFD, string → calls WRITE_TO(PFD, string) on the binder (nested) */
  FORWARD: 6,
} as const;

let pipe2: ((fds: Int32Array, flags: number) => number) | undefined;
/** A new pipe [read end, write end] (close-on-exec). */
export function pipe(): [number, number] {
  pipe2 ??= createRequire(import.meta.url)("koffi").load("libc.so.6").func("int pipe2(_Out_ int *fds, int flags)");
  const out = new Int32Array(2);
  if (pipe2!(out, 0x80000) !== 0) throw new Error("pipe2 failed");
  return [out[0]!, out[1]!];
}

export class FdService extends Binder {
  calls = 0;
  constructor() { super(FD_DESCRIPTOR); }

  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean | Promise<boolean> {
    if (code === FdCode.FORWARD) return this.forward(data, reply);
    data.enforceInterface(FD_DESCRIPTOR);
    this.calls++;
    switch (code) {
      case FdCode.WRITE_TO: {
        const pfd = data.readParcelFileDescriptor()!;
        const text = data.readString16()!;
        try { writeSync(pfd.fd, text); } finally { pfd.close(); }
        writeNoException(reply);
        return true;
      }
      case FdCode.WRITE_EACH: {
        const n = data.readInt32();
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const pfd = data.readFileDescriptor();
          try {
            const st = fstatSync(pfd.fd);
            seen.add(`${st.dev}:${st.ino}`);
            writeSync(pfd.fd, String(i));
          } finally { pfd.close(); }
        }
        writeNoException(reply);
        reply.writeInt32(seen.size);
        return true;
      }
      case FdCode.MAKE_PIPE: {
        const text = data.readString16()!;
        const [r, w] = pipe();
        try { writeSync(w, text); } finally { closeSync(w); }
        writeNoException(reply);
        // the reply owns the read end from here: it is closed once the reply is disposed
        reply.writeParcelFileDescriptor(new ParcelFileDescriptor(r), true);
        return true;
      }
      case FdCode.INODE: {
        const pfd = data.readParcelFileDescriptor()!;
        let ino: bigint;
        try { ino = fstatSync(pfd.fd, { bigint: true }).ino; } finally { pfd.close(); }
        writeNoException(reply);
        reply.writeString16(String(ino));
        return true;
      }
      case FdCode.ECHO: {
        const pfd = data.readParcelFileDescriptor()!;
        const bytes = data.readByteArray();
        let ino: bigint;
        try { ino = fstatSync(pfd.fd, { bigint: true }).ino; } finally { pfd.close(); }
        writeNoException(reply);
        reply.writeString16(String(ino));
        reply.writeByteArray(bytes);
        return true;
      }
      default:
        return false;
    }
  }

  private async forward(data: Parcel, reply: Parcel): Promise<boolean> {
    data.enforceInterface(FD_DESCRIPTOR);
    this.calls++;
    const target = data.readStrongBinderNonNull();
    const pfd = data.readParcelFileDescriptor()!;
    const text = data.readString16()!;
    const out = target.newParcel();
    try {
      out.writeInterfaceToken(FD_DESCRIPTOR);
      out.writeParcelFileDescriptor(pfd);
      out.writeString16(text);
      const r = await target.transact(FdCode.WRITE_TO, out);
      try { readException(r); } finally { r.dispose(); }
    } finally { out.dispose(); pfd.close(); }
    writeNoException(reply);
    return true;
  }
}
