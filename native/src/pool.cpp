#include "pool.h"

namespace pw {

// Spins (pause: about 40-100 cycles each) before yielding, and yields before sleeping. Barrier
// waits spin briefly: on an idle machine the partner arrives within microseconds, and on a busy
// one it may be descheduled, when spinning only burns the timeslice it needs.
static constexpr int kSpins = 2000;
static constexpr int kYields = 200;
static constexpr int kBarrierSpins = 300;
static constexpr int kBarrierYields = 20;

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

void Barrier::wait() {
  if (n_ <= 1) return;
  const uint32_t g = gen_.load();
  if (count_.fetch_add(1) == n_ - 1) {
    count_.store(0);
    gen_.fetch_add(1);
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      cv_.notify_all();
    }
    return;
  }
  // Spin, then yield, then sleep: a partner descheduled on a busy machine is waited for asleep.
  for (int spins = 0; gen_.load(std::memory_order_acquire) == g; spins++) {
    if (spins < kBarrierSpins) {
      cpuRelax();
    } else if (spins < kBarrierSpins + kBarrierYields) {
      std::this_thread::yield();
    } else {
      std::unique_lock<std::mutex> lk(mu_);
      sleepers_.fetch_add(1);
      cv_.wait(lk, [&] { return gen_.load() != g; });
      sleepers_.fetch_sub(1);
      break;
    }
  }
}

Pool& Pool::instance() {
  static Pool pool;
  return pool;
}

Pool::~Pool() {
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lk(mu_);
    cv_.notify_all();
  }
  for (auto& t : threads_) t.join();
}

void Pool::ensure(int workers) {
  while ((int)threads_.size() < workers) {
    const int idx = (int)threads_.size();
    // The generation is read here, not in the new thread: a job posted before the thread first
    // runs must still be seen as new.
    const uint64_t seen = gen_.load(std::memory_order_acquire);
    threads_.emplace_back([this, idx, seen] { worker(idx, seen); });
  }
}

void Pool::worker(int idx, uint64_t seen) {
  for (;;) {
    int spins = 0;
    while (gen_.load(std::memory_order_acquire) == seen) {
      if (stop_.load(std::memory_order_relaxed)) return;
      ++spins;
      if (spins < kSpins) {
        cpuRelax();
      } else if (spins < kSpins + kYields) {
        std::this_thread::yield();
      } else {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen || stop_.load(); });
      }
    }
    seen = gen_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    const int tid = idx + 1;
    if (tid < jobThreads_) (*job_)(tid, jobThreads_, *barrier_);
    done_.fetch_add(1, std::memory_order_acq_rel);
  }
}

void Pool::run(int nt, const std::function<void(int, int, Barrier&)>& fn) {
  if (nt < 1) nt = 1;
  Barrier barrier(nt);
  if (nt == 1) {
    fn(0, 1, barrier);
    return;
  }
  std::lock_guard<std::mutex> one(runMu_);  // one job at a time (Node calls from one thread anyway)
  ensure(nt - 1);
  const int workers = (int)threads_.size();
  job_ = &fn;
  jobThreads_ = nt;
  barrier_ = &barrier;
  done_.store(0, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lk(mu_);
    gen_.fetch_add(1, std::memory_order_release);
    cv_.notify_all();
  }
  fn(0, nt, barrier);
  int spins = 0;
  while (done_.load(std::memory_order_acquire) != workers) {
    if (++spins < kSpins) cpuRelax();
    else std::this_thread::yield();
  }
}

}  // namespace pw
