// %TypedArray%.prototype.sort and toSorted with a comparator as V8 does them: a top-down merge
// sort over two copies of the elements (typed-array-sort.tq), written back at the end, so that
// a comparator that is not a consistent order sees V8's calls. Without a comparator both
// engines sort numerically. Installed before the handler's code by the host, for handlers that
// name sort and a typed array (prelude.js's v8).
(function (deps) {
  "use strict";
  const { method, reflectApply } = deps;
  const setProto = Object.setPrototypeOf, TypeErrorCtor = TypeError;

  function checkComparator(comparefn) {
    if (comparefn !== undefined && typeof comparefn !== "function") {
      throw new TypeErrorCtor("The comparison function must be either a function or undefined");
    }
  }

  function compare(comparefn, x, y) {
    const v = +comparefn(x, y);
    return v !== v ? 0 : v;
  }

  const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype);
  const typedSort = TypedArrayPrototype.sort;
  const typedLength = Object.getOwnPropertyDescriptor(TypedArrayPrototype, "length").get;
  const typedTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get;
  const TYPED = {
    __proto__: null, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  };

  function typedMergeSort(array, len, comparefn) {
    const work1 = setProto([], null), work2 = setProto([], null);
    for (let i = 0; i < len; i++) work1[i] = work2[i] = array[i];
    // Each level merges from one work array into the other, so no range is ever copied.
    function merge(source, from, middle, to, target) {
      let left = from, right = middle;
      for (let t = from; t < to; ++t) {
        if (left < middle && right >= to) {
          target[t] = source[left++];
        } else if (left < middle) {
          const l = source[left], r = source[right];
          if (compare(comparefn, l, r) <= 0) { target[t] = l; left++; } else { target[t] = r; right++; }
        } else {
          target[t] = source[right++];
        }
      }
    }
    function mergeSort(source, from, to, target) {
      const middle = from + ((to - from) >>> 1);
      if (middle - from > 1) mergeSort(target, from, middle, source);
      if (to - middle > 1) mergeSort(target, middle, to, source);
      merge(source, from, middle, to, target);
    }
    mergeSort(work2, 0, len, work1);
    for (let i = 0; i < len; i++) array[i] = work1[i];
  }

  const typed = {
    sort(comparefn) {
      checkComparator(comparefn);
      const len = reflectApply(typedLength, this, []);  // a TypeError for anything else
      if (comparefn === undefined) return reflectApply(typedSort, this, []);
      if (len >= 2) typedMergeSort(this, len, comparefn);
      return this;
    },
    toSorted(comparefn) {
      checkComparator(comparefn);
      const len = reflectApply(typedLength, this, []);
      const out = new TYPED[reflectApply(typedTag, this, [])](len);
      for (let i = 0; i < len; i++) out[i] = this[i];
      if (comparefn === undefined) return reflectApply(typedSort, out, []);
      if (len >= 2) typedMergeSort(out, len, comparefn);
      return out;
    },
  };
  method(TypedArrayPrototype, "sort", typed.sort);
  method(TypedArrayPrototype, "toSorted", typed.toSorted);
})
