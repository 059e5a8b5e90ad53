// The binder object interface and its codes are declared with the parcel that carries binders
// (parcel/ibinder.ts): the binder layer's name for them.
export * from "../parcel/ibinder.js";
