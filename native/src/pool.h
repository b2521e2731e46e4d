// A small persistent thread pool with a spin-then-yield barrier, in place of OpenMP: no libgomp
// to link (builds with any C++17 compiler), and waits degrade to yielding then sleeping, so a
// busy shared machine does not burn a waiting thread's timeslice spinning.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pw {

class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait();

 private:
  int n_;
  std::atomic<int> count_{0};
  std::atomic<uint32_t> gen_{0};
  std::atomic<int> sleepers_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

class Pool {
 public:
  // Runs fn(tid, nt) on nt threads (the caller is tid 0) and returns when all are done.
  void run(int nt, const std::function<void(int, int, Barrier&)>& fn);
  static Pool& instance();
  ~Pool();

 private:
  void ensure(int workers);
  void worker(int idx, uint64_t seen);
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(int, int, Barrier&)>* job_ = nullptr;
  int jobThreads_ = 1;
  Barrier* barrier_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex runMu_;
};

void cpuRelax();

}  // namespace pw
