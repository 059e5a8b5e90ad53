// Unstructured parcelables (`parcelable Foo;`, `parcelable Foo cpp_header "...";`): the AIDL file
// only names the type, its wire format lives in hand-written code. The TypeScript back end
// generates a named registration point; the application supplies the implementation once with
// `Foo.register(() => new MyFoo())` before values of the type are read.
import type { AidlParcelable } from "./parcelable.js";

export interface UnstructuredParcelableType<T extends AidlParcelable> {
  readonly descriptor: string;
  /** Installs the factory used whenever a value of this type is read. */
  register(factory: () => T): void;
  /** A fresh instance from the registered factory (throws if none was registered). */
  create(): T;
}

export function defineUnstructuredParcelable<T extends AidlParcelable>(descriptor: string): UnstructuredParcelableType<T> {
  let factory: (() => T) | undefined;
  return {
    descriptor,
    register(f) {
      factory = f;
    },
    create() {
      if (!factory) {
        throw new Error(`unstructured parcelable ${descriptor}: no implementation registered (call ${descriptor.slice(descriptor.lastIndexOf(".") + 1)}.register(() => new YourImpl()) first)`);
      }
      return factory();
    },
  };
}
