// Kernel dispatch table: one set of SIMD kernels per instruction set, picked at load time
// (runtime dispatch with __builtin_cpu_supports) so one build runs on any x86-64 or ARM machine.
#pragma once
#include <cstdint>

namespace pw {

struct Kernels {
  const char* name;
  int MR;  // micro-tile rows
  int NR;  // micro-tile columns
  // C[mr x nr] (=|+=) Ap[kc x MR packed] * Bp[kc x NR packed]; mr <= MR, nr <= NR.
  void (*micro)(int kc, const float* Ap, const float* Bp, float* C, int ldc, int mr, int nr, bool accum);
  // As micro, with A read in place: op(A)(i, k) = tA ? A[k*lda + i] : A[i*lda + k].
  void (*micro_direct)(int kc, const float* A, int lda, bool tA, const float* Bp, float* C, int ldc, int mr, int nr, bool accum);
  // C[M x N] (=|+=) op(A) * B for tiny M, B row-major unpacked.
  void (*small_m)(int M, int N, int K, const float* A, int lda, bool tA, const float* B, int ldb, float* C, int ldc, bool accum);
  // LSTM gate forward for units [j0, j1): Z [B][4H] pre-activations in, activations out (in place);
  // c = f*cprev + i*g (cprev null = zeros), tc = tanh(c), h = o*tc. c/tc/h/cprev have row stride H.
  void (*gates_fwd)(int B, int H, int j0, int j1, float* Z, const float* cprev, float* c, float* tc, float* h, int ldh);
  // LSTM gate backward for units [j0, j1): dh = dHin + dhNext (either may be null);
  // dc = dh*o*(1-tc^2) + dcInOut; writes dZ [B][4H] and dcInOut = dc*f.
  void (*gates_bwd)(int B, int H, int j0, int j1, const float* act, const float* tc, const float* cprev,
                    const float* dHin, const float* dhNext, float* dcInOut, float* dZ);
};

const Kernels& kernels();

}  // namespace pw
