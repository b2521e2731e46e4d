#include "gemm.h"
#include <cstdlib>
#include <cstring>
#include "kernels.h"

namespace pw {

static constexpr int KC = 256;   // K block: A and B panels stay in L2 (1 MB on this machine)
static constexpr int MCMAX = 96; // rows of A per block (rounded to MR); A is read in place

static float* grow(float*& p, size_t& cap, size_t n) {
  if (n > cap) {
    std::free(p);
    size_t bytes = ((n * sizeof(float)) + 63) & ~size_t(63);
    p = static_cast<float*>(std::aligned_alloc(64, bytes));
    cap = p ? n : 0;
  }
  return p;
}

PackedB::~PackedB() { std::free(data); }

static void pack_strip(float* d, int K, int NR, const float* B, int ldb, bool tB, int n0, int nn) {
  for (int k = 0; k < K; k++, d += NR) {
    int j = 0;
    if (!tB) {
      const float* src = B + (long)k * ldb + n0;
      for (; j < nn; j++) d[j] = src[j];
    } else {
      for (; j < nn; j++) d[j] = B[(long)(n0 + j) * ldb + k];
    }
    for (; j < NR; j++) d[j] = 0.0f;
  }
}

void pack_b(PackedB& dst, int N, int K, const float* B, int ldb, bool tB) {
  const int NR = kernels().NR;
  const int strips = (N + NR - 1) / NR;
  grow(dst.data, dst.cap, (size_t)strips * K * NR);
  dst.K = K;
  dst.stripCol.resize(strips);
  dst.stripWidth.resize(strips);
  for (int s = 0; s < strips; s++) {
    const int n0 = s * NR, nn = N - n0 < NR ? N - n0 : NR;
    dst.stripCol[s] = n0;
    dst.stripWidth[s] = nn;
    pack_strip(dst.data + (size_t)s * K * NR, K, NR, B, ldb, tB, n0, nn);
  }
}

void pack_b_ranges(PackedB& dst, int K, const float* B, int ldb, const int* starts, int count, int width) {
  const int NR = kernels().NR;
  const int per = (width + NR - 1) / NR;
  const int strips = per * count;
  grow(dst.data, dst.cap, (size_t)(strips > 0 ? strips : 1) * K * NR);
  dst.K = K;
  dst.stripCol.resize(strips);
  dst.stripWidth.resize(strips);
  int s = 0;
  for (int r = 0; r < count; r++)
    for (int q = 0; q < per; q++, s++) {
      const int n0 = starts[r] + q * NR, nn = width - q * NR < NR ? width - q * NR : NR;
      dst.stripCol[s] = n0;
      dst.stripWidth[s] = nn;
      pack_strip(dst.data + (size_t)s * K * NR, K, NR, B, ldb, false, n0, nn);
    }
}

static void pack_a(float* dst, const float* A, int lda, bool tA, int m0, int mc, int k0, int kc, int MR) {
  for (int s = 0; s < mc; s += MR) {
    const int mr = mc - s < MR ? mc - s : MR;
    float* d = dst + (size_t)s * kc;
    if (!tA) {
      for (int i = 0; i < mr; i++) {
        const float* src = A + (long)(m0 + s + i) * lda + k0;
        for (int k = 0; k < kc; k++) d[k * MR + i] = src[k];
      }
    } else {
      for (int k = 0; k < kc; k++) {
        const float* src = A + (long)(k0 + k) * lda + m0 + s;
        for (int i = 0; i < mr; i++) d[k * MR + i] = src[i];
      }
    }
    if (mr < MR)
      for (int k = 0; k < kc; k++)
        for (int i = mr; i < MR; i++) d[k * MR + i] = 0.0f;
  }
}

void gemm_packed(int M, const float* A, int lda, bool tA, const PackedB& B, float* C, int ldc, bool accum, int kBegin,
                 int kCount) {
  const Kernels& kn = kernels();
  const int MR = kn.MR, NR = kn.NR, K = kCount < 0 ? B.K - kBegin : kCount;
  const int strips = (int)B.stripCol.size();
  if (M <= 0 || strips == 0) return;
  if (K == 0) {
    if (!accum)
      for (int m = 0; m < M; m++)
        for (int s = 0; s < strips; s++) std::memset(C + (long)m * ldc + B.stripCol[s], 0, sizeof(float) * B.stripWidth[s]);
    return;
  }
  const int MC = (MCMAX / MR) * MR;
  if (tA) {
    // Transposed A (the weight-gradient GEMMs, long K): packing keeps the A tile contiguous.
    static thread_local float* abuf = nullptr;
    static thread_local size_t acap = 0;
    grow(abuf, acap, (size_t)MC * KC);
    for (int k0 = 0; k0 < K; k0 += KC) {
      const int kc = K - k0 < KC ? K - k0 : KC;
      const bool acc = accum || k0 > 0;
      for (int m0 = 0; m0 < M; m0 += MC) {
        const int mc = M - m0 < MC ? M - m0 : MC;
        pack_a(abuf, A, lda, tA, m0, mc, k0, kc, MR);
        for (int s = 0; s < strips; s++) {
          const float* bp = B.data + (size_t)s * B.K * NR + (size_t)(kBegin + k0) * NR;
          const int nr = B.stripWidth[s];
          float* cs = C + B.stripCol[s];
          for (int i = 0; i < mc; i += MR) {
            const int mr = mc - i < MR ? mc - i : MR;
            kn.micro(kc, abuf + (size_t)i * kc, bp, cs + (long)(m0 + i) * ldc, ldc, mr, nr, acc);
          }
        }
      }
    }
    return;
  }
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    const bool acc = accum || k0 > 0;
    for (int m0 = 0; m0 < M; m0 += MC) {
      const int mc = M - m0 < MC ? M - m0 : MC;
      for (int s = 0; s < strips; s++) {
        const float* bp = B.data + (size_t)s * B.K * NR + (size_t)(kBegin + k0) * NR;
        const int nr = B.stripWidth[s];
        float* cs = C + B.stripCol[s];
        for (int i = 0; i < mc; i += MR) {
          const int mr = mc - i < MR ? mc - i : MR;
          const int m = m0 + i;
          const float* a = tA ? A + (long)k0 * lda + m : A + (long)m * lda + k0;
          kn.micro_direct(kc, a, lda, tA, bp, cs + (long)m * ldc, ldc, mr, nr, acc);
        }
      }
    }
  }
}

void gemm(int M, int N, int K, const float* A, int lda, bool tA, const float* B, int ldb, bool tB, float* C, int ldc,
          bool accum) {
  if (M <= 0 || N <= 0) return;
  if (M <= 4 && !tB) {
    kernels().small_m(M, N, K, A, lda, tA, B, ldb, C, ldc, accum);
    return;
  }
  static thread_local PackedB pb;
  pack_b(pb, N, K, B, ldb, tB);
  gemm_packed(M, A, lda, tA, pb, C, ldc, accum);
}

}  // namespace pw
