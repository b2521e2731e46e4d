// The LSTM forecaster's numerics in float32: forward, BPTT backward, dropout, dense head, Adam.
// Weights layout and dropout hashing match src/model/lstm/params.ts and rng.ts exactly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>
#include "gemm.h"

namespace pw {

struct LstmConfig {
  std::vector<int> lstmUnits;
  std::vector<int> denseUnits;  // ReLU layers; the linear output (inputSize units) is appended
  float dropout = 0;
  int inputSize = 0;
  int windowSize = 0;
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;
  int threads = 1;
};

class LstmModel {
 public:
  explicit LstmModel(const LstmConfig& cfg);
  size_t weightCount() const { return w_.size(); }
  int layers() const { return (int)lstm_.size(); }
  int units(int l) const { return lstm_[l].H; }
  float* weights() { return w_.data(); }
  // Call after writing through weights(): invalidates the packed copies of the weights.
  void weightsChanged() { version_++; }
  void resetOptimizer();
  // Loss (MSE) and gradient into grad_ (no update). seed < 0: no dropout.
  double computeGradients(const float* x, const float* y, int B, int64_t seed);
  const float* gradients() const { return g_.data(); }
  double trainBatch(const float* x, const float* y, int B, uint32_t seed, double lr);
  void predict(const float* x, int n, float* out);
  void step(float* const* h, float* const* c, const float* x, int B, float* out);

 private:
  struct Lstm { int I, H; size_t wx, wh, b; };
  struct Dense { int in, out; size_t w, b; bool relu; };
  LstmConfig cfg_;
  std::vector<Lstm> lstm_;
  std::vector<Dense> dense_;
  std::vector<float> w_, g_, m_, v_;
  int64_t t_ = 0;
  // Per layer and thread, the thread's share of Wx and Wh packed for the GEMM kernels; kept while
  // the weights do not change (inference reuses them call after call).
  struct LayerPack {
    PackedB px, ph;
    uint64_t version = ~0ull;
    int nt = 0;
  };
  std::vector<std::vector<std::unique_ptr<LayerPack>>> packs_;
  uint64_t version_ = 0;
  // Training caches, per LSTM layer, time-major [T][B][.].
  std::vector<std::vector<float>> X_, act_, c_, tc_, h_, mask_;
  std::vector<std::vector<float>> a_;  // dense activations, a_[0] = last hidden state
  std::vector<float> dZ_, dH_, dX_, dhNext_, dc_, dA_, dIn_;
  // Inference scratch.
  std::vector<float> zS_, cS_[2], tcS_, seqS_[2];

  const float* forward(const float* x, int B, bool train, int64_t seed);
  int threadsFor(int B, int H) const;
  void layerForward(int l, int B, const float* X, float* Hout, bool train);
  void layerBackward(int l, int B, const float* dHin, float* dXout);
  const float* denseForward(const float* in, int B, bool train);
};

}  // namespace pw
