#include "datapath/platform/dpdk/rcu.h"

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <new>

namespace switchyard::dp {

Rcu::Rcu(uint32_t max_readers) {
  const size_t size = rte_rcu_qsbr_get_memsize(max_readers);
  v_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("sy_rcu", size, RTE_CACHE_LINE_SIZE));
  if (v_ == nullptr || rte_rcu_qsbr_init(v_, max_readers) != 0) {
    throw std::bad_alloc();
  }
}

Rcu::~Rcu() { rte_free(v_); }

void Rcu::Register(uint32_t reader) { rte_rcu_qsbr_thread_register(v_, reader); }
void Rcu::Unregister(uint32_t reader) { rte_rcu_qsbr_thread_unregister(v_, reader); }
void Rcu::Online(uint32_t reader) { rte_rcu_qsbr_thread_online(v_, reader); }
void Rcu::Offline(uint32_t reader) { rte_rcu_qsbr_thread_offline(v_, reader); }
void Rcu::Quiescent(uint32_t reader) { rte_rcu_qsbr_quiescent(v_, reader); }
void Rcu::Synchronize() { rte_rcu_qsbr_synchronize(v_, RTE_QSBR_THRID_INVALID); }

}  // namespace switchyard::dp
