"""The trainer's one-pass kernel, compiled with numba (optional).

:class:`gd_visualizer.core.logistic.GradientKernel` uses :func:`fused_sums` when
numba is installed and this module compiles (or loads from numba's cache), and
its pure-numpy pass otherwise.  Nothing imports this module when the app starts:
it imports numba, so :func:`gd_visualizer.core.logistic.compiled_kernels` loads
it lazily, once per process, for the first kernel that wants it.

One pass over X: the samples are taken a block at a time (a few kB of X, read
from memory once); each block's logits, exponentials, logarithms, residuals
and sums are computed from the cache.  numpy's own ``exp`` and ``log1p`` are
SIMD routines that compiled code cannot call, and libm's are scalar calls that
stop LLVM from vectorizing, so the two functions are written here in a form
LLVM vectorizes (no calls, no branches; tests hold both within 1 ulp of libm):

- ``exp(x)`` for x ≤ 0: x = k ln2 + r with |r| ≤ ln2/2, a minimax polynomial
  of degree 11 for e^r (error 3e-18), then 2^k in two factors so that results
  in the subnormal range round once.
- ``log1p(e)`` for 0 ≤ e ≤ 1: fdlibm's s_log1p.c with k ∈ {0, 1}
  (1 + e = 2^k (1 + f), s = f/(2 + f), its polynomial in s²).

Elementwise loops are compiled with ``fastmath={"contract"}`` only (fused
multiply-adds, no reassociation, which would undo the rounding tricks above);
sums are reassociated (so they vectorize) only in loops without such tricks.
The order of every sum depends only on the block size and the lengths, never
on timing or addresses, so a call is deterministic.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import types
from numba.extending import intrinsic

__all__ = ["BLOCK", "fused_sums", "log1p_unit", "neg_exp", "scratch", "surface_corrections"]

#: samples per block: a block's X (n_x·4 kB) and three 4 kB buffers stay in L1
BLOCK = 512

_STRICT = {"contract"}  # elementwise math: FMAs only
_SUMS = {"contract", "reassoc"}  # reductions: vectorized, any order
_JIT = {"error_model": "numpy", "cache": True}  # no ZeroDivisionError checks; cached


@intrinsic
def _as_f64(typingctx, x):
    """The float64 whose bits are the int64 x."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@intrinsic
def _as_i64(typingctx, x):
    """The int64 holding the bits of the float64 x."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


# fdlibm's constants (e_exp.c, s_log1p.c)
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_SHIFT = 6755399441055744.0  # 1.5·2⁵²: x + SHIFT - SHIFT rounds x to an integer
_SHIFT_BITS = 0x4338000000000000
# e^r on |r| ≤ ln2/2: minimax polynomial of degree 11 (mpmath.chebyfit), error 3e-18
_E = (
    2.5110049204818658e-08, 2.763265472252779e-07, 2.755724088722987e-06,
    2.4801485441561313e-05, 0.00019841269890076403, 0.0013888888952352863,
    0.008333333333319589, 0.04166666666648795, 0.1666666666666668,
    0.5000000000000019,
)  # fmt: skip
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_SQRT2_M1 = 0.41421356237309503  # √2 - 1


@njit(inline="always", fastmath=_STRICT, error_model="numpy")
def _exp_neg(x):
    """e^x for x ≤ 0 (NaN stays NaN)."""
    x = -1000.0 if x < -1000.0 else x  # e^x is 0 from -745.2 on; keeps k in range
    kd = x * _INV_LN2 + _SHIFT
    kf = kd - _SHIFT  # k = round(x / ln2)
    k = _as_i64(kd) - _SHIFT_BITS
    r = (x - kf * _LN2_HI) - kf * _LN2_LO  # |r| ≤ ln2/2
    p = _E[0] * r + _E[1]
    p = p * r + _E[2]
    p = p * r + _E[3]
    p = p * r + _E[4]
    p = p * r + _E[5]
    p = p * r + _E[6]
    p = p * r + _E[7]
    p = p * r + _E[8]
    p = p * r + _E[9]
    y = (p * r + 1.0) * r + 1.0  # e^r
    k1 = k >> 1  # 2^k = 2^k1 · 2^k2, both normal even when 2^k is not
    k2 = k - k1
    return y * _as_f64((k1 + 1023) << 52) * _as_f64((k2 + 1023) << 52)


@njit(inline="always", fastmath=_STRICT, error_model="numpy")
def _log1p_unit(e):
    """log(1 + e) for 0 ≤ e ≤ 1 (NaN stays NaN)."""
    big = e > _SQRT2_M1  # 1 + e ≥ √2: log(1 + e) = log 2 + log1p(f), f = (e - 1)/2
    d = e - 1.0  # exact from e = 1/2 on; below, its rounding error is
    c = (e - (d + 1.0)) * 0.6875 if big else 0.0  # ... (exact), times 1/(2(1 + f)) ≈ 0.6875
    f = 0.5 * d if big else e  # 1 + f ∈ [√2/2, √2]
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    R = z * (_LG1 + z * (_LG2 + z * (_LG3 + z * (_LG4 + z * (_LG5 + z * (_LG6 + z * _LG7))))))
    if big:
        return _LN2_HI + (f - (hfsq - (s * (hfsq + R) + (_LN2_LO + c))))
    return f - (hfsq - s * (hfsq + R))


@njit(fastmath=_STRICT, **_JIT)
def neg_exp(x, out):
    """out = e^(-|x|), elementwise (1-D arrays)."""
    for i in range(x.size):
        out[i] = _exp_neg(-abs(x[i]))


@njit(fastmath=_STRICT, **_JIT)
def log1p_unit(e, out):
    """out = log(1 + e) for 0 ≤ e ≤ 1, elementwise (1-D arrays)."""
    for i in range(e.size):
        out[i] = _log1p_unit(e[i])


@njit(fastmath=_STRICT, **_JIT)
def _logits(X, w, b, start, k, z):
    """z = wᵀX + b over samples start … start+k-1."""
    for i in range(k):
        z[i] = b
    for j in range(X.shape[0]):
        wj = w[j]
        xj = X[j, start : start + k]
        for i in range(k):
            z[i] += wj * xj[i]


@njit(fastmath=_STRICT, **_JIT)
def _exps(z, e, k):
    """e = e^(-|z|) ∈ [0, 1]."""
    for i in range(k):
        e[i] = _exp_neg(-abs(z[i]))


@njit(fastmath=_STRICT, **_JIT)
def _logs(e, out, k):
    """out = log1p(e): the log part of the loss."""
    for i in range(k):
        out[i] = _log1p_unit(e[i])


@njit(inline="always", fastmath=_SUMS, error_model="numpy")
def _sample(zi, yi, ei):
    """One sample's dZ = σ(z) - y and its loss's non-log part y·relu(-z) + (1 - y)·relu(z),
    from z and e = e^(-|z|) (see :func:`_residuals`; inlined into the loops that call it)."""
    neg = -zi if -zi > 0.0 else 0.0
    pos = zi if zi > 0.0 else 0.0
    relu = (yi * neg if yi != 0.0 else 0.0) + ((1.0 - yi) * pos if yi != 1.0 else 0.0)
    q = 1.0 / (1.0 + ei)
    return (q if zi >= 0.0 else ei * q) - yi, relu


@njit(fastmath=_SUMS, **_JIT)
def _residuals(z, e, y, k):
    """z ← dZ = σ(z) - y; returns Σ dZ and Σ [y·relu(-z) + (1 - y)·relu(z)] (the
    non-log part of the loss).

    σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0 (as :func:`sigmoid`); a term
    whose label weight is 0 is 0 even where relu is infinite.  Nothing here needs a
    fixed order of operations, so the sums are vectorized in this loop.
    """
    s_dz = 0.0
    s_relu = 0.0
    for i in range(k):
        zi = z[i]
        yi = y[i]
        ei = e[i]
        dz, relu = _sample(zi, yi, ei)
        s_relu += relu
        z[i] = dz
        s_dz += dz
    return s_dz, s_relu


@njit(fastmath=_STRICT, **_JIT)
def _logits_exps_2d(x0, x1, w0, w1, b, z, e, k):
    """Two features (the app's datasets): z = w0·x0 + w1·x1 + b and e = e^(-|z|), one loop."""
    for i in range(k):
        zi = b + w0 * x0[i] + w1 * x1[i]
        z[i] = zi
        e[i] = _exp_neg(-abs(zi))


@njit(fastmath=_SUMS, **_JIT)
def _residuals_2d(z, e, y, x0, x1, k):
    """:func:`_residuals` with the two gradient sums Σ x0·dZ and Σ x1·dZ in the same loop."""
    s_dz = 0.0
    s_relu = 0.0
    s_x0 = 0.0
    s_x1 = 0.0
    for i in range(k):
        zi = z[i]
        yi = y[i]
        ei = e[i]
        dz, relu = _sample(zi, yi, ei)
        s_relu += relu
        s_dz += dz
        s_x0 += x0[i] * dz
        s_x1 += x1[i] * dz
    return s_dz, s_relu, s_x0, s_x1


@njit(fastmath=_SUMS, **_JIT)
def _sum(a, k):
    s = 0.0
    for i in range(k):
        s += a[i]
    return s


@njit(fastmath=_SUMS, **_JIT)
def _dot(x, a, k):
    s = 0.0
    for i in range(k):
        s += x[i] * a[i]
    return s


@njit(nogil=True, fastmath=_STRICT, **_JIT)
def fused_sums(X, Y, w, b, lo, hi, buf, out):
    """One pass over samples lo … hi-1 of (X, Y) at (w, b).

    ``out`` (n_x + 3 floats) receives Σ X dZᵀ (n_x), Σ dZ, and the loss's two
    parts Σ relu and Σ log1p(e^(-|z|)); ``buf`` is (3, block) scratch.  X is
    (n_x, m) C-contiguous and w 1-D, float64; Y is 1-D, float64 or (0/1 labels,
    a third of the memory traffic) uint8.  Releases the GIL.
    """
    n_x = X.shape[0]
    block = buf.shape[1]
    z = buf[0]
    e = buf[1]
    r = buf[2]
    for j in range(n_x + 3):
        out[j] = 0.0
    if n_x == 2:  # the same sums with fewer passes over the block
        w0 = w[0]
        w1 = w[1]
        for start in range(lo, hi, block):
            k = min(block, hi - start)
            x0 = X[0, start : start + k]
            x1 = X[1, start : start + k]
            _logits_exps_2d(x0, x1, w0, w1, b, z, e, k)
            s_dz, s_relu, s_x0, s_x1 = _residuals_2d(z, e, Y[start : start + k], x0, x1, k)
            _logs(e, r, k)
            out[0] += s_x0
            out[1] += s_x1
            out[2] += s_dz
            out[3] += s_relu
            out[4] += _sum(r, k)
        return
    for start in range(lo, hi, block):
        k = min(block, hi - start)
        _logits(X, w, b, start, k, z)
        _exps(z, e, k)
        s_dz, s_relu = _residuals(z, e, Y[start : start + k], k)
        _logs(e, r, k)
        out[n_x] += s_dz
        out[n_x + 1] += s_relu
        out[n_x + 2] += _sum(r, k)
        for j in range(n_x):
            out[j] += _dot(X[j, start : start + k], z, k)


def scratch(block: int = BLOCK) -> np.ndarray:
    """The ``buf`` argument of :func:`fused_sums`."""
    return np.empty((3, block))


@njit(nogil=True, fastmath=_SUMS, **_JIT)
def surface_corrections(E, M, G):
    """The cost surface's higher-order terms in one pass over E (float32, (n, R), e^t of
    each grid point's cells), as ``core.surface._corrections`` computes them with numpy
    in nine passes and three matrix products: for every point p and moment k (rows of M,
    (12, R): a cell's n·moment), G[p, k] = Σ_r L^(order k)(t_r)·M[k, r], with
    L'' = e/(1+e)², L''' = L''·(2/(1+e) - 1), L'''' = L''·(1 - 6L'').  float32 throughout,
    as numpy's; the sums along r are reassociated (vectorized)."""
    n, R = E.shape
    one, two, six = np.float32(1.0), np.float32(2.0), np.float32(6.0)
    for p in range(n):
        g0 = g1 = g2 = g3 = g4 = g5 = g6 = np.float32(0.0)
        g7 = g8 = g9 = g10 = g11 = np.float32(0.0)
        for r in range(R):
            e = E[p, r]
            u = one / (one + e)
            l2 = e * u * u
            l3 = l2 * (two * u - one)
            l4 = l2 * (one - six * l2)
            g0 += l2 * M[0, r]
            g1 += l2 * M[1, r]
            g2 += l2 * M[2, r]
            g3 += l3 * M[3, r]
            g4 += l3 * M[4, r]
            g5 += l3 * M[5, r]
            g6 += l3 * M[6, r]
            g7 += l4 * M[7, r]
            g8 += l4 * M[8, r]
            g9 += l4 * M[9, r]
            g10 += l4 * M[10, r]
            g11 += l4 * M[11, r]
        G[p, 0] = g0
        G[p, 1] = g1
        G[p, 2] = g2
        G[p, 3] = g3
        G[p, 4] = g4
        G[p, 5] = g5
        G[p, 6] = g6
        G[p, 7] = g7
        G[p, 8] = g8
        G[p, 9] = g9
        G[p, 10] = g10
        G[p, 11] = g11
