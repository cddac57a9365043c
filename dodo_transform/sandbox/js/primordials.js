// Built-ins intl.js cannot do without, captured before user code can patch them. One
// expression, evaluated in every context: keep it to plain captures (each costs ~1 µs).
Object.freeze({
  __proto__: null,
  DateNow: Date.now,
  DatePrototypeValueOf: Date.prototype.valueOf,
  NumberPrototypeValueOf: Number.prototype.valueOf,
  BigIntPrototypeValueOf: BigInt.prototype.valueOf,
  StringPrototypeIndexOf: String.prototype.indexOf,
  StringPrototypeSlice: String.prototype.slice,
  StringPrototypeCharCodeAt: String.prototype.charCodeAt,
  StringPrototypeNormalize: String.prototype.normalize,
  ObjectDefineProperty: Object.defineProperty,
  ReflectApply: Reflect.apply,
  RangeError: RangeError,
  TypeError: TypeError,
  ErrorCaptureStackTrace: Error.captureStackTrace,
  SymbolToStringTag: Symbol.toStringTag,
})
