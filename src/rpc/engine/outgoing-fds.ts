// The fds of a parcel that is about to leave, as duplicates the transport sends and closes
// (so the caller may close its own as soon as transact() returns, even if the frame waits for
// a free connection).
import type { Parcel } from "../../parcel/parcel.js";
import { MAX_FDS_PER_MESSAGE, dupRawFds } from "../../parcel/file-descriptor.js";
import { BinderError } from "../../binder/errors.js";
import { StatusCode } from "../../binder/status.js";
import type { Dialect } from "../dialect.js";
import type { FdOps } from "../../platform/platform.js";

/** Duplicates of `p`'s fds, or undefined when it has none. Refuses what the session cannot
 *  carry before anything is sent. */
export function outgoingFds(p: Parcel, dialect: Dialect, ops: FdOps | null): number[] | undefined {
  const n = p._fds.length;
  if (n === 0) return undefined;
  if (!dialect.fds) throw new BinderError(StatusCode.FDS_NOT_ALLOWED, "this session does not carry file descriptors (connect with fileDescriptors: true, wire v1+, over a transport that can pass them)");
  if (n > MAX_FDS_PER_MESSAGE) throw new BinderError(StatusCode.BAD_VALUE, `${n} file descriptors in one message (at most ${MAX_FDS_PER_MESSAGE})`);
  try {
    return dupRawFds(ops, p._fds);
  } catch (e) {
    throw new BinderError(StatusCode.BAD_VALUE, `cannot duplicate a file descriptor of the parcel: ${(e as Error)?.message ?? e}`);
  }
}
