// Array.prototype.sort and toSorted as V8 does them (third_party/v8/builtins/array-sort.tq):
// TimSort over a copy of the elements, written back at the end. QuickJS sorts differently,
// which only shows with a comparator that is not a consistent order (`(a, b) => a > b`, one
// that never returns 0, one with side effects): then the result depends on which pairs are
// compared in which order, so this file makes the same calls in the same order as V8.
// Installed before the handler's code by the host, for handlers that name sort (prelude.js's v8).
(function (deps) {
  "use strict";
  const TypeErrorCtor = TypeError, RangeErrorCtor = RangeError, ObjectCtor = Object;
  const ArrayCtor = Array, setProto = Object.setPrototypeOf, apply = Reflect.apply;
  const MIN_GALLOP = 7;
  const BAD_COMPARATOR = "The comparison function must be either a function or undefined";

  // One sort: the comparator, the work array and TimSort's state (SortState in V8).
  function Sorter(comparefn, work) {
    this.cmp = comparefn;
    this.work = work;
    this.temp = setProto([], null);
    this.minGallop = MIN_GALLOP;
    this.runs = setProto([], null);  // base, length, base, length, ...
    this.nRuns = 0;
  }

  // SortCompareDefault: ToString of both (each time: a toString may have side effects).
  function compareDefault(x, y) {
    const xs = `${x}`, ys = `${y}`;
    return xs < ys ? -1 : ys < xs ? 1 : 0;
  }

  Sorter.prototype = {
    __proto__: null,
    compare(x, y) {
      if (this.cmp === undefined) return compareDefault(x, y);
      const v = +apply(this.cmp, undefined, [x, y]);
      return v !== v ? 0 : v;
    },

    binaryInsertionSort(low, startArg, high) {
      const work = this.work;
      for (let start = low === startArg ? startArg + 1 : startArg; start < high; ++start) {
        let left = low, right = start;
        const pivot = work[right];
        while (left < right) {
          const mid = left + ((right - left) >> 1);
          if (this.compare(pivot, work[mid]) < 0) right = mid;
          else left = mid + 1;
        }
        for (let p = start; p > left; --p) work[p] = work[p - 1];
        work[left] = pivot;
      }
    },

    countAndMakeRun(lowArg, high) {
      const work = this.work;
      const low = lowArg + 1;
      if (low === high) return 1;
      let runLength = 2;
      const descending = this.compare(work[low], work[low - 1]) < 0;
      let previous = work[low];
      for (let idx = low + 1; idx < high; ++idx) {
        const current = work[idx];
        const order = this.compare(current, previous);
        if (descending ? order >= 0 : order < 0) break;
        previous = current;
        ++runLength;
      }
      if (descending) {
        for (let lo = lowArg, hi = lowArg + runLength - 1; lo < hi; lo++, hi--) {
          const t = work[lo];
          work[lo] = work[hi];
          work[hi] = t;
        }
      }
      return runLength;
    },

    // The position of key in the sorted array[base, base + length): left of equal elements.
    gallopLeft(array, key, base, length, hint) {
      let lastOfs = 0, offset = 1;
      if (this.compare(array[base + hint], key) < 0) {
        const maxOfs = length - hint;
        while (offset < maxOfs) {
          if (this.compare(array[base + hint + offset], key) >= 0) break;
          lastOfs = offset;
          offset = (offset << 1) + 1;
          if (offset <= 0) offset = maxOfs;
        }
        if (offset > maxOfs) offset = maxOfs;
        lastOfs += hint;
        offset += hint;
      } else {
        const maxOfs = hint + 1;
        while (offset < maxOfs) {
          if (this.compare(array[base + hint - offset], key) < 0) break;
          lastOfs = offset;
          offset = (offset << 1) + 1;
          if (offset <= 0) offset = maxOfs;
        }
        if (offset > maxOfs) offset = maxOfs;
        const tmp = lastOfs;
        lastOfs = hint - offset;
        offset = hint - tmp;
      }
      lastOfs++;
      while (lastOfs < offset) {
        const m = lastOfs + ((offset - lastOfs) >> 1);
        if (this.compare(array[base + m], key) < 0) lastOfs = m + 1;
        else offset = m;
      }
      return offset;
    },

    // As gallopLeft, but right of equal elements.
    gallopRight(array, key, base, length, hint) {
      let lastOfs = 0, offset = 1;
      if (this.compare(key, array[base + hint]) < 0) {
        const maxOfs = hint + 1;
        while (offset < maxOfs) {
          if (this.compare(key, array[base + hint - offset]) >= 0) break;
          lastOfs = offset;
          offset = (offset << 1) + 1;
          if (offset <= 0) offset = maxOfs;
        }
        if (offset > maxOfs) offset = maxOfs;
        const tmp = lastOfs;
        lastOfs = hint - offset;
        offset = hint - tmp;
      } else {
        const maxOfs = length - hint;
        while (offset < maxOfs) {
          if (this.compare(key, array[base + hint + offset]) < 0) break;
          lastOfs = offset;
          offset = (offset << 1) + 1;
          if (offset <= 0) offset = maxOfs;
        }
        if (offset > maxOfs) offset = maxOfs;
        lastOfs += hint;
        offset += hint;
      }
      lastOfs++;
      while (lastOfs < offset) {
        const m = lastOfs + ((offset - lastOfs) >> 1);
        if (this.compare(key, array[base + m]) < 0) offset = m;
        else lastOfs = m + 1;
      }
      return offset;
    },

    mergeLow(baseA, lengthA, baseB, lengthB) {
      const work = this.work, temp = this.temp;
      copy(work, baseA, temp, 0, lengthA);
      let dest = baseA, cursorTemp = 0, cursorB = baseB;
      work[dest++] = work[cursorB++];
      // Labels stand in for Torque's gotos: "succeed" and "copyB".
      let exit = "succeed";
      outer: {
        if (--lengthB === 0) break outer;
        if (lengthA === 1) { exit = "copyB"; break outer; }
        let minGallop = this.minGallop;
        for (;;) {
          let winsA = 0, winsB = 0;
          for (;;) {
            if (this.compare(work[cursorB], temp[cursorTemp]) < 0) {
              work[dest++] = work[cursorB++];
              ++winsB; --lengthB; winsA = 0;
              if (lengthB === 0) break outer;
              if (winsB >= minGallop) break;
            } else {
              work[dest++] = temp[cursorTemp++];
              ++winsA; --lengthA; winsB = 0;
              if (lengthA === 1) { exit = "copyB"; break outer; }
              if (winsA >= minGallop) break;
            }
          }
          ++minGallop;
          let first = true;
          while (winsA >= MIN_GALLOP || winsB >= MIN_GALLOP || first) {
            first = false;
            minGallop = minGallop - 1 > 1 ? minGallop - 1 : 1;
            this.minGallop = minGallop;
            winsA = this.gallopRight(temp, work[cursorB], cursorTemp, lengthA, 0);
            if (winsA > 0) {
              copy(temp, cursorTemp, work, dest, winsA);
              dest += winsA; cursorTemp += winsA; lengthA -= winsA;
              if (lengthA === 1) { exit = "copyB"; break outer; }
              // Impossible for a consistent comparator, but comparators are user code.
              if (lengthA === 0) break outer;
            }
            work[dest++] = work[cursorB++];
            if (--lengthB === 0) break outer;
            winsB = this.gallopLeft(work, temp[cursorTemp], cursorB, lengthB, 0);
            if (winsB > 0) {
              copy(work, cursorB, work, dest, winsB);
              dest += winsB; cursorB += winsB; lengthB -= winsB;
              if (lengthB === 0) break outer;
            }
            work[dest++] = temp[cursorTemp++];
            if (--lengthA === 1) { exit = "copyB"; break outer; }
          }
          ++minGallop;
          this.minGallop = minGallop;
        }
      }
      if (exit === "succeed") {
        if (lengthA > 0) copy(temp, cursorTemp, work, dest, lengthA);
      } else {
        copy(work, cursorB, work, dest, lengthB);
        work[dest + lengthB] = temp[cursorTemp];
      }
    },

    mergeHigh(baseA, lengthA, baseB, lengthB) {
      const work = this.work, temp = this.temp;
      copy(work, baseB, temp, 0, lengthB);
      let dest = baseB + lengthB - 1, cursorTemp = lengthB - 1, cursorA = baseA + lengthA - 1;
      work[dest--] = work[cursorA--];
      let exit = "succeed";
      outer: {
        if (--lengthA === 0) break outer;
        if (lengthB === 1) { exit = "copyA"; break outer; }
        let minGallop = this.minGallop;
        for (;;) {
          let winsA = 0, winsB = 0;
          for (;;) {
            if (this.compare(temp[cursorTemp], work[cursorA]) < 0) {
              work[dest--] = work[cursorA--];
              ++winsA; --lengthA; winsB = 0;
              if (lengthA === 0) break outer;
              if (winsA >= minGallop) break;
            } else {
              work[dest--] = temp[cursorTemp--];
              ++winsB; --lengthB; winsA = 0;
              if (lengthB === 1) { exit = "copyA"; break outer; }
              if (winsB >= minGallop) break;
            }
          }
          ++minGallop;
          let first = true;
          while (winsA >= MIN_GALLOP || winsB >= MIN_GALLOP || first) {
            first = false;
            minGallop = minGallop - 1 > 1 ? minGallop - 1 : 1;
            this.minGallop = minGallop;
            let k = this.gallopRight(work, temp[cursorTemp], baseA, lengthA, lengthA - 1);
            winsA = lengthA - k;
            if (winsA > 0) {
              dest -= winsA; cursorA -= winsA;
              copy(work, cursorA + 1, work, dest + 1, winsA);
              lengthA -= winsA;
              if (lengthA === 0) break outer;
            }
            work[dest--] = temp[cursorTemp--];
            if (--lengthB === 1) { exit = "copyA"; break outer; }
            k = this.gallopLeft(temp, work[cursorA], 0, lengthB, lengthB - 1);
            winsB = lengthB - k;
            if (winsB > 0) {
              dest -= winsB; cursorTemp -= winsB;
              copy(temp, cursorTemp + 1, work, dest + 1, winsB);
              lengthB -= winsB;
              if (lengthB === 1) { exit = "copyA"; break outer; }
              if (lengthB === 0) break outer;
            }
            work[dest--] = work[cursorA--];
            if (--lengthA === 0) break outer;
          }
          ++minGallop;
          this.minGallop = minGallop;
        }
      }
      if (exit === "succeed") {
        if (lengthB > 0) copy(temp, 0, work, dest - (lengthB - 1), lengthB);
      } else {
        dest -= lengthA; cursorA -= lengthA;
        copy(work, cursorA + 1, work, dest + 1, lengthA);
        work[dest] = temp[cursorTemp];
      }
    },

    mergeAt(i) {
      const runs = this.runs, work = this.work, n = this.nRuns;
      let baseA = runs[2 * i], lengthA = runs[2 * i + 1];
      const baseB = runs[2 * i + 2];
      let lengthB = runs[2 * i + 3];
      runs[2 * i + 1] = lengthA + lengthB;
      if (i === n - 3) {
        runs[2 * i + 2] = runs[2 * i + 4];
        runs[2 * i + 3] = runs[2 * i + 5];
      }
      this.nRuns = n - 1;
      const k = this.gallopRight(work, work[baseB], baseA, lengthA, 0);
      baseA += k;
      lengthA -= k;
      if (lengthA === 0) return;
      lengthB = this.gallopLeft(work, work[baseA + lengthA - 1], baseB, lengthB, lengthB - 1);
      if (lengthB === 0) return;
      if (lengthA <= lengthB) this.mergeLow(baseA, lengthA, baseB, lengthB);
      else this.mergeHigh(baseA, lengthA, baseB, lengthB);
    },

    runLength(i) {
      return this.runs[2 * i + 1];
    },

    // run_length(n - 2) > run_length(n - 1) + run_length(n)
    invariantHolds(n) {
      return n < 2 || this.runLength(n - 2) > this.runLength(n - 1) + this.runLength(n);
    },

    mergeCollapse() {
      while (this.nRuns > 1) {
        let n = this.nRuns - 2;
        if (!this.invariantHolds(n + 1) || !this.invariantHolds(n)) {
          if (this.runLength(n - 1) < this.runLength(n + 1)) --n;
          this.mergeAt(n);
        } else if (this.runLength(n) <= this.runLength(n + 1)) {
          this.mergeAt(n);
        } else {
          break;
        }
      }
    },

    mergeForceCollapse() {
      while (this.nRuns > 1) {
        let n = this.nRuns - 2;
        if (n > 0 && this.runLength(n - 1) < this.runLength(n + 1)) --n;
        this.mergeAt(n);
      }
    },

    // Node 20's V8 (11.3) runs TimSort at every length (later versions binary-insert below 10).
    sort(length) {
      if (length < 2) return;
      let remaining = length, low = 0;
      const minRun = minRunLength(remaining);
      while (remaining !== 0) {
        let run = this.countAndMakeRun(low, low + remaining);
        if (run < minRun) {
          const forced = minRun < remaining ? minRun : remaining;
          this.binaryInsertionSort(low, low + run, low + forced);
          run = forced;
        }
        this.runs[2 * this.nRuns] = low;
        this.runs[2 * this.nRuns + 1] = run;
        this.nRuns++;
        this.mergeCollapse();
        low += run;
        remaining -= run;
      }
      this.mergeForceCollapse();
    },

  };

  function copy(source, srcPos, target, dstPos, length) {
    if (srcPos < dstPos) {
      for (let s = srcPos + length - 1, d = dstPos + length - 1; s >= srcPos;) target[d--] = source[s--];
    } else {
      for (let s = srcPos, d = dstPos, to = srcPos + length; s < to;) target[d++] = source[s++];
    }
  }

  function minRunLength(n) {
    let r = 0;
    while (n >= 64) {
      r |= n & 1;
      n >>= 1;
    }
    return n + r;
  }

  function checkComparator(comparefn) {
    if (comparefn !== undefined && typeof comparefn !== "function") throw new TypeErrorCtor(BAD_COMPARATOR);
  }

  function toObject(value) {
    if (value === null || value === undefined) throw new TypeErrorCtor("Cannot convert undefined or null to object");
    return ObjectCtor(value);
  }

  function toLength(value) {
    const n = +value;
    if (!(n > 0)) return 0;
    return n < 9007199254740991 ? n - (n % 1) : 9007199254740991;
  }

  const impl = {
    sort(comparefn) {
      checkComparator(comparefn);
      const obj = toObject(this);
      const len = toLength(obj.length);
      if (len < 2) return obj;
      // Holes are skipped, undefineds counted: both end up after the sorted values.
      const work = setProto([], null);
      let n = 0, undefineds = 0;
      for (let i = 0; i < len; i++) {
        if (!(i in obj)) continue;
        const v = obj[i];
        if (v === undefined) undefineds++;
        else work[n++] = v;
      }
      new Sorter(comparefn, work).sort(n);
      let i = 0;
      for (; i < n; i++) obj[i] = work[i];
      for (const end = n + undefineds; i < end; i++) obj[i] = undefined;
      for (; i < len; i++) delete obj[i];
      return obj;
    },

    toSorted(comparefn) {
      checkComparator(comparefn);
      const obj = toObject(this);
      const len = toLength(obj.length);
      if (len > 4294967295) throw new RangeErrorCtor("Invalid array length");
      const out = new ArrayCtor(len);
      const work = setProto([], null);
      let n = 0;
      for (let i = 0; i < len; i++) {
        const v = obj[i];
        if (v !== undefined) work[n++] = v;
      }
      new Sorter(comparefn, work).sort(n);
      let i = 0;
      for (; i < n; i++) out[i] = work[i];
      for (; i < len; i++) out[i] = undefined;
      return out;
    },
  };
  deps.method(Array.prototype, "sort", impl.sort);
  deps.method(Array.prototype, "toSorted", impl.toSorted);
})
