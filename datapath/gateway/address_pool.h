// The free addresses of a DHCP range, kept as disjoint intervals, so that
// finding the lowest free address, taking one and giving one back cost
// O(log n) in the number of intervals, whatever the size of the range (a
// DISCOVER flood against a /16 costs what it costs against a /24).
//
// Control thread only, as the DhcpServer that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace switchyard::dp {

class AddressPool {
 public:
  // Every address of [first, last] free; none when first > last.
  void Reset(uint32_t first, uint32_t last);

  // Marks `address` used; false when it was not free (taken, or outside).
  bool Take(uint32_t address);
  // Frees `address`; nothing when it is outside the range or already free.
  void Give(uint32_t address);

  bool IsFree(uint32_t address) const;
  // The lowest free address; 0 when none is (0 is never in a range).
  uint32_t Lowest() const;

  size_t intervals() const { return free_.size(); }

 private:
  uint32_t first_ = 1;
  uint32_t last_ = 0;
  std::map<uint32_t, uint32_t> free_;  // first address -> last, inclusive
};

}  // namespace switchyard::dp
