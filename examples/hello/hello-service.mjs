// IHello, written by hand against the Binder/Parcel API:
//   interface IHello { String echo(String text); }   (descriptor "hello.IHello", echo = code 1)
// The same bytes rsbinder's example-hello service speaks.
import { Binder } from "../../dist/src/index.js";

export const DESCRIPTOR = "hello.IHello";
export const TRANSACTION_echo = 1;

export class HelloService extends Binder {
  constructor() { super(DESCRIPTOR); }
  onTransact(code, data, reply) {
    if (code !== TRANSACTION_echo) return false;
    data.enforceInterface(DESCRIPTOR);
    const text = data.readString16();
    reply.writeNoException();
    reply.writeString16(text);
    return true;
  }
}

export async function echo(binder, text) {
  const data = binder.newParcel();
  data.writeInterfaceToken(DESCRIPTOR);
  data.writeString16(text);
  const reply = await binder.transact(TRANSACTION_echo, data);
  data.dispose();
  try {
    reply.readException();
    return reply.readString16();
  } finally {
    reply.dispose();
  }
}
