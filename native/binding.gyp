{
  "targets": [
    {
      "target_name": "plantwatch_lstm",
      "sources": ["src/addon.cpp", "src/kernels.cpp", "src/gemm.cpp", "src/lstm.cpp", "src/pool.cpp"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-ffp-contract=fast", "-fno-math-errno", "-Wno-psabi", "-pthread"],
      "cflags_cc!": ["-O2", "-Os"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=gnu++17", "-ffp-contract=fast"]
      }
    }
  ]
}
