// A TAP device the switch creates for a guest: persistent, so QEMU can open
// it by name (`-netdev tap,ifname=NAME,script=no,downscript=no`), owned by
// the user QEMU runs as, with the MTU asked for, brought up. Destroying this
// object deletes the device at once (a guest's open fd on it goes dead),
// unless Keep() was called first: the switch stopping, not the port going.
//
// The switch marks the TAPs it makes (their ifalias). A TAP of that name
// with the mark, left by a switch that stopped or died, is taken over
// without opening it (a guest may hold its only queue), so a restart does
// not cut off a running guest; so is one named by a port restored from the
// saved config (made before the mark). Any other TAP of that name (a
// VM's, another tool's) is refused unless `adopt` says to take it over; an
// adopted TAP is left as it was found (not made persistent, given away or
// deleted). Any other kind of netdev of that name is refused.
//
// Thread context: control thread only.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "datapath/ports/kernel_device.h"

namespace switchyard::dp {

struct TapConfig {
  std::string ifname;
  int owner_uid = -1;  // -1: root only
  uint32_t mtu = 0;    // 0: the kernel's default (1500)
  bool multi_queue = false;
  bool adopt = false;      // take over a TAP the switch did not make
  bool restoring = false;  // the port comes from the saved config: a TAP of its name is ours
};

// The ifalias of the TAPs the switch makes.
inline constexpr char kTapMark[] = "switchyard";

class TapDevice final : public KernelDevice {
 public:
  static Status Create(const TapConfig& config, std::unique_ptr<TapDevice>* out);
  ~TapDevice() override;
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;

  // A guest holding the TAP keeps its NIC while the switch is away.
  void Keep() override { owned_ = false; }

  const std::string& ifname() const { return config_.ifname; }
  bool adopted() const { return adopted_; }
  bool foreign() const { return foreign_; }

 private:
  explicit TapDevice(TapConfig config) : config_(std::move(config)) {}
  // An existing TAP that is ours (marked, or named by the saved config).
  static Status TakeOver(std::unique_ptr<TapDevice> tap, std::unique_ptr<TapDevice>* out);

  TapConfig config_;
  bool adopted_ = false;  // it existed before
  bool foreign_ = false;  // ...and the switch did not make it: never deleted
  bool owned_ = false;    // made or taken over: ours to delete
};

}  // namespace switchyard::dp
