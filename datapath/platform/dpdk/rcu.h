// Quiescent-state RCU shared by the PMD threads (readers) and the control
// thread (writer): a thin owner of an rte_rcu_qsbr.
#pragma once

#include <cstdint>

struct rte_rcu_qsbr;

namespace switchyard::dp {

class Rcu {
 public:
  explicit Rcu(uint32_t max_readers);
  ~Rcu();
  Rcu(const Rcu&) = delete;
  Rcu& operator=(const Rcu&) = delete;

  rte_rcu_qsbr* get() const { return v_; }
  // Reader side: register once, then report quiescence once per loop; go
  // offline around any sleep so writers do not wait for a sleeper.
  void Register(uint32_t reader);
  void Unregister(uint32_t reader);
  void Online(uint32_t reader);
  void Offline(uint32_t reader);
  void Quiescent(uint32_t reader);
  // Writer side: returns once every online reader has passed a quiescent
  // point after the call began. Any non-reader thread.
  void Synchronize();

 private:
  rte_rcu_qsbr* v_;
};

}  // namespace switchyard::dp
