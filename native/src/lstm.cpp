#include "lstm.h"
#include <cmath>
#include <cstring>
#include "gemm.h"
#include "kernels.h"
#include "pool.h"

namespace pw {

static inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

static inline void ensure(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// Contiguous share [j0, j1) of n items for thread tid of nt, in multiples of `align` where possible.
static inline void share(int n, int nt, int tid, int align, int& j0, int& j1) {
  int chunk = (n + nt - 1) / nt;
  chunk = ((chunk + align - 1) / align) * align;
  j0 = tid * chunk < n ? tid * chunk : n;
  j1 = j0 + chunk < n ? j0 + chunk : n;
}

// Threads meet once per step, so a step must carry enough work to pay for it: below about 0.2 M
// multiply-adds per step (tiny batches, small layers) one thread is faster. Results do not depend
// on the thread count (each output element has one owner and a fixed summation order).
int LstmModel::threadsFor(int B, int H) const {
  return (size_t)B * 4 * H * H < 200000 ? 1 : cfg_.threads;
}

LstmModel::LstmModel(const LstmConfig& cfg) : cfg_(cfg) {
  size_t off = 0;
  int prev = cfg.inputSize;
  for (int h : cfg.lstmUnits) {
    Lstm l{prev, h, off, 0, 0};
    off += (size_t)prev * 4 * h;
    l.wh = off;
    off += (size_t)h * 4 * h;
    l.b = off;
    off += 4 * h;
    lstm_.push_back(l);
    prev = h;
  }
  std::vector<std::pair<int, bool>> outs;
  for (int u : cfg.denseUnits) outs.push_back({u, true});
  outs.push_back({cfg.inputSize, false});
  for (auto& o : outs) {
    Dense d{prev, o.first, off, 0, o.second};
    off += (size_t)prev * o.first;
    d.b = off;
    off += o.first;
    dense_.push_back(d);
    prev = o.first;
  }
  w_.assign(off, 0.0f);
  g_.assign(off, 0.0f);
  m_.assign(off, 0.0f);
  v_.assign(off, 0.0f);
  const size_t L = lstm_.size();
  packs_.resize(L);
  X_.resize(L); act_.resize(L); c_.resize(L); tc_.resize(L); h_.resize(L); mask_.resize(L);
  a_.resize(dense_.size() + 1);
}

void LstmModel::resetOptimizer() {
  std::fill(m_.begin(), m_.end(), 0.0f);
  std::fill(v_.begin(), v_.end(), 0.0f);
  t_ = 0;
}

// One LSTM layer over the window. Threads split the units; each computes all four gates of its
// units (so gates need no exchange) and they meet once per step, when h_t is complete. The input
// projection x_t Wx + b is done for a chunk of steps at once (one large GEMM); only h_{t-1} Wh
// is left inside the recurrence.
void LstmModel::layerForward(int l, int B, const float* X, float* Hout, bool train) {
  const Lstm& L = lstm_[l];
  const int T = cfg_.windowSize, H = L.H, I = L.I, G = 4 * H;
  // Inference keeps only a chunk of pre-activations (about 2 MB) instead of the whole window.
  int Tc = T;
  if (train) {
    ensure(act_[l], (size_t)T * B * G);
    ensure(c_[l], (size_t)T * B * H);
    ensure(tc_[l], (size_t)T * B * H);
  } else {
    Tc = (int)((2u << 20) / ((size_t)B * G * sizeof(float)));
    Tc = Tc < 1 ? 1 : (Tc > T ? T : Tc);
    ensure(zS_, (size_t)Tc * B * G);
    ensure(cS_[0], (size_t)B * H);
    ensure(cS_[1], (size_t)B * H);
    ensure(tcS_, (size_t)B * H);
  }
  float* act = train ? act_[l].data() : zS_.data();
  float* cc = train ? c_[l].data() : nullptr;
  float* tcc = train ? tc_[l].data() : tcS_.data();
  const float* W = w_.data();
  const int align = kernels().NR >= 16 ? 16 : kernels().NR;
  const int nthreads = threadsFor(B, H);
  if ((int)packs_[l].size() < nthreads) packs_[l].resize(nthreads);
  for (auto& p : packs_[l])
    if (!p) p.reset(new LayerPack());
  Pool::instance().run(nthreads, [&](int tid, int nt, Barrier& bar) {
    int j0, j1;
    share(H, nt, tid, align, j0, j1);
    const int nj = j1 - j0;
    const bool packed = B > 4;
    LayerPack& lp = *packs_[l][tid];
    const PackedB& px = lp.px;
    const PackedB& ph = lp.ph;
    const int starts[4] = {j0, H + j0, 2 * H + j0, 3 * H + j0};
    if (nj > 0 && (lp.version != version_ || lp.nt != nt)) {
      pack_b_ranges(lp.px, I, W + L.wx, G, starts, 4, nj);
      pack_b_ranges(lp.ph, H, W + L.wh, G, starts, 4, nj);
      lp.version = version_;
      lp.nt = nt;
    }
    for (int t0 = 0; t0 < T; t0 += Tc) {
      const int tn = T - t0 < Tc ? T - t0 : Tc;
      float* Zc = train ? act + (size_t)t0 * B * G : act;
      if (nj > 0) {
        for (size_t r = 0; r < (size_t)tn * B; r++)
          for (int g = 0; g < 4; g++) std::memcpy(Zc + r * G + starts[g], W + L.b + starts[g], sizeof(float) * nj);
        gemm_packed(tn * B, X + (size_t)t0 * B * I, I, false, px, Zc, G, true);
      }
      for (int t = t0; t < t0 + tn; t++) {
        float* Z = Zc + (size_t)(t - t0) * B * G;
        float* ct = train ? cc + (size_t)t * B * H : cS_[t & 1].data();
        const float* cprev = t == 0 ? nullptr : (train ? cc + (size_t)(t - 1) * B * H : cS_[(t - 1) & 1].data());
        float* tct = train ? tcc + (size_t)t * B * H : tcc;
        const float* hp = t == 0 ? nullptr : Hout + (size_t)(t - 1) * B * H;
        if (nj > 0) {
          if (hp) {
            if (packed) {
              gemm_packed(B, hp, H, false, ph, Z, G, true);
            } else {
              if (nj == H) gemm(B, G, H, hp, H, false, W + L.wh, G, false, Z, G, true);  // all gates at once
              else for (int g = 0; g < 4; g++) gemm(B, nj, H, hp, H, false, W + L.wh + starts[g], G, false, Z + starts[g], G, true);
            }
          }
          kernels().gates_fwd(B, H, j0, j1, Z, cprev, ct, tct, Hout + (size_t)t * B * H, H);
        }
        bar.wait();
      }
    }
  });
}

const float* LstmModel::denseForward(const float* in, int B, bool train) {
  (void)train;
  const float* a = in;
  ensure(a_[0], (size_t)B * lstm_.back().H);
  std::memcpy(a_[0].data(), in, sizeof(float) * B * lstm_.back().H);
  for (size_t d = 0; d < dense_.size(); d++) {
    const Dense& D = dense_[d];
    ensure(a_[d + 1], (size_t)B * D.out);
    float* o = a_[d + 1].data();
    for (int b = 0; b < B; b++) std::memcpy(o + (size_t)b * D.out, w_.data() + D.b, sizeof(float) * D.out);
    gemm(B, D.out, D.in, a, D.in, false, w_.data() + D.w, D.out, false, o, D.out, true);
    if (D.relu)
      for (size_t i = 0; i < (size_t)B * D.out; i++) o[i] = o[i] > 0.0f ? o[i] : 0.0f;
    a = o;
  }
  return a;
}

const float* LstmModel::forward(const float* x, int B, bool train, int64_t seed) {
  const int T = cfg_.windowSize, F = cfg_.inputSize;
  const size_t Ln = lstm_.size();
  // Time-major copy of the input so each step's rows are contiguous.
  std::vector<float>& X0 = train ? X_[0] : seqS_[0];
  ensure(X0, (size_t)T * B * F);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) std::memcpy(X0.data() + ((size_t)t * B + b) * F, x + ((size_t)b * T + t) * F, sizeof(float) * F);
  const float* in = X0.data();
  int cur = 0;
  for (size_t l = 0; l < Ln; l++) {
    const int H = lstm_[l].H;
    const size_t n = (size_t)T * B * H;
    float* out;
    if (train) {
      ensure(h_[l], n);
      out = h_[l].data();
    } else {
      cur ^= 1;
      ensure(seqS_[cur], n);
      out = seqS_[cur].data();
    }
    layerForward((int)l, B, in, out, train);
    if (l + 1 < Ln) {
      if (train && seed >= 0 && cfg_.dropout > 0) {
        // Inverted dropout with the counter-based mask of rng.ts: same mask in every engine.
        ensure(mask_[l], n);
        ensure(X_[l + 1], n);
        const uint32_t key = hash32((uint32_t)seed ^ hash32((uint32_t)l + 1));
        const double thrD = std::floor((double)cfg_.dropout * 4294967296.0);
        const uint32_t thr = thrD >= 4294967295.0 ? 4294967295u : (uint32_t)thrD;
        const float scale = 1.0f / (1.0f - cfg_.dropout);
        float* mk = mask_[l].data();
        float* nx = X_[l + 1].data();
        for (size_t e = 0; e < n; e++) {
          mk[e] = hash32(key ^ (uint32_t)e) >= thr ? scale : 0.0f;
          nx[e] = out[e] * mk[e];
        }
        in = nx;
      } else if (train) {
        mask_[l].clear();
        ensure(X_[l + 1], n);
        std::memcpy(X_[l + 1].data(), out, sizeof(float) * n);
        in = X_[l + 1].data();
      } else {
        in = out;
      }
    } else {
      in = out;
    }
  }
  const int Hl = lstm_.back().H;
  return denseForward(in + (size_t)(T - 1) * B * Hl, B, train);
}

void LstmModel::layerBackward(int l, int B, const float* dHin, float* dXout) {
  const Lstm& L = lstm_[l];
  const int T = cfg_.windowSize, H = L.H, I = L.I, G = 4 * H;
  ensure(dZ_, (size_t)T * B * G);
  ensure(dhNext_, (size_t)B * H);
  ensure(dc_, (size_t)B * H);
  float* dZ = dZ_.data();
  const float* act = act_[l].data();
  const float* cc = c_[l].data();
  const float* tcc = tc_[l].data();
  const float* hh = h_[l].data();
  const float* X = X_[l].data();
  const float* W = w_.data();
  float* gW = g_.data();
  const int align = kernels().NR >= 16 ? 16 : kernels().NR;
  Pool::instance().run(threadsFor(B, H), [&](int tid, int nt, Barrier& bar) {
    int j0, j1;
    share(H, nt, tid, align, j0, j1);
    const int nj = j1 - j0;
    static thread_local PackedB pwt;  // Wh^T restricted to this thread's units: dh_{t-1}[:, j] = dZ_t . Wh[j, :]
    if (nj > 0) {
      pack_b(pwt, nj, G, W + L.wh + (size_t)j0 * G, G, true);
      for (int b = 0; b < B; b++) {
        std::memset(dc_.data() + (size_t)b * H + j0, 0, sizeof(float) * nj);
      }
    }
    for (int t = T - 1; t >= 0; t--) {
      if (nj > 0) {
        kernels().gates_bwd(B, H, j0, j1, act + (size_t)t * B * G, tcc + (size_t)t * B * H,
                            t > 0 ? cc + (size_t)(t - 1) * B * H : nullptr, dHin + (size_t)t * B * H,
                            t < T - 1 ? dhNext_.data() : nullptr, dc_.data(), dZ + (size_t)t * B * G);
      }
      bar.wait();
      if (t > 0 && nj > 0) gemm_packed(B, dZ + (size_t)t * B * G, G, false, pwt, dhNext_.data() + j0, H, false);
      // dhNext columns j0..j1 are produced and consumed by this thread only, but the next
      // gates_bwd of another thread must not overwrite dZ rows this GEMM still reads: rows differ
      // per step, so one barrier per step suffices.
    }
    bar.wait();
    // Weight gradients over the whole window: threads split the 4H gate columns.
    int c0, c1;
    share(G, nt, tid, align, c0, c1);
    if (c1 > c0) {
      // dZ is packed once and serves both dWx = X^T dZ and dWh = H_{t-1}^T dZ_{t>=1}.
      static thread_local PackedB pdz;
      pack_b(pdz, c1 - c0, T * B, dZ + c0, G, false);
      gemm_packed(I, X, I, true, pdz, gW + L.wx + c0, G, false);
      if (T > 1)
        gemm_packed(H, hh, H, true, pdz, gW + L.wh + c0, G, false, B, (T - 1) * B);
      else
        for (int k = 0; k < H; k++) std::memset(gW + L.wh + (size_t)k * G + c0, 0, sizeof(float) * (c1 - c0));
      for (int j = c0; j < c1; j++) gW[L.b + j] = 0.0f;
      for (size_t r = 0; r < (size_t)T * B; r++) {
        const float* z = dZ + r * G;
        for (int j = c0; j < c1; j++) gW[L.b + j] += z[j];
      }
    }
    if (dXout) {
      // Split by rows: each thread packs only its own rows of dZ (the large operand).
      int r0, r1;
      share(T * B, nt, tid, 8, r0, r1);
      if (r1 > r0) gemm(r1 - r0, I, G, dZ + (size_t)r0 * G, G, false, W + L.wx, G, true, dXout + (size_t)r0 * I, I, false);
    }
  });
}

double LstmModel::computeGradients(const float* x, const float* y, int B, int64_t seed) {
  const int T = cfg_.windowSize, F = cfg_.inputSize;
  const float* out = forward(x, B, true, seed);
  double loss = 0;
  ensure(dA_, (size_t)B * F);
  const float scale = 2.0f / (float)(B * F);
  for (size_t i = 0; i < (size_t)B * F; i++) {
    const double d = (double)out[i] - (double)y[i];
    loss += d * d;
    dA_[i] = (float)(out[i] - y[i]) * scale;
  }
  loss /= (double)B * F;
  // Dense head, last to first.
  float* dA = dA_.data();
  for (int d = (int)dense_.size() - 1; d >= 0; d--) {
    const Dense& D = dense_[d];
    const float* aOut = a_[d + 1].data();
    const float* aIn = a_[d].data();
    if (D.relu)
      for (size_t i = 0; i < (size_t)B * D.out; i++)
        if (aOut[i] <= 0.0f) dA[i] = 0.0f;
    gemm(D.in, D.out, B, aIn, D.in, true, dA, D.out, false, g_.data() + D.w, D.out, false);
    for (int j = 0; j < D.out; j++) g_[D.b + j] = 0.0f;
    for (int b = 0; b < B; b++)
      for (int j = 0; j < D.out; j++) g_[D.b + j] += dA[(size_t)b * D.out + j];
    ensure(dIn_, (size_t)B * D.in);
    gemm(B, D.in, D.out, dA, D.out, false, w_.data() + D.w, D.out, true, dIn_.data(), D.in, false);
    ensure(dX_, (size_t)B * D.in);
    std::memcpy(dX_.data(), dIn_.data(), sizeof(float) * B * D.in);
    dA = dX_.data();
  }
  // Top LSTM layer: loss reaches only the last step's hidden state.
  const int Ln = (int)lstm_.size();
  const int Htop = lstm_.back().H;
  ensure(dH_, (size_t)T * B * Htop);
  std::memset(dH_.data(), 0, sizeof(float) * (size_t)(T - 1) * B * Htop);
  std::memcpy(dH_.data() + (size_t)(T - 1) * B * Htop, dA, sizeof(float) * B * Htop);
  std::vector<float> dXbuf;
  for (int l = Ln - 1; l >= 0; l--) {
    float* dXout = nullptr;
    if (l > 0) {
      dXbuf.resize((size_t)T * B * lstm_[l].I);
      dXout = dXbuf.data();
    }
    layerBackward(l, B, dH_.data(), dXout);
    if (l > 0) {
      const size_t n = (size_t)T * B * lstm_[l].I;
      ensure(dH_, n);
      const std::vector<float>& mk = mask_[l - 1];
      if (!mk.empty())
        for (size_t e = 0; e < n; e++) dH_[e] = dXbuf[e] * mk[e];
      else
        std::memcpy(dH_.data(), dXbuf.data(), sizeof(float) * n);
    }
  }
  return loss;
}

double LstmModel::trainBatch(const float* x, const float* y, int B, uint32_t seed, double lr) {
  const double loss = computeGradients(x, y, B, cfg_.dropout > 0 ? (int64_t)seed : -1);
  t_++;
  const double b1 = cfg_.beta1, b2 = cfg_.beta2;
  const float lrT = (float)(lr * std::sqrt(1.0 - std::pow(b2, (double)t_)) / (1.0 - std::pow(b1, (double)t_)));
  const float fb1 = cfg_.beta1, fb2 = cfg_.beta2, eps = cfg_.epsilon;
  float* w = w_.data();
  float* m = m_.data();
  float* v = v_.data();
  const float* g = g_.data();
  const int n = (int)w_.size();
  Pool::instance().run(cfg_.threads, [&](int tid, int nt, Barrier&) {
    int i0, i1;
    share(n, nt, tid, 64, i0, i1);
    for (int i = i0; i < i1; i++) {
      const float gi = g[i];
      m[i] = fb1 * m[i] + (1.0f - fb1) * gi;
      v[i] = fb2 * v[i] + (1.0f - fb2) * gi * gi;
      w[i] -= lrT * m[i] / (std::sqrt(v[i]) + eps);
    }
  });
  version_++;
  return loss;
}

void LstmModel::predict(const float* x, int n, float* out) {
  const float* o = forward(x, n, false, -1);
  std::memcpy(out, o, sizeof(float) * n * cfg_.inputSize);
}

void LstmModel::step(float* const* h, float* const* c, const float* x, int B, float* out) {
  const float* in = x;
  std::vector<float> z, cn, tcn, hn;
  std::vector<float> prevH;
  for (size_t l = 0; l < lstm_.size(); l++) {
    const Lstm& L = lstm_[l];
    const int H = L.H, G = 4 * H;
    z.assign((size_t)B * G, 0.0f);
    for (int b = 0; b < B; b++) std::memcpy(z.data() + (size_t)b * G, w_.data() + L.b, sizeof(float) * G);
    gemm(B, G, L.I, in, L.I, false, w_.data() + L.wx, G, false, z.data(), G, true);
    gemm(B, G, H, h[l], H, false, w_.data() + L.wh, G, false, z.data(), G, true);
    cn.resize((size_t)B * H);
    tcn.resize((size_t)B * H);
    hn.resize((size_t)B * H);
    kernels().gates_fwd(B, H, 0, H, z.data(), c[l], cn.data(), tcn.data(), hn.data(), H);
    std::memcpy(c[l], cn.data(), sizeof(float) * B * H);
    std::memcpy(h[l], hn.data(), sizeof(float) * B * H);
    in = h[l];
  }
  const float* o = denseForward(in, B, false);
  std::memcpy(out, o, sizeof(float) * B * cfg_.inputSize);
}

}  // namespace pw
