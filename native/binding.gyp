{
  "variables": {
    # Set to "false" by scripts/build-native.mjs when the compiler has no OpenMP.
    "openmp%": "true"
  },
  "targets": [
    {
      "target_name": "plantwatch_lstm",
      "sources": ["src/addon.cpp", "src/kernels.cpp", "src/gemm.cpp", "src/lstm.cpp"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-ffp-contract=fast", "-fno-math-errno", "-Wno-psabi"],
      "cflags_cc!": ["-O2", "-Os"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=gnu++17", "-ffp-contract=fast"]
      },
      "conditions": [
        ["OS=='linux' and openmp=='true'", {
          "cflags_cc": ["-fopenmp"],
          "ldflags": ["-fopenmp"]
        }]
      ]
    }
  ]
}
