// Instantiates kernels-impl.h per instruction set and picks the best one the CPU supports.
#include "kernels.h"
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PW_X86 1
#endif

// Portable build: 4-float vectors (SSE2 on x86-64, NEON on ARM64).
#define KNS k_generic
#define KNAME "generic"
#define KVL 4
#define KMR 6
#define KNV 2
#include "kernels-impl.h"
#undef KNS
#undef KNAME
#undef KVL
#undef KMR
#undef KNV

#ifdef PW_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define KNS k_avx2
#define KNAME "avx2"
#define KVL 8
#define KMR 6
#define KNV 2
#include "kernels-impl.h"
#undef KNS
#undef KNAME
#undef KVL
#undef KMR
#undef KNV
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma")
#define KNS k_avx512
#define KNAME "avx512"
#define KVL 16
#define KMR 8
#define KNV 2
#include "kernels-impl.h"
#undef KNS
#undef KNAME
#undef KVL
#undef KMR
#undef KNV
#pragma GCC pop_options
#endif

namespace pw {

static const Kernels* pick() {
  // PW_LSTM_KERNELS=generic|avx2 forces a flavour (tests of the portable kernels on AVX-512 hosts).
  const char* force = std::getenv("PW_LSTM_KERNELS");
  if (force && std::strcmp(force, "generic") == 0) return &k_generic::table;
#ifdef PW_X86
  if (force && std::strcmp(force, "avx2") == 0) return &k_avx2::table;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) return &k_avx512::table;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &k_avx2::table;
#endif
  return &k_generic::table;
}

const Kernels& kernels() {
  static const Kernels* k = pick();
  return *k;
}

}  // namespace pw
