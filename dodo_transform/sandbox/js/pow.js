// Math.pow as V8 computes it, bit for bit: fdlibm's __ieee754_pow (V8's legacy::pow in
// src/base/ieee754.cc, as in Node 20), where QuickJS calls the C library's pow, which differs in
// the last bit for a few percent of inputs (`Math.pow(10, -5)`). Also the helpers that read and
// write the two 32-bit halves of a double, shared with math.js through deps.ieee754.
// Installed before the handler's code by the host, for handlers that name Math.pow or another
// inexact member of Math (prelude.js's v8).
(function (deps) {
  "use strict";
  const sqrt = Math.sqrt;
  const view = new Float64Array(1), words = new Int32Array(view.buffer);  // little-endian
  const NaN_ = 0 / 0;
  function high(x) { view[0] = x; return words[1]; }
  function low(x) { view[0] = x; return words[0] >>> 0; }
  function fromWords(h, l) { words[1] = h; words[0] = l; return view[0]; }
  function withLow(x, l) { view[0] = x; words[0] = l; return view[0]; }
  function withHigh(x, h) { view[0] = x; words[1] = h; return view[0]; }
  function fabs(x) { view[0] = x; words[1] &= 0x7fffffff; return view[0]; }
  // x * 2^n with one rounding (musl's scalbn).
  function scalbn(x, n) {
    let y = x;
    if (n > 1023) {
      y *= 8.98846567431158e307;
      n -= 1023;
      if (n > 1023) { y *= 8.98846567431158e307; n -= 1023; if (n > 1023) n = 1023; }
    } else if (n < -1022) {
      y *= 2.004168360008973e-292;  // 2^-1022 * 2^53
      n += 1022 - 53;
      if (n < -1022) { y *= 2.004168360008973e-292; n += 1022 - 53; if (n < -1022) n = -1022; }
    }
    return y * fromWords((0x3ff + n) << 20, 0);
  }
  const P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
    P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;

  // --- pow: fdlibm's __ieee754_pow (V8's legacy::pow) -------------------------------------------
  const BP = [1.0, 1.5], DP_H = [0.0, 5.84962487220764160156e-01], DP_L = [0.0, 1.35003920212974897128e-08];
  function pow(x, yv) {
    const L1 = 5.99999999999994648725e-01, L2 = 4.28571428578550184252e-01,
      L3 = 3.33333329818377432918e-01, L4 = 2.72728123808534006489e-01,
      L5 = 2.30660745775561754067e-01, L6 = 2.06975017800338417784e-01,
      lg2 = 6.93147180559945286227e-01, lg2_h = 6.93147182464599609375e-01,
      lg2_l = -1.90465429995776804525e-09, ovt = 8.0085662595372944372e-0017,
      cp = 9.61796693925975554329e-01, cp_h = 9.61796700954437255859e-01,
      cp_l = -7.02846165095275826516e-09, ivln2 = 1.44269504088896338700e+00,
      ivln2_h = 1.44269502162933349609e+00, ivln2_l = 1.92596299112661746887e-08,
      huge = 1.0e300, tiny = 1.0e-300;
    let z, ax, z_h, z_l, p_h, p_l, y1, t1, t2, r, s, t, u, v, w;
    let i, j, k, yisint, n;
    const hx = high(x), lx = low(x), hy = high(yv), ly = low(yv);
    let ix = hx & 0x7fffffff;
    const iy = hy & 0x7fffffff;
    if ((iy | ly) === 0) return 1;
    if (ix > 0x7ff00000 || (ix === 0x7ff00000 && lx !== 0) || iy > 0x7ff00000 || (iy === 0x7ff00000 && ly !== 0)) return x + yv;
    yisint = 0;
    if (hx < 0) {
      if (iy >= 0x43400000) {
        yisint = 2;
      } else if (iy >= 0x3ff00000) {
        k = (iy >> 20) - 0x3ff;
        if (k > 20) {
          j = ly >>> (52 - k);
          if ((j << (52 - k)) === (ly | 0)) yisint = 2 - (j & 1);
        } else if (ly === 0) {
          j = iy >> (20 - k);
          if ((j << (20 - k)) === iy) yisint = 2 - (j & 1);
        }
      }
    }
    if (ly === 0) {
      if (iy === 0x7ff00000) {
        if (((ix - 0x3ff00000) | lx) === 0) return yv - yv;
        if (ix >= 0x3ff00000) return hy >= 0 ? yv : 0;
        return hy < 0 ? -yv : 0;
      }
      if (iy === 0x3ff00000) return hy < 0 ? 1 / x : x;
      if (hy === 0x40000000) return x * x;
      if (hy === 0x3fe00000 && hx >= 0) return sqrt(x);
    }
    ax = fabs(x);
    if (lx === 0 && (ix === 0x7ff00000 || ix === 0 || ix === 0x3ff00000)) {
      z = ax;
      if (hy < 0) z = 1 / z;
      if (hx < 0) {
        if (((ix - 0x3ff00000) | yisint) === 0) z = NaN_;
        else if (yisint === 1) z = -z;
      }
      return z;
    }
    n = (hx >> 31) + 1;
    if ((n | yisint) === 0) return NaN_;
    s = 1;
    if ((n | (yisint - 1)) === 0) s = -1;
    if (iy > 0x41e00000) {
      if (iy > 0x43f00000) {
        if (ix <= 0x3fefffff) return hy < 0 ? huge * huge : tiny * tiny;
        if (ix >= 0x3ff00000) return hy > 0 ? huge * huge : tiny * tiny;
      }
      if (ix < 0x3fefffff) return hy < 0 ? s * huge * huge : s * tiny * tiny;
      if (ix > 0x3ff00000) return hy > 0 ? s * huge * huge : s * tiny * tiny;
      t = ax - 1;
      w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25));
      u = ivln2_h * t;
      v = t * ivln2_l - w * ivln2;
      t1 = withLow(u + v, 0);
      t2 = v - (t1 - u);
    } else {
      let ss, s2, s_h, s_l, t_h, t_l;
      n = 0;
      if (ix < 0x00100000) {
        ax *= 9007199254740992.0;
        n -= 53;
        ix = high(ax);
      }
      n += (ix >> 20) - 0x3ff;
      j = ix & 0x000fffff;
      ix = j | 0x3ff00000;
      if (j <= 0x3988E) {
        k = 0;
      } else if (j < 0xBB67A) {
        k = 1;
      } else {
        k = 0;
        n += 1;
        ix -= 0x00100000;
      }
      ax = withHigh(ax, ix);
      u = ax - BP[k];
      v = 1 / (ax + BP[k]);
      ss = u * v;
      s_h = withLow(ss, 0);
      t_h = fromWords(((ix >> 1) | 0x20000000) + 0x00080000 + (k << 18), 0);
      t_l = ax - (t_h - BP[k]);
      s_l = v * ((u - s_h * t_h) - s_h * t_l);
      s2 = ss * ss;
      r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
      r += s_l * (s_h + ss);
      s2 = s_h * s_h;
      t_h = withLow(3.0 + s2 + r, 0);
      t_l = r - ((t_h - 3.0) - s2);
      u = s_h * t_h;
      v = s_l * t_h + t_l * ss;
      p_h = withLow(u + v, 0);
      p_l = v - (p_h - u);
      z_h = cp_h * p_h;
      z_l = cp_l * p_h + p_l * cp + DP_L[k];
      t = n;
      t1 = withLow(((z_h + z_l) + DP_H[k]) + t, 0);
      t2 = z_l - (((t1 - t) - DP_H[k]) - z_h);
    }
    y1 = withLow(yv, 0);
    p_l = (yv - y1) * t1 + yv * t2;
    p_h = y1 * t1;
    z = p_l + p_h;
    j = high(z);
    i = low(z) | 0;
    if (j >= 0x40900000) {
      if (((j - 0x40900000) | i) !== 0) return s * huge * huge;
      if (p_l + ovt > z - p_h) return s * huge * huge;
    } else if ((j & 0x7fffffff) >= 0x4090cc00) {
      if (((j - 0xc090cc00) | i) !== 0) return s * tiny * tiny;
      if (p_l <= z - p_h) return s * tiny * tiny;
    }
    i = j & 0x7fffffff;
    k = (i >> 20) - 0x3ff;
    n = 0;
    if (i > 0x3fe00000) {
      n = j + (0x00100000 >> (k + 1));
      k = ((n & 0x7fffffff) >> 20) - 0x3ff;
      t = fromWords(n & ~(0x000fffff >> k), 0);
      n = ((n & 0x000fffff) | 0x00100000) >> (20 - k);
      if (j < 0) n = -n;
      p_h -= t;
    }
    t = withLow(p_l + p_h, 0);
    u = t * lg2_h;
    v = (p_l - (t - p_h)) * lg2 + t * lg2_l;
    z = u + v;
    w = v - (z - u);
    t = z * z;
    t1 = z - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    r = (z * t1) / ((t1 - 2) - (w + z * w));
    z = 1 - (r - z);
    j = high(z);
    j = (j + (n << 20)) | 0;
    if ((j >> 20) <= 0) z = scalbn(z, n);
    else z = withHigh(z, (high(z) + (n << 20)) | 0);
    return s * z;
  }

  deps.ieee754 = { high, low, fromWords, withLow, withHigh, fabs, scalbn };
  deps.method(Math, "pow", { pow(x, yv) { x = +x; return pow(x, +yv); } }.pow);
})
