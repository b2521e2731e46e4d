// N-API glue (plain node_api.h, no extra dependency): argument checks, then the float32 model.
// Shapes are validated again in TypeScript with friendlier messages; the checks here keep a
// wrong call from touching memory it does not own.
#include <node_api.h>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include "kernels.h"
#include "lstm.h"

using pw::LstmConfig;
using pw::LstmModel;

namespace {

void throwErr(napi_env env, const std::string& msg) { napi_throw_error(env, "PW_ERR_MODEL_NATIVE", msg.c_str()); }

#define CHECK(call)                                   \
  do {                                                \
    if ((call) != napi_ok) {                          \
      throwErr(env, "N-API call failed: " #call);     \
      return nullptr;                                 \
    }                                                 \
  } while (0)

bool getArgs(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) {
    throwErr(env, "expected " + std::to_string(want) + " arguments");
    return false;
  }
  return true;
}

// A Float32Array's data; `want` 0 accepts any length.
float* getF32(napi_env env, napi_value v, size_t want, const char* name, size_t* len = nullptr) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) {
    throwErr(env, std::string(name) + " must be a Float32Array");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &off) != napi_ok || type != napi_float32_array) {
    throwErr(env, std::string(name) + " must be a Float32Array");
    return nullptr;
  }
  if (want && length != want) {
    throwErr(env, std::string(name) + " has " + std::to_string(length) + " values; expected " + std::to_string(want));
    return nullptr;
  }
  if (len) *len = length;
  return static_cast<float*>(data);
}

bool getInt(napi_env env, napi_value v, int64_t* out) { return napi_get_value_int64(env, v, out) == napi_ok; }

bool propNum(napi_env env, napi_value obj, const char* key, double* out) {
  napi_value v;
  return napi_get_named_property(env, obj, key, &v) == napi_ok && napi_get_value_double(env, v, out) == napi_ok;
}

bool propInts(napi_env env, napi_value obj, const char* key, std::vector<int>* out) {
  napi_value arr;
  uint32_t n;
  if (napi_get_named_property(env, obj, key, &arr) != napi_ok || napi_get_array_length(env, arr, &n) != napi_ok) return false;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    int32_t x;
    if (napi_get_element(env, arr, i, &e) != napi_ok || napi_get_value_int32(env, e, &x) != napi_ok || x <= 0) return false;
    out->push_back(x);
  }
  return true;
}

napi_value Simd(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_string_utf8(env, pw::kernels().name, NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value MaxThreads(napi_env env, napi_callback_info) {
  napi_value r;
  const unsigned n = std::thread::hardware_concurrency();
  napi_create_int32(env, n == 0 ? 1 : (int)n, &r);
  return r;
}

struct Handle {
  LstmModel* model;
  int W, F;
};

void finalize(napi_env, void* data, void*) {
  Handle* h = static_cast<Handle*>(data);
  delete h->model;
  delete h;
}

Handle* getHandle(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    throwErr(env, "first argument must be a model handle");
    return nullptr;
  }
  Handle* h = static_cast<Handle*>(p);
  if (!h->model) {
    throwErr(env, "model was destroyed");
    return nullptr;
  }
  return h;
}

napi_value Create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  LstmConfig cfg;
  double dropout, inputSize, windowSize, b1, b2, eps, threads;
  if (!propInts(env, argv[0], "lstmUnits", &cfg.lstmUnits) || cfg.lstmUnits.empty() ||
      !propInts(env, argv[0], "denseUnits", &cfg.denseUnits) || !propNum(env, argv[0], "dropout", &dropout) ||
      !propNum(env, argv[0], "inputSize", &inputSize) || !propNum(env, argv[0], "windowSize", &windowSize) ||
      !propNum(env, argv[0], "beta1", &b1) || !propNum(env, argv[0], "beta2", &b2) ||
      !propNum(env, argv[0], "epsilon", &eps) || !propNum(env, argv[0], "threads", &threads) || inputSize < 1 ||
      windowSize < 1 || dropout < 0 || dropout >= 1 || threads < 1) {
    throwErr(env, "invalid model config");
    return nullptr;
  }
  cfg.dropout = (float)dropout;
  cfg.inputSize = (int)inputSize;
  cfg.windowSize = (int)windowSize;
  cfg.beta1 = (float)b1;
  cfg.beta2 = (float)b2;
  cfg.epsilon = (float)eps;
  cfg.threads = (int)threads;
  Handle* h = new Handle{new LstmModel(cfg), cfg.windowSize, cfg.inputSize};
  napi_value r;
  CHECK(napi_create_external(env, h, finalize, nullptr, &r));
  return r;
}

napi_value Destroy(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  void* p = nullptr;
  if (napi_get_value_external(env, argv[0], &p) == napi_ok && p) {
    Handle* h = static_cast<Handle*>(p);
    delete h->model;
    h->model = nullptr;
  }
  return nullptr;
}

napi_value SetWeights(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv)) return nullptr;
  Handle* h = getHandle(env, argv[0]);
  if (!h) return nullptr;
  float* w = getF32(env, argv[1], h->model->weightCount(), "weights");
  if (!w) return nullptr;
  std::memcpy(h->model->weights(), w, sizeof(float) * h->model->weightCount());
  h->model->weightsChanged();
  return nullptr;
}

napi_value GetWeights(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv)) return nullptr;
  Handle* h = getHandle(env, argv[0]);
  if (!h) return nullptr;
  float* w = getF32(env, argv[1], h->model->weightCount(), "out");
  if (!w) return nullptr;
  std::memcpy(w, h->model->weights(), sizeof(float) * h->model->weightCount());
  return nullptr;
}

napi_value ResetOptimizer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  Handle* h = getHandle(env, argv[0]);
  if (!h) return nullptr;
  h->model->resetOptimizer();
  return nullptr;
}

// (handle, x, y, batch) -> pointers checked against the model's W and F.
bool batchArgs(napi_env env, napi_value* argv, Handle** h, float** x, float** y, int* B) {
  *h = getHandle(env, argv[0]);
  if (!*h) return false;
  int64_t b;
  if (!getInt(env, argv[3], &b) || b < 1) {
    throwErr(env, "batch must be a positive integer");
    return false;
  }
  *B = (int)b;
  *x = getF32(env, argv[1], (size_t)b * (*h)->W * (*h)->F, "x");
  if (!*x) return false;
  *y = getF32(env, argv[2], (size_t)b * (*h)->F, "y");
  return *y != nullptr;
}

napi_value TrainBatch(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!getArgs(env, info, 6, argv)) return nullptr;
  Handle* h;
  float *x, *y;
  int B;
  if (!batchArgs(env, argv, &h, &x, &y, &B)) return nullptr;
  int64_t seed;
  double lr;
  if (!getInt(env, argv[4], &seed) || napi_get_value_double(env, argv[5], &lr) != napi_ok) {
    throwErr(env, "seed and learningRate must be numbers");
    return nullptr;
  }
  const double loss = h->model->trainBatch(x, y, B, (uint32_t)seed, lr);
  napi_value r;
  napi_create_double(env, loss, &r);
  return r;
}

napi_value Gradients(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!getArgs(env, info, 6, argv)) return nullptr;
  Handle* h;
  float *x, *y;
  int B;
  if (!batchArgs(env, argv, &h, &x, &y, &B)) return nullptr;
  int64_t seed;
  if (!getInt(env, argv[4], &seed)) {
    throwErr(env, "seed must be a number");
    return nullptr;
  }
  float* out = getF32(env, argv[5], h->model->weightCount(), "out");
  if (!out) return nullptr;
  const double loss = h->model->computeGradients(x, y, B, seed < 0 ? -1 : (int64_t)(uint32_t)seed);
  std::memcpy(out, h->model->gradients(), sizeof(float) * h->model->weightCount());
  napi_value r;
  napi_create_double(env, loss, &r);
  return r;
}

napi_value Predict(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!getArgs(env, info, 4, argv)) return nullptr;
  Handle* h = getHandle(env, argv[0]);
  if (!h) return nullptr;
  int64_t n;
  if (!getInt(env, argv[2], &n) || n < 1) {
    throwErr(env, "n must be a positive integer");
    return nullptr;
  }
  float* x = getF32(env, argv[1], (size_t)n * h->W * h->F, "x");
  if (!x) return nullptr;
  float* out = getF32(env, argv[3], (size_t)n * h->F, "out");
  if (!out) return nullptr;
  h->model->predict(x, (int)n, out);
  return nullptr;
}

napi_value Step(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!getArgs(env, info, 6, argv)) return nullptr;
  Handle* h = getHandle(env, argv[0]);
  if (!h) return nullptr;
  int64_t B;
  if (!getInt(env, argv[4], &B) || B < 1) {
    throwErr(env, "batch must be a positive integer");
    return nullptr;
  }
  uint32_t nh = 0, nc = 0;
  napi_get_array_length(env, argv[1], &nh);
  napi_get_array_length(env, argv[2], &nc);
  const int L = h->model->layers();
  if ((int)nh != L || (int)nc != L) {
    throwErr(env, "state must hold h and c for " + std::to_string(L) + " layers");
    return nullptr;
  }
  std::vector<float*> hs, cs;
  for (int l = 0; l < L; l++) {
    const size_t want = (size_t)B * h->model->units(l);
    napi_value e;
    napi_get_element(env, argv[1], (uint32_t)l, &e);
    float* p = getF32(env, e, want, "h[layer]");
    if (!p) return nullptr;
    napi_get_element(env, argv[2], (uint32_t)l, &e);
    float* q = getF32(env, e, want, "c[layer]");
    if (!q) return nullptr;
    hs.push_back(p);
    cs.push_back(q);
  }
  float* x = getF32(env, argv[3], (size_t)B * h->F, "x");
  if (!x) return nullptr;
  float* out = getF32(env, argv[5], (size_t)B * h->F, "out");
  if (!out) return nullptr;
  h->model->step(hs.data(), cs.data(), x, (int)B, out);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"simd", nullptr, Simd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxThreads", nullptr, MaxThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"destroy", nullptr, Destroy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setWeights", nullptr, SetWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getWeights", nullptr, GetWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"resetOptimizer", nullptr, ResetOptimizer, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"trainBatch", nullptr, TrainBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gradients", nullptr, Gradients, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"predict", nullptr, Predict, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"step", nullptr, Step, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
