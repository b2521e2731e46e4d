// SIMD kernels written once with GCC/Clang vector extensions and compiled once per instruction
// set (kernels.cpp includes this file under different `#pragma GCC target`s). Parameters:
//   KNS namespace, KVL floats per vector, KMR x (KNV*KVL) micro-tile.
#include <cmath>
#include <cstring>

namespace KNS {

typedef float vf __attribute__((vector_size(KVL * 4)));
typedef float vfu __attribute__((vector_size(KVL * 4), aligned(4)));
typedef int vi __attribute__((vector_size(KVL * 4)));

constexpr int VL = KVL;
constexpr int MR = KMR;
constexpr int NV = KNV;
constexpr int NR = KNV * KVL;

static inline vf ld(const float* p) { return *reinterpret_cast<const vfu*>(p); }
static inline void st(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
static inline vf splat(float s) { return vf{} + s; }

// exp with Cephes' expf polynomial after range reduction; relative error ~2e-7.
static inline vf vexp(vf x) {
  const vf hi = splat(88.0f), lo = splat(-87.0f);
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  vf fx = x * 1.44269504088896341f;
  // Round to nearest by the 1.5*2^23 trick (exact: no -ffast-math here).
  fx = (fx + 12582912.0f) - 12582912.0f;
  vf r = x - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  vi n = __builtin_convertvector(fx, vi);
  vi bits = (n + 127) << 23;
  return p * (vf)bits;
}
static inline vf vsigmoid(vf x) { return 1.0f / (1.0f + vexp(-x)); }
static inline vf vtanh(vf x) { return 1.0f - 2.0f / (vexp(x + x) + 1.0f); }
static inline float ssigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

static void micro(int kc, const float* __restrict Ap, const float* __restrict Bp, float* C, int ldc, int mr, int nr, bool accum) {
  vf acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[i][v] = vf{};
  for (int k = 0; k < kc; k++) {
    vf b[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) b[v] = *reinterpret_cast<const vf*>(Bp + k * NR + v * VL);
    const float* a = Ap + k * MR;
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
      const float ai = a[i];
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[i][v] += ai * b[v];
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) {
        float* p = C + i * ldc + v * VL;
        st(p, accum ? ld(p) + acc[i][v] : acc[i][v]);
      }
    return;
  }
  alignas(64) float tmp[MR * NR];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) *reinterpret_cast<vf*>(tmp + i * NR + v * VL) = acc[i][v];
  for (int i = 0; i < mr; i++) {
    float* p = C + i * ldc;
    const float* q = tmp + i * NR;
    if (accum) for (int j = 0; j < nr; j++) p[j] += q[j];
    else for (int j = 0; j < nr; j++) p[j] = q[j];
  }
}

// As `micro`, but A read in place (no packing): op(A)(i, k) = A[off_i + k * kstride] with
// off_i = i * (TA ? 1 : lda). A's tiles are small enough to stay in L1/L2 across the strips of B,
// so packing A bought little and cost a strided copy per call. Rows past `mr` reread row 0.
template <bool TA>
static void micro_direct_t(int kc, const float* __restrict A, int lda, const float* __restrict Bp, float* C, int ldc, int mr, int nr, bool accum) {
  const float* ap[MR];
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++) ap[i] = A + (i < mr ? i : 0) * (TA ? 1 : lda);
  const long ks = TA ? lda : 1;
  vf acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[i][v] = vf{};
  for (int k = 0; k < kc; k++) {
    vf b[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) b[v] = *reinterpret_cast<const vf*>(Bp + k * NR + v * VL);
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
      const float ai = ap[i][k * ks];
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[i][v] += ai * b[v];
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) {
        float* p = C + i * ldc + v * VL;
        st(p, accum ? ld(p) + acc[i][v] : acc[i][v]);
      }
    return;
  }
  alignas(64) float tmp[MR * NR];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) *reinterpret_cast<vf*>(tmp + i * NR + v * VL) = acc[i][v];
  for (int i = 0; i < mr; i++) {
    float* p = C + i * ldc;
    const float* q = tmp + i * NR;
    if (accum) for (int j = 0; j < nr; j++) p[j] += q[j];
    else for (int j = 0; j < nr; j++) p[j] = q[j];
  }
}

static void micro_direct(int kc, const float* A, int lda, bool tA, const float* Bp, float* C, int ldc, int mr, int nr, bool accum) {
  if (tA) micro_direct_t<true>(kc, A, lda, Bp, C, ldc, mr, nr, accum);
  else micro_direct_t<false>(kc, A, lda, Bp, C, ldc, mr, nr, accum);
}

// Tiny-M GEMM straight from row-major B (no packing): per row of C, blocks of 8 / 1 vectors of
// columns accumulate over K in registers (8 independent FMA chains hide the FMA latency).
template <bool TA>
static inline void small_m_t(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accum) {
  for (int m = 0; m < M; m++) {
    float* c = C + (long)m * ldc;
    int n = 0;
    for (; n + 8 * VL <= N; n += 8 * VL) {
      vf acc[8];
#pragma GCC unroll 8
      for (int v = 0; v < 8; v++) acc[v] = vf{};
      for (int k = 0; k < K; k++) {
        const float a = TA ? A[(long)k * lda + m] : A[(long)m * lda + k];
        const float* b = B + (long)k * ldb + n;
#pragma GCC unroll 8
        for (int v = 0; v < 8; v++) acc[v] += a * ld(b + v * VL);
      }
#pragma GCC unroll 8
      for (int v = 0; v < 8; v++) st(c + n + v * VL, accum ? ld(c + n + v * VL) + acc[v] : acc[v]);
    }
    for (; n + VL <= N; n += VL) {
      vf a0 = vf{};
      for (int k = 0; k < K; k++) a0 += (TA ? A[(long)k * lda + m] : A[(long)m * lda + k]) * ld(B + (long)k * ldb + n);
      st(c + n, accum ? ld(c + n) + a0 : a0);
    }
    for (; n < N; n++) {
      float s = 0;
      for (int k = 0; k < K; k++) s += (TA ? A[(long)k * lda + m] : A[(long)m * lda + k]) * B[(long)k * ldb + n];
      c[n] = accum ? c[n] + s : s;
    }
  }
}

static void small_m(int M, int N, int K, const float* A, int lda, bool tA, const float* B, int ldb, float* C, int ldc, bool accum) {
  if (tA) small_m_t<true>(M, N, K, A, lda, B, ldb, C, ldc, accum);
  else small_m_t<false>(M, N, K, A, lda, B, ldb, C, ldc, accum);
}

static void gates_fwd(int B, int H, int j0, int j1, float* Z, const float* cprev, float* c, float* tc, float* h, int ldh) {
  const int G = 4 * H;
  for (int b = 0; b < B; b++) {
    float* z = Z + (long)b * G;
    const float* cp = cprev ? cprev + (long)b * H : nullptr;
    float* cb = c + (long)b * H;
    float* tb = tc + (long)b * H;
    float* hb = h + (long)b * ldh;
    int j = j0;
    for (; j + VL <= j1; j += VL) {
      vf ig = vsigmoid(ld(z + j)), fg = vsigmoid(ld(z + H + j)), gg = vtanh(ld(z + 2 * H + j)), og = vsigmoid(ld(z + 3 * H + j));
      st(z + j, ig); st(z + H + j, fg); st(z + 2 * H + j, gg); st(z + 3 * H + j, og);
      vf cv = ig * gg;
      if (cp) cv += fg * ld(cp + j);
      vf t = vtanh(cv);
      st(cb + j, cv); st(tb + j, t); st(hb + j, og * t);
    }
    for (; j < j1; j++) {
      float ig = ssigmoid(z[j]), fg = ssigmoid(z[H + j]), gg = std::tanh(z[2 * H + j]), og = ssigmoid(z[3 * H + j]);
      z[j] = ig; z[H + j] = fg; z[2 * H + j] = gg; z[3 * H + j] = og;
      float cv = ig * gg + (cp ? fg * cp[j] : 0.0f);
      float t = std::tanh(cv);
      cb[j] = cv; tb[j] = t; hb[j] = og * t;
    }
  }
}

static void gates_bwd(int B, int H, int j0, int j1, const float* act, const float* tc, const float* cprev,
                      const float* dHin, const float* dhNext, float* dcio, float* dZ) {
  const int G = 4 * H;
  for (int b = 0; b < B; b++) {
    const float* a = act + (long)b * G;
    const float* t = tc + (long)b * H;
    const float* cp = cprev ? cprev + (long)b * H : nullptr;
    const float* dhi = dHin ? dHin + (long)b * H : nullptr;
    const float* dhn = dhNext ? dhNext + (long)b * H : nullptr;
    float* dc = dcio + (long)b * H;
    float* dz = dZ + (long)b * G;
    int j = j0;
    for (; j + VL <= j1; j += VL) {
      vf ig = ld(a + j), fg = ld(a + H + j), gg = ld(a + 2 * H + j), og = ld(a + 3 * H + j), tv = ld(t + j);
      vf dh = vf{};
      if (dhi) dh += ld(dhi + j);
      if (dhn) dh += ld(dhn + j);
      vf dcv = dh * og * (1.0f - tv * tv) + ld(dc + j);
      vf cpv = cp ? ld(cp + j) : vf{};
      st(dz + j, dcv * gg * ig * (1.0f - ig));
      st(dz + H + j, dcv * cpv * fg * (1.0f - fg));
      st(dz + 2 * H + j, dcv * ig * (1.0f - gg * gg));
      st(dz + 3 * H + j, dh * tv * og * (1.0f - og));
      st(dc + j, dcv * fg);
    }
    for (; j < j1; j++) {
      float ig = a[j], fg = a[H + j], gg = a[2 * H + j], og = a[3 * H + j], tv = t[j];
      float dh = (dhi ? dhi[j] : 0.0f) + (dhn ? dhn[j] : 0.0f);
      float dcv = dh * og * (1.0f - tv * tv) + dc[j];
      float cpv = cp ? cp[j] : 0.0f;
      dz[j] = dcv * gg * ig * (1.0f - ig);
      dz[H + j] = dcv * cpv * fg * (1.0f - fg);
      dz[2 * H + j] = dcv * ig * (1.0f - gg * gg);
      dz[3 * H + j] = dh * tv * og * (1.0f - og);
      dc[j] = dcv * fg;
    }
  }
}

static const pw::Kernels table = {KNAME, MR, NR, micro, micro_direct, small_m, gates_fwd, gates_bwd};

}  // namespace KNS
