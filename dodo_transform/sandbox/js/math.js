// Math as V8 computes it, bit for bit (Math.pow is in pow.js). V8 does not use the C library:
// it carries its own port of fdlibm (src/base/ieee754.cc, as in Node 20) and computes
// Math.hypot in Torque (math.tq);
// QuickJS calls the C library, whose results differ in the last bit for a few percent of
// inputs. These are the same algorithms on the same IEEE doubles, reading and writing the
// two 32-bit halves of a double through a typed-array view where fdlibm does.
// Installed over Math's functions before the handler's code by the host, for handlers that name
// Math other than its exact members and pow, after pow.js, whose word helpers it shares
// (prelude.js's v8).
(function (deps) {
  "use strict";
  const MathObject = Math, method = deps.method;
  const sqrt = MathObject.sqrt, floor = MathObject.floor;
  const NaN_ = 0 / 0, INF = 1 / 0;

  const { high, low, fromWords, withLow, withHigh, fabs, scalbn } = deps.ieee754;  // pow.js's

  // --- argument reduction for sin, cos, tan: x = n * pi/2 + (y0 + y1) ----------------------
  const TWO_OVER_PI = [
    0xA2F983, 0x6E4E44, 0x1529FC, 0x2757D1, 0xF534DD, 0xC0DB62, 0x95993C, 0x439041, 0xFE5163,
    0xABDEBB, 0xC561B7, 0x246E3A, 0x424DD2, 0xE00649, 0x2EEA09, 0xD1921C, 0xFE1DEB, 0x1CB129,
    0xA73EE8, 0x8235F5, 0x2EBB44, 0x84E99C, 0x7026B4, 0x5F7E41, 0x3991D6, 0x398353, 0x39F49C,
    0x845F8B, 0xBDF928, 0x3B1FF8, 0x97FFDE, 0x05980F, 0xEF2F11, 0x8B5A0A, 0x6D1F6D, 0x367ECF,
    0x27CB09, 0xB74F46, 0x3F669E, 0x5FEA2D, 0x7527BA, 0xC7EBE5, 0xF17B3D, 0x0739F7, 0x8A5292,
    0xEA6BFB, 0x5FB11F, 0x8D5D08, 0x560330, 0x46FC7B, 0x6BABF0, 0xCFBC20, 0x9AF436, 0x1DA9E3,
    0x91615E, 0xE61B08, 0x659985, 0x5F14A0, 0x68408D, 0xFFD880, 0x4D7327, 0x310606, 0x1556CA,
    0x73A8C9, 0x60E27B, 0xC08C6B,
  ];
  const NPIO2_HW = [
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C, 0x4025FDBB,
    0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C, 0x40346B9C, 0x4035FDBB,
    0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A, 0x403DD85A, 0x403F6A7A, 0x40407E4C,
    0x4041475C, 0x4042106C, 0x4042D97C, 0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB,
    0x4046C6CB, 0x40478FDB, 0x404858EB, 0x404921FB,
  ];
  const PIO2 = [
    1.57079625129699707031e+00, 7.54978941586159635335e-08, 5.39030252995776476554e-15,
    3.28200341580791294123e-22, 1.27065575308067607349e-29, 1.22933308981111328932e-36,
    2.73370053816464559624e-44, 2.16741683877804819444e-51,
  ];
  const TWO24 = 1.67772160000000000000e+07, TWON24 = 5.96046447753906250000e-08;
  const y = new Float64Array(2);  // rem_pio2's result

  // __kernel_rem_pio2 for double precision (prec 2, jk 4).
  function kernelRemPio2(x, e0, nx) {
    const jk = 4, jp = jk;
    const iq = new Int32Array(20), f = new Float64Array(20), fq = new Float64Array(20), q = new Float64Array(20);
    const jx = nx - 1;
    let jv = ((e0 - 3) / 24) | 0;
    if (jv < 0) jv = 0;
    let q0 = e0 - 24 * (jv + 1);
    let i, j, k, fw, z, n, ih, carry;
    for (i = 0, j = jv - jx; i <= jx + jk; i++, j++) f[i] = j < 0 ? 0 : TWO_OVER_PI[j];
    for (i = 0; i <= jk; i++) {
      for (j = 0, fw = 0.0; j <= jx; j++) fw += x[j] * f[jx + i - j];
      q[i] = fw;
    }
    let jz = jk;
    for (;;) {
      for (i = 0, j = jz, z = q[jz]; j > 0; i++, j--) {
        fw = (TWON24 * z) | 0;
        iq[i] = (z - TWO24 * fw) | 0;
        z = q[j - 1] + fw;
      }
      z = scalbn(z, q0);
      z -= 8.0 * floor(z * 0.125);
      n = z | 0;
      z -= n;
      ih = 0;
      if (q0 > 0) {
        i = iq[jz - 1] >> (24 - q0);
        n += i;
        iq[jz - 1] -= i << (24 - q0);
        ih = iq[jz - 1] >> (23 - q0);
      } else if (q0 === 0) {
        ih = iq[jz - 1] >> 23;
      } else if (z >= 0.5) {
        ih = 2;
      }
      if (ih > 0) {
        n += 1;
        carry = 0;
        for (i = 0; i < jz; i++) {
          j = iq[i];
          if (carry === 0) {
            if (j !== 0) { carry = 1; iq[i] = 0x1000000 - j; }
          } else {
            iq[i] = 0xFFFFFF - j;
          }
        }
        if (q0 === 1) iq[jz - 1] &= 0x7FFFFF;
        else if (q0 === 2) iq[jz - 1] &= 0x3FFFFF;
        if (ih === 2) {
          z = 1 - z;
          if (carry !== 0) z -= scalbn(1, q0);
        }
      }
      if (z === 0) {
        j = 0;
        for (i = jz - 1; i >= jk; i--) j |= iq[i];
        if (j === 0) {  // recompute with more terms of 2/pi
          for (k = 1; jk >= k && iq[jk - k] === 0; k++);
          for (i = jz + 1; i <= jz + k; i++) {
            f[jx + i] = TWO_OVER_PI[jv + i];
            for (j = 0, fw = 0.0; j <= jx; j++) fw += x[j] * f[jx + i - j];
            q[i] = fw;
          }
          jz += k;
          continue;
        }
      }
      break;
    }
    if (z === 0) {
      jz -= 1;
      q0 -= 24;
      while (iq[jz] === 0) { jz--; q0 -= 24; }
    } else {
      z = scalbn(z, -q0);
      if (z >= TWO24) {
        fw = (TWON24 * z) | 0;
        iq[jz] = (z - TWO24 * fw) | 0;
        jz += 1;
        q0 += 24;
        iq[jz] = fw;
      } else {
        iq[jz] = z | 0;
      }
    }
    fw = scalbn(1, q0);
    for (i = jz; i >= 0; i--) { q[i] = fw * iq[i]; fw *= TWON24; }
    for (i = jz; i >= 0; i--) {
      for (fw = 0.0, k = 0; k <= jp && k <= jz - i; k++) fw += PIO2[k] * q[i + k];
      fq[jz - i] = fw;
    }
    fw = 0.0;
    for (i = jz; i >= 0; i--) fw += fq[i];
    y[0] = ih === 0 ? fw : -fw;
    fw = fq[0] - fw;
    for (i = 1; i <= jz; i++) fw += fq[i];
    y[1] = ih === 0 ? fw : -fw;
    return n & 7;
  }

  function remPio2(x) {
    const invpio2 = 6.36619772367581382433e-01, pio2_1 = 1.57079632673412561417e+00,
      pio2_1t = 6.07710050650619224932e-11, pio2_2 = 6.07710050630396597660e-11,
      pio2_2t = 2.02226624879595063154e-21, pio2_3 = 2.02226624871116645580e-21,
      pio2_3t = 8.47842766036889956997e-32;
    const hx = high(x), ix = hx & 0x7FFFFFFF;
    let z, w, t, r, fn, n, i, j;
    if (ix <= 0x3FE921FB) { y[0] = x; y[1] = 0; return 0; }
    if (ix < 0x4002D97C) {
      if (hx > 0) {
        z = x - pio2_1;
        if (ix !== 0x3FF921FB) { y[0] = z - pio2_1t; y[1] = (z - y[0]) - pio2_1t; }
        else { z -= pio2_2; y[0] = z - pio2_2t; y[1] = (z - y[0]) - pio2_2t; }
        return 1;
      }
      z = x + pio2_1;
      if (ix !== 0x3FF921FB) { y[0] = z + pio2_1t; y[1] = (z - y[0]) + pio2_1t; }
      else { z += pio2_2; y[0] = z + pio2_2t; y[1] = (z - y[0]) + pio2_2t; }
      return -1;
    }
    if (ix <= 0x413921FB) {
      t = fabs(x);
      n = (t * invpio2 + 0.5) | 0;
      fn = n;
      r = t - fn * pio2_1;
      w = fn * pio2_1t;
      if (n < 32 && ix !== NPIO2_HW[n - 1]) {
        y[0] = r - w;
      } else {
        j = ix >> 20;
        y[0] = r - w;
        i = j - ((high(y[0]) >> 20) & 0x7FF);
        if (i > 16) {
          t = r;
          w = fn * pio2_2;
          r = t - w;
          w = fn * pio2_2t - ((t - r) - w);
          y[0] = r - w;
          i = j - ((high(y[0]) >> 20) & 0x7FF);
          if (i > 49) {
            t = r;
            w = fn * pio2_3;
            r = t - w;
            w = fn * pio2_3t - ((t - r) - w);
            y[0] = r - w;
          }
        }
      }
      y[1] = (r - y[0]) - w;
      if (hx < 0) { y[0] = -y[0]; y[1] = -y[1]; return -n; }
      return n;
    }
    if (ix >= 0x7FF00000) { y[0] = y[1] = x - x; return 0; }
    const e0 = (ix >> 20) - 1046;
    z = fromWords(ix - (e0 << 20), low(x));
    const tx = new Float64Array(3);
    for (i = 0; i < 2; i++) { tx[i] = z | 0; z = (z - tx[i]) * TWO24; }
    tx[2] = z;
    let nx = 3;
    while (tx[nx - 1] === 0) nx--;
    n = kernelRemPio2(tx, e0, nx);
    if (hx < 0) { y[0] = -y[0]; y[1] = -y[1]; return -n; }
    return n;
  }

  function kernelCos(x, yy) {
    const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
      C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
      C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    const ix = high(x) & 0x7FFFFFFF;
    if (ix < 0x3E400000 && (x | 0) === 0) return 1;
    const z = x * x;
    const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    if (ix < 0x3FD33333) return 1 - (0.5 * z - (z * r - x * yy));
    const qx = ix > 0x3FE90000 ? 0.28125 : fromWords(ix - 0x00200000, 0);
    const iz = 0.5 * z - qx;
    const a = 1 - qx;
    return a - (iz - (z * r - x * yy));
  }

  function kernelSin(x, yy, iy) {
    const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
      S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
      S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    const ix = high(x) & 0x7FFFFFFF;
    if (ix < 0x3E400000 && (x | 0) === 0) return x;
    const z = x * x, v = z * x;
    const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    if (iy === 0) return x + v * (S1 + z * r);
    return x - ((z * (0.5 * yy - v * r) - yy) - v * S1);
  }

  const T = [
    3.33333333333334091986e-01, 1.33333333333201242699e-01, 5.39682539762260521377e-02,
    2.18694882948595424599e-02, 8.86323982359930005737e-03, 3.59207910759131235356e-03,
    1.45620945432529025516e-03, 5.88041240820264096874e-04, 2.46463134818469906812e-04,
    7.81794442939557092300e-05, 7.14072491382608190305e-05, -1.85586374855275456654e-05,
    2.59073051863633712884e-05,
  ];
  function kernelTan(x, yy, iy) {
    const pio4 = 7.85398163397448278999e-01, pio4lo = 3.06161699786838301793e-17;
    let z, r, v, w, s;
    const hx = high(x), ix = hx & 0x7FFFFFFF;
    if (ix < 0x3E300000 && (x | 0) === 0) {
      if (((ix | low(x)) | (iy + 1)) === 0) return 1 / fabs(x);
      if (iy === 1) return x;
      z = w = x + yy;
      z = withLow(z, 0);
      v = yy - (z - x);
      const a = -1 / w;
      let t = withLow(a, 0);
      s = 1 + t * z;
      return t + a * (s + t * v);
    }
    if (ix >= 0x3FE59428) {
      if (hx < 0) { x = -x; yy = -yy; }
      z = pio4 - x;
      w = pio4lo - yy;
      x = z + w;
      yy = 0.0;
    }
    z = x * x;
    w = z * z;
    r = T[1] + w * (T[3] + w * (T[5] + w * (T[7] + w * (T[9] + w * T[11]))));
    v = z * (T[2] + w * (T[4] + w * (T[6] + w * (T[8] + w * (T[10] + w * T[12])))));
    s = z * x;
    r = yy + z * (s * (r + v) + yy);
    r += T[0] * s;
    w = x + r;
    if (ix >= 0x3FE59428) {
      v = iy;
      return (1 - ((hx >> 30) & 2)) * (v - 2.0 * (x - (w * w / (w + v) - r)));
    }
    if (iy === 1) return w;
    z = withLow(w, 0);
    v = r - (z - x);
    const a = -1.0 / w;
    const t = withLow(a, 0);
    s = 1.0 + t * z;
    return t + a * (s + t * v);
  }

  function sin(x) {
    const ix = high(x) & 0x7FFFFFFF;
    if (ix <= 0x3FE921FB) return kernelSin(x, 0, 0);
    if (ix >= 0x7FF00000) return x - x;
    switch (remPio2(x) & 3) {
      case 0: return kernelSin(y[0], y[1], 1);
      case 1: return kernelCos(y[0], y[1]);
      case 2: return -kernelSin(y[0], y[1], 1);
      default: return -kernelCos(y[0], y[1]);
    }
  }

  function cos(x) {
    const ix = high(x) & 0x7FFFFFFF;
    if (ix <= 0x3FE921FB) return kernelCos(x, 0);
    if (ix >= 0x7FF00000) return x - x;
    switch (remPio2(x) & 3) {
      case 0: return kernelCos(y[0], y[1]);
      case 1: return -kernelSin(y[0], y[1], 1);
      case 2: return -kernelCos(y[0], y[1]);
      default: return kernelSin(y[0], y[1], 1);
    }
  }

  function tan(x) {
    const ix = high(x) & 0x7FFFFFFF;
    if (ix <= 0x3FE921FB) return kernelTan(x, 0, 1);
    if (ix >= 0x7FF00000) return x - x;
    const n = remPio2(x);
    return kernelTan(y[0], y[1], 1 - ((n & 1) << 1));
  }

  // --- inverse trigonometric -----------------------------------------------------------------
  const pS0 = 1.66666666666666657415e-01, pS1 = -3.25565818622400915405e-01,
    pS2 = 2.01212532134862925881e-01, pS3 = -4.00555345006794114027e-02,
    pS4 = 7.91534994289814532176e-04, pS5 = 3.47933107596021167570e-05,
    qS1 = -2.40339491173441421878e+00, qS2 = 2.02094576023350569471e+00,
    qS3 = -6.88283971605453293030e-01, qS4 = 7.70381505559019352791e-02;
  const PIO2_HI = 1.57079632679489655800e+00, PIO2_LO = 6.12323399573676603587e-17;
  const PI = 3.14159265358979311600e+00;

  function acos(x) {
    const hx = high(x), ix = hx & 0x7FFFFFFF;
    let z, p, q, r, w, s, c, df;
    if (ix >= 0x3FF00000) {
      if (((ix - 0x3FF00000) | low(x)) === 0) return hx > 0 ? 0.0 : PI + 2.0 * PIO2_LO;
      return NaN_;
    }
    if (ix < 0x3FE00000) {
      if (ix <= 0x3C600000) return PIO2_HI + PIO2_LO;
      z = x * x;
      p = z * (pS0 + z * (pS1 + z * (pS2 + z * (pS3 + z * (pS4 + z * pS5)))));
      q = 1 + z * (qS1 + z * (qS2 + z * (qS3 + z * qS4)));
      r = p / q;
      return PIO2_HI - (x - (PIO2_LO - x * r));
    } else if (hx < 0) {
      z = (1 + x) * 0.5;
      p = z * (pS0 + z * (pS1 + z * (pS2 + z * (pS3 + z * (pS4 + z * pS5)))));
      q = 1 + z * (qS1 + z * (qS2 + z * (qS3 + z * qS4)));
      s = sqrt(z);
      r = p / q;
      w = r * s - PIO2_LO;
      return PI - 2.0 * (s + w);
    }
    z = (1 - x) * 0.5;
    s = sqrt(z);
    df = withLow(s, 0);
    c = (z - df * df) / (s + df);
    p = z * (pS0 + z * (pS1 + z * (pS2 + z * (pS3 + z * (pS4 + z * pS5)))));
    q = 1 + z * (qS1 + z * (qS2 + z * (qS3 + z * qS4)));
    r = p / q;
    w = r * s + c;
    return 2.0 * (df + w);
  }

  function asin(x) {
    const pio4_hi = 7.85398163397448278999e-01;
    const hx = high(x), ix = hx & 0x7FFFFFFF;
    let t = 0, w, p, q, c, r, s;
    if (ix >= 0x3FF00000) {
      if (((ix - 0x3FF00000) | low(x)) === 0) return x * PIO2_HI + x * PIO2_LO;
      return NaN_;
    } else if (ix < 0x3FE00000) {
      if (ix < 0x3E400000) {
        if (1e300 + x > 1) return x;
      } else {
        t = x * x;
      }
      p = t * (pS0 + t * (pS1 + t * (pS2 + t * (pS3 + t * (pS4 + t * pS5)))));
      q = 1 + t * (qS1 + t * (qS2 + t * (qS3 + t * qS4)));
      w = p / q;
      return x + x * w;
    }
    w = 1 - fabs(x);
    t = w * 0.5;
    p = t * (pS0 + t * (pS1 + t * (pS2 + t * (pS3 + t * (pS4 + t * pS5)))));
    q = 1 + t * (qS1 + t * (qS2 + t * (qS3 + t * qS4)));
    s = sqrt(t);
    if (ix >= 0x3FEF3333) {
      w = p / q;
      t = PIO2_HI - (2.0 * (s + s * w) - PIO2_LO);
    } else {
      w = withLow(s, 0);
      c = (t - w * w) / (s + w);
      r = p / q;
      p = 2.0 * s * r - (PIO2_LO - 2.0 * c);
      q = pio4_hi - 2.0 * w;
      t = pio4_hi - (p - q);
    }
    return hx > 0 ? t : -t;
  }

  const ATANHI = [4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01, 1.57079632679489655800e+00];
  const ATANLO = [2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17];
  const AT = [
    3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01,
    -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02,
    6.66107313738753120669e-02, -5.83357013379057348645e-02, 4.97687799461593236017e-02,
    -3.65315727442169155270e-02, 1.62858201153657823623e-02,
  ];
  function atan(x) {
    const hx = high(x), ix = hx & 0x7FFFFFFF;
    let id;
    if (ix >= 0x44100000) {
      if (ix > 0x7FF00000 || (ix === 0x7FF00000 && low(x) !== 0)) return x + x;
      return hx > 0 ? ATANHI[3] + ATANLO[3] : -ATANHI[3] - ATANLO[3];
    }
    if (ix < 0x3FDC0000) {
      if (ix < 0x3E400000 && 1e300 + x > 1) return x;
      id = -1;
    } else {
      x = fabs(x);
      if (ix < 0x3FF30000) {
        if (ix < 0x3FE60000) { id = 0; x = (2.0 * x - 1) / (2.0 + x); }
        else { id = 1; x = (x - 1) / (x + 1); }
      } else if (ix < 0x40038000) {
        id = 2; x = (x - 1.5) / (1 + 1.5 * x);
      } else {
        id = 3; x = -1.0 / x;
      }
    }
    let z = x * x;
    const w = z * z;
    const s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
    const s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
    if (id < 0) return x - x * (s1 + s2);
    z = ATANHI[id] - ((x * (s1 + s2) - ATANLO[id]) - x);
    return hx < 0 ? -z : z;
  }

  function atan2(yv, x) {
    const tiny = 1.0e-300, pi_o_4 = 7.8539816339744827900E-01, pi_o_2 = 1.5707963267948965580E+00,
      pi_lo = 1.2246467991473531772E-16;
    const hx = high(x), lx = low(x), ix = hx & 0x7FFFFFFF;
    const hy = high(yv), ly = low(yv), iy = hy & 0x7FFFFFFF;
    if ((ix | ((lx | -lx) >>> 31)) > 0x7FF00000 || (iy | ((ly | -ly) >>> 31)) > 0x7FF00000) return x + yv;
    if (((hx - 0x3FF00000) | lx) === 0) return atan(yv);
    let m = ((hy >> 31) & 1) | ((hx >> 30) & 2);
    if ((iy | ly) === 0) {
      switch (m) {
        case 0: case 1: return yv;
        case 2: return PI + tiny;
        default: return -PI - tiny;
      }
    }
    if ((ix | lx) === 0) return hy < 0 ? -pi_o_2 - tiny : pi_o_2 + tiny;
    if (ix === 0x7FF00000) {
      if (iy === 0x7FF00000) {
        switch (m) {
          case 0: return pi_o_4 + tiny;
          case 1: return -pi_o_4 - tiny;
          case 2: return 3.0 * pi_o_4 + tiny;
          default: return -3.0 * pi_o_4 - tiny;
        }
      }
      switch (m) {
        case 0: return 0;
        case 1: return -0;
        case 2: return PI + tiny;
        default: return -PI - tiny;
      }
    }
    if (iy === 0x7FF00000) return hy < 0 ? -pi_o_2 - tiny : pi_o_2 + tiny;
    const k = (iy - ix) >> 20;
    let z;
    if (k > 60) {
      z = pi_o_2 + 0.5 * pi_lo;
      m &= 1;
    } else if (hx < 0 && k < -60) {
      z = 0.0;
    } else {
      z = atan(fabs(yv / x));
    }
    switch (m) {
      case 0: return z;
      case 1: return -z;
      case 2: return PI - (z - pi_lo);
      default: return (z - pi_lo) - PI;
    }
  }

  // --- exponential and logarithm ---------------------------------------------------------------
  const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
  const INVLN2 = 1.44269504088896338700e+00;
  const P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
    P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  const TWOM1000 = 9.33263618503218878990e-302, TWO1023 = 8.988465674311579539e307;

  function exp(x) {
    let hi = 0.0, lo = 0.0, k = 0, t, yy;
    let hx = high(x);
    const xsb = (hx >> 31) & 1;
    hx &= 0x7FFFFFFF;
    if (hx >= 0x40862E42) {
      if (hx >= 0x7FF00000) {
        if (((hx & 0xFFFFF) | low(x)) !== 0) return x + x;
        return xsb === 0 ? x : 0.0;
      }
      if (x > 7.09782712893383973096e+02) return INF;
      if (x < -7.45133219101941108420e+02) return 0;
    }
    if (hx > 0x3FD62E42) {
      if (hx < 0x3FF0A2B2) {
        if (x === 1.0) return 2.718281828459045;
        hi = x - (xsb ? -LN2_HI : LN2_HI);
        lo = xsb ? -LN2_LO : LN2_LO;
        k = 1 - xsb - xsb;
      } else {
        k = (INVLN2 * x + (xsb ? -0.5 : 0.5)) | 0;
        t = k;
        hi = x - t * LN2_HI;
        lo = t * LN2_LO;
      }
      x = hi - lo;
    } else if (hx < 0x3E300000) {
      if (1e300 + x > 1) return 1 + x;
    } else {
      k = 0;
    }
    t = x * x;
    const twopk = k >= -1021 ? fromWords(0x3FF00000 + (k << 20), 0) : fromWords(0x3FF00000 + ((k + 1000) << 20), 0);
    const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
    yy = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
    if (k >= -1021) {
      if (k === 1024) return yy * 2.0 * TWO1023;
      return yy * twopk;
    }
    return yy * twopk * TWOM1000;
  }

  function expm1(x) {
    const Q1 = -3.33333333333331316428e-02, Q2 = 1.58730158725481460165e-03,
      Q3 = -7.93650757867487942473e-05, Q4 = 4.00821782732936239552e-06,
      Q5 = -2.01099218183624371326e-07;
    let yy, hi, lo, c = 0, t, e, k;
    let hx = high(x);
    const xsb = hx & 0x80000000;
    hx &= 0x7FFFFFFF;
    if (hx >= 0x4043687A) {
      if (hx >= 0x40862E42) {
        if (hx >= 0x7FF00000) {
          if (((hx & 0xFFFFF) | low(x)) !== 0) return x + x;
          return xsb === 0 ? x : -1.0;
        }
        if (x > 7.09782712893383973096e+02) return INF;
      }
      if (xsb !== 0 && x + 1.0e-300 < 0.0) return 1.0e-300 - 1;
    }
    if (hx > 0x3FD62E42) {
      if (hx < 0x3FF0A2B2) {
        if (xsb === 0) { hi = x - LN2_HI; lo = LN2_LO; k = 1; }
        else { hi = x + LN2_HI; lo = -LN2_LO; k = -1; }
      } else {
        k = (INVLN2 * x + (xsb === 0 ? 0.5 : -0.5)) | 0;
        t = k;
        hi = x - t * LN2_HI;
        lo = t * LN2_LO;
      }
      x = hi - lo;
      c = (hi - x) - lo;
    } else if (hx < 0x3C900000) {
      t = 1e300 + x;
      return x - (t - (1e300 + x));
    } else {
      k = 0;
    }
    const hfx = 0.5 * x;
    const hxs = x * hfx;
    const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
    t = 3.0 - r1 * hfx;
    e = hxs * ((r1 - t) / (6.0 - x * t));
    if (k === 0) return x - (x * e - hxs);
    const twopk = fromWords(0x3FF00000 + (k << 20), 0);
    e = (x * (e - c) - c);
    e -= hxs;
    if (k === -1) return 0.5 * (x - e) - 0.5;
    if (k === 1) {
      if (x < -0.25) return -2.0 * (e - (x + 0.5));
      return 1 + 2.0 * (x - e);
    }
    if (k <= -2 || k > 56) {
      yy = 1 - (e - x);
      if (k === 1024) yy = yy * 2.0 * 8.98846567431158e+307;
      else yy = yy * twopk;
      return yy - 1;
    }
    if (k < 20) {
      t = fromWords(0x3FF00000 - (0x200000 >> k), 0);
      yy = t - (e - x);
      yy = yy * twopk;
    } else {
      t = fromWords((0x3FF - k) << 20, 0);
      yy = x - (e + t);
      yy += 1;
      yy = yy * twopk;
    }
    return yy;
  }

  const TWO54 = 1.80143985094819840000e+16;
  const Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
    Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
    Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
    Lg7 = 1.479819860511658591e-01;

  function log(x) {
    let hx = high(x);
    const lx = low(x);
    let k = 0, dk, R, f, s, z, w, t1, t2, hfsq, i, j;
    if (hx < 0x00100000) {
      if (((hx & 0x7FFFFFFF) | lx) === 0) return -INF;
      if (hx < 0) return NaN_;
      k -= 54;
      x *= TWO54;
      hx = high(x);
    }
    if (hx >= 0x7FF00000) return x + x;
    k += (hx >> 20) - 1023;
    hx &= 0x000FFFFF;
    i = (hx + 0x95F64) & 0x100000;
    x = withHigh(x, hx | (i ^ 0x3FF00000));
    k += i >> 20;
    f = x - 1.0;
    if ((0x000FFFFF & (2 + hx)) < 3) {
      if (f === 0) {
        if (k === 0) return 0;
        dk = k;
        return dk * LN2_HI + dk * LN2_LO;
      }
      R = f * f * (0.5 - 0.33333333333333333 * f);
      if (k === 0) return f - R;
      dk = k;
      return dk * LN2_HI - ((R - dk * LN2_LO) - f);
    }
    s = f / (2.0 + f);
    dk = k;
    z = s * s;
    i = hx - 0x6147A;
    w = z * z;
    j = 0x6B851 - hx;
    t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    i |= j;
    R = t2 + t1;
    if (i > 0) {
      hfsq = 0.5 * f * f;
      if (k === 0) return f - (hfsq - s * (hfsq + R));
      return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
    }
    if (k === 0) return f - s * (f - R);
    return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
  }

  function log1p(x) {
    let hfsq, f = 0, c = 0, s, z, R, u, k, hu = 0;
    const hx = high(x), ax = hx & 0x7FFFFFFF;
    k = 1;
    if (hx < 0x3FDA827A) {
      if (ax >= 0x3FF00000) return x === -1.0 ? -INF : NaN_;
      if (ax < 0x3E200000) {
        if (TWO54 + x > 0 && ax < 0x3C900000) return x;
        return x - x * x * 0.5;
      }
      if (hx > 0 || hx <= (0xBFD2BEC4 | 0)) { k = 0; f = x; hu = 1; }
    }
    if (hx >= 0x7FF00000) return x + x;
    if (k !== 0) {
      if (hx < 0x43400000) {
        u = 1.0 + x;
        hu = high(u);
        k = (hu >> 20) - 1023;
        c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
        c /= u;
      } else {
        u = x;
        hu = high(u);
        k = (hu >> 20) - 1023;
        c = 0;
      }
      hu &= 0x000FFFFF;
      if (hu < 0x6A09E) {
        u = withHigh(u, hu | 0x3FF00000);
      } else {
        k += 1;
        u = withHigh(u, hu | 0x3FE00000);
        hu = (0x00100000 - hu) >> 2;
      }
      f = u - 1.0;
    }
    hfsq = 0.5 * f * f;
    if (hu === 0) {
      if (f === 0) {
        if (k === 0) return 0;
        c += k * LN2_LO;
        return k * LN2_HI + c;
      }
      R = hfsq * (1.0 - 0.66666666666666666 * f);
      if (k === 0) return f - R;
      return k * LN2_HI - ((R - (k * LN2_LO + c)) - f);
    }
    s = f / (2.0 + f);
    z = s * s;
    R = z * (Lg1 + z * (Lg2 + z * (Lg3 + z * (Lg4 + z * (Lg5 + z * (Lg6 + z * Lg7))))));
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return k * LN2_HI - ((hfsq - (s * (hfsq + R) + (k * LN2_LO + c))) - f);
  }

  function kLog1p(f) {
    const s = f / (2.0 + f), z = s * s, w = z * z;
    const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const R = t2 + t1;
    const hfsq = 0.5 * f * f;
    return s * (hfsq + R);
  }

  function log2(x) {
    const ivln2hi = 1.44269504072144627571e+00, ivln2lo = 1.67517131648865118353e-10;
    let hx = high(x);
    const lx = low(x);
    let k = 0;
    if (hx < 0x00100000) {
      if (((hx & 0x7FFFFFFF) | lx) === 0) return -INF;
      if (hx < 0) return NaN_;
      k -= 54;
      x *= TWO54;
      hx = high(x);
    }
    if (hx >= 0x7FF00000) return x + x;
    if (hx === 0x3FF00000 && lx === 0) return 0;
    k += (hx >> 20) - 1023;
    hx &= 0x000FFFFF;
    const i = (hx + 0x95F64) & 0x100000;
    x = withHigh(x, hx | (i ^ 0x3FF00000));
    k += i >> 20;
    const yk = k;
    const f = x - 1.0;
    const hfsq = 0.5 * f * f;
    const r = kLog1p(f);
    const hi = withLow(f - hfsq, 0);
    const lo = (f - hi) - hfsq + r;
    let valHi = hi * ivln2hi;
    let valLo = (lo + hi) * ivln2lo + lo * ivln2hi;
    const w = yk + valHi;
    valLo += (yk - w) + valHi;
    valHi = w;
    return valLo + valHi;
  }

  function log10(x) {
    const ivln10 = 4.34294481903251816668e-01, log10_2hi = 3.01029995663611771306e-01,
      log10_2lo = 3.69423907715893078616e-13;
    let hx = high(x), lx = low(x);
    let k = 0;
    if (hx < 0x00100000) {
      if (((hx & 0x7FFFFFFF) | lx) === 0) return -INF;
      if (hx < 0) return NaN_;
      k -= 54;
      x *= TWO54;
      hx = high(x);
      lx = low(x);
    }
    if (hx >= 0x7FF00000) return x + x;
    if (hx === 0x3FF00000 && lx === 0) return 0;
    k += (hx >> 20) - 1023;
    const i = k >>> 31;
    hx = (hx & 0x000FFFFF) | ((0x3FF - i) << 20);
    const yk = k + i;
    x = fromWords(hx, lx);
    const z = yk * log10_2lo + ivln10 * log(x);
    return z + yk * log10_2hi;
  }

  // --- hyperbolic --------------------------------------------------------------------------------
  function sinh(x) {
    const h = x < 0 ? -0.5 : 0.5;
    const ax = fabs(x);
    if (ax < 22) {
      if (ax < 3.725290298461914e-9) return x;
      const t = expm1(ax);
      if (ax < 1) return h * (2 * t - t * t / (t + 1));
      return h * (t + t / (t + 1));
    }
    if (ax < 709.7822265625) return h * exp(ax);
    if (ax <= 710.4758600739439) {
      const w = exp(0.5 * ax);
      const t = h * w;
      return t * w;
    }
    return x * 1.0e307;
  }

  function cosh(x) {
    const ix = high(x) & 0x7FFFFFFF;
    if (ix < 0x3FD62E43) {
      const t = expm1(fabs(x));
      const w = 1 + t;
      if (ix < 0x3C800000) return w;
      return 1 + (t * t) / (w + w);
    }
    if (ix < 0x40360000) {
      const t = exp(fabs(x));
      return 0.5 * t + 0.5 / t;
    }
    if (ix < 0x40862E42) return 0.5 * exp(fabs(x));
    if (fabs(x) <= 710.4758600739439) {
      const w = exp(0.5 * fabs(x));
      const t = 0.5 * w;
      return t * w;
    }
    if (ix >= 0x7FF00000) return x * x;
    return INF;
  }

  function tanh(x) {
    const jx = high(x), ix = jx & 0x7FFFFFFF;
    let t, z;
    if (ix >= 0x7FF00000) return jx >= 0 ? 1 / x + 1 : 1 / x - 1;
    if (ix < 0x40360000) {
      if (ix < 0x3E300000 && 1e300 + x > 1) return x;
      if (ix >= 0x3FF00000) {
        t = expm1(2 * fabs(x));
        z = 1 - 2 / (t + 2);
      } else {
        t = expm1(-2 * fabs(x));
        z = -t / (t + 2);
      }
    } else {
      z = 1 - 1.0e-300;
    }
    return jx >= 0 ? z : -z;
  }

  function asinh(x) {
    const ln2 = 6.93147180559945286227e-01;
    const hx = high(x), ix = hx & 0x7FFFFFFF;
    let t, w;
    if (ix >= 0x7FF00000) return x + x;
    if (ix < 0x3E300000 && 1e300 + x > 1) return x;
    if (ix > 0x41B00000) {
      w = log(fabs(x)) + ln2;
    } else if (ix > 0x40000000) {
      t = fabs(x);
      w = log(2.0 * t + 1 / (sqrt(x * x + 1) + t));
    } else {
      t = x * x;
      w = log1p(fabs(x) + t / (1 + sqrt(1 + t)));
    }
    return hx > 0 ? w : -w;
  }

  function acosh(x) {
    const ln2 = 6.93147180559945286227e-01;
    const hx = high(x), lx = low(x);
    if (hx < 0x3FF00000) return NaN_;
    if (hx >= 0x41B00000) return hx >= 0x7FF00000 ? x + x : log(x) + ln2;
    if (((hx - 0x3FF00000) | lx) === 0) return 0.0;
    if (hx > 0x40000000) {
      const t = x * x;
      return log(2.0 * x - 1 / (x + sqrt(t - 1)));
    }
    const t = x - 1;
    return log1p(t + sqrt(2.0 * t + t * t));
  }

  function atanh(x) {
    const hx = high(x), lx = low(x), ix = hx & 0x7FFFFFFF;
    let t;
    if ((ix | ((lx | -lx) >>> 31)) > 0x3FF00000) return NaN_;
    if (ix === 0x3FF00000) return x > 0 ? INF : -INF;
    if (ix < 0x3E300000 && 1e300 + x > 0) return x;
    x = withHigh(x, ix);
    if (ix < 0x3FE00000) {
      t = x + x;
      t = 0.5 * log1p(t + t * x / (1 - x));
    } else {
      t = 0.5 * log1p((x + x) / (1 - x));
    }
    return hx >= 0 ? t : -t;
  }

  function cbrt(x) {
    const B1 = 715094163, B2 = 696219795;
    const P0 = 1.87595182427177009643, Q1 = -1.88497979543377169875, Q2 = 1.621429720105354466140,
      Q3 = -0.758397934778766047437, Q4 = 0.145996192886612446982;
    let hx = high(x);
    const lowx = low(x);
    const sign = hx & 0x80000000;
    hx ^= sign;
    if (hx >= 0x7FF00000) return x + x;
    let t;
    if (hx < 0x00100000) {
      if ((hx | lowx) === 0) return x;
      t = fromWords(0x43500000, 0) * x;
      t = fromWords(sign | (((high(t) & 0x7FFFFFFF) / 3 | 0) + B2), 0);
    } else {
      t = fromWords(sign | ((hx / 3 | 0) + B1), 0);
    }
    let r = (t * t) * (t / x);
    t = t * ((P0 + r * (Q1 + r * Q2)) + ((r * r) * r) * (Q3 + r * Q4));
    // Round t away from zero to 23 bits: add 2^31 to the 64-bit pattern, clear the low 30 bits.
    let lo = low(t) + 0x80000000, hi = high(t);
    if (lo >= 4294967296) { lo -= 4294967296; hi = (hi + 1) | 0; }
    t = fromWords(hi, (lo & 0xC0000000) | 0);
    const s = t * t;
    r = x / s;
    const w = t + t;
    r = (r - t) / (w + r);
    return t + t * r;
  }

  // Math.hypot is Torque in V8 (math.tq): scale by the largest, Kahan-sum the squares.
  function hypot(a, b) {
    const length = arguments.length;
    if (length === 0) return 0;
    const abs = new Float64Array(length);
    let max = 0, oneIsNaN = false;
    for (let i = 0; i < length; i++) {
      const value = +arguments[i];
      if (value !== value) {
        oneIsNaN = true;
      } else {
        const av = fabs(value);
        abs[i] = av;
        if (av > max) max = av;
      }
    }
    if (max === INF) return INF;
    if (oneIsNaN) return NaN_;
    if (max === 0) return 0;
    let sum = 0, compensation = 0;
    for (let i = 0; i < length; i++) {
      const n = abs[i] / max;
      const summand = n * n - compensation;
      const preliminary = sum + summand;
      compensation = (preliminary - sum) - summand;
      sum = preliminary;
    }
    return sqrt(sum) * max;
  }

  const one = { acos, acosh, asin, asinh, atan, atanh, cbrt, cos, cosh, exp, expm1, log, log1p, log10, log2, sin, sinh, tan, tanh };
  for (const name in one) {
    const f = one[name];
    method(MathObject, name, { [name](x) { return f(+x); } }[name]);
  }
  method(MathObject, "atan2", { atan2(yv, x) { yv = +yv; return atan2(yv, +x); } }.atan2);
  method(MathObject, "hypot", hypot);
})
