// Single-threaded cache-blocked SGEMM over the SIMD micro-kernels (callers split work across
// threads by output columns, which keeps every element's summation order fixed: deterministic).
#pragma once
#include <cstddef>
#include <vector>

namespace pw {

// Row-major C[M x N] (=|+=) op(A)[M x K] * op(B)[K x N];
// op(A)(m,k) = tA ? A[k*lda+m] : A[m*lda+k];  op(B)(k,n) = tB ? B[n*ldb+k] : B[k*ldb+n].
void gemm(int M, int N, int K, const float* A, int lda, bool tA, const float* B, int ldb, bool tB, float* C, int ldc,
          bool accum);

// B packed once for repeated use (the recurrent weights across a window's steps).
struct PackedB {
  int K = 0;
  float* data = nullptr;  // strips of NR columns: [strips][K][NR], zero padded
  size_t cap = 0;
  std::vector<int> stripCol;    // C column of each strip's first column
  std::vector<int> stripWidth;  // valid columns of each strip (<= NR)
  PackedB() = default;
  PackedB(const PackedB&) = delete;
  PackedB& operator=(const PackedB&) = delete;
  ~PackedB();
};
void pack_b(PackedB& dst, int N, int K, const float* B, int ldb, bool tB);
// Packs `count` column ranges [starts[r], starts[r] + width) of row-major B (K rows), so one GEMM
// fills the same columns of C (an LSTM thread's share of all four gates).
void pack_b_ranges(PackedB& dst, int K, const float* B, int ldb, const int* starts, int count, int width);
// Uses rows [kBegin, kBegin + kCount) of packed B (kCount < 0: to the end); A's column 0 meets row kBegin.
void gemm_packed(int M, const float* A, int lda, bool tA, const PackedB& B, float* C, int ldc, bool accum, int kBegin = 0,
                 int kCount = -1);

}  // namespace pw
