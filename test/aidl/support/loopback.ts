// An IBinder that forwards to a local Binder through byte copies (request and reply), recording
// the traffic: every value really crosses as bytes, like over a session.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Call { code: number; flags: number; request: Uint8Array; reply: Uint8Array | null }

export function loopback(tsb: any, target: any, calls: Call[] = []): any {
  return {
    async transact(code: number, data: any, flags = 0) {
      const request = data.toBytes();
      const copy = tsb.Parcel.fromBytes(request);
      const call: Call = { code, flags, request, reply: null };
      calls.push(call);
      const reply = await target.transact(code, copy, flags);
      call.reply = reply.toBytes();
      reply.dispose();
      copy.dispose();
      return tsb.Parcel.fromBytes(call.reply);
    },
    getInterfaceDescriptor: () => target.getInterfaceDescriptor(),
    isBinderAlive: () => true,
    pingBinder: async () => true,
    linkToDeath() {},
    unlinkToDeath: () => false,
    localBinder: () => null,
    newParcel: () => new tsb.Parcel(),
  };
}
