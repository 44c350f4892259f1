#include "datapath/gateway/address_pool.h"

#include <iterator>

namespace switchyard::dp {

void AddressPool::Reset(uint32_t first, uint32_t last) {
  free_.clear();
  first_ = first;
  last_ = last;
  if (first != 0 && first <= last) {
    free_.emplace(first, last);
  }
}

bool AddressPool::IsFree(uint32_t address) const {
  auto it = free_.upper_bound(address);
  if (it == free_.begin()) {
    return false;
  }
  --it;
  return address <= it->second;
}

bool AddressPool::Take(uint32_t address) {
  auto it = free_.upper_bound(address);
  if (it == free_.begin()) {
    return false;
  }
  --it;
  const uint32_t start = it->first;
  const uint32_t end = it->second;
  if (address > end) {
    return false;
  }
  free_.erase(it);
  if (start < address) {
    free_.emplace(start, address - 1);
  }
  if (address < end) {
    free_.emplace(address + 1, end);
  }
  return true;
}

void AddressPool::Give(uint32_t address) {
  if (address < first_ || address > last_ || address == 0 || IsFree(address)) {
    return;
  }
  uint32_t start = address;
  uint32_t end = address;
  auto next = free_.find(address + 1);  // address < last_, so no overflow
  if (address < last_ && next != free_.end()) {
    end = next->second;
    free_.erase(next);
  }
  auto prev = free_.lower_bound(address);
  if (prev != free_.begin()) {
    --prev;
    if (prev->second + 1 == address) {
      start = prev->first;
      free_.erase(prev);
    }
  }
  free_.emplace(start, end);
}

uint32_t AddressPool::Lowest() const { return free_.empty() ? 0 : free_.begin()->first; }

}  // namespace switchyard::dp
