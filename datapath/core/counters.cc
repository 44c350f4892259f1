#include "datapath/core/counters.h"

namespace switchyard::dp {

PortTotals& PortTotals::operator-=(const PortTotals& base) {
  rx_packets -= base.rx_packets;
  rx_bytes -= base.rx_bytes;
  tx_packets -= base.tx_packets;
  tx_bytes -= base.tx_bytes;
  for (int i = 0; i < kDropReasonCount; ++i) {
    drops[i] -= base.drops[i];
  }
  return *this;
}

PortTotals& PortTotals::operator+=(const PortTotals& more) {
  rx_packets += more.rx_packets;
  rx_bytes += more.rx_bytes;
  tx_packets += more.tx_packets;
  tx_bytes += more.tx_bytes;
  for (int i = 0; i < kDropReasonCount; ++i) {
    drops[i] += more.drops[i];
  }
  return *this;
}

NetworkTotals& NetworkTotals::operator-=(const NetworkTotals& base) {
  learned -= base.learned;
  moves -= base.moves;
  learn_full -= base.learn_full;
  flooded -= base.flooded;
  unicast -= base.unicast;
  return *this;
}

PortTotals SumPort(const PmdCounters* threads, int n_threads, PortIndex port) {
  PortTotals t;
  for (int i = 0; i < n_threads; ++i) {
    const PortCounters& c = threads[i].ports[port];
    t.rx_packets += c.rx_packets.Get();
    t.rx_bytes += c.rx_bytes.Get();
    t.tx_packets += c.tx_packets.Get();
    t.tx_bytes += c.tx_bytes.Get();
    for (int r = 0; r < kDropReasonCount; ++r) {
      t.drops[r] += c.drops[r].Get();
    }
  }
  return t;
}

NetworkTotals SumNetwork(const PmdCounters* threads, int n_threads, NetworkIndex net) {
  NetworkTotals t;
  for (int i = 0; i < n_threads; ++i) {
    const NetworkCounters& c = threads[i].networks[net];
    t.learned += c.learned.Get();
    t.moves += c.moves.Get();
    t.learn_full += c.learn_full.Get();
    t.flooded += c.flooded.Get();
    t.unicast += c.unicast.Get();
  }
  return t;
}

}  // namespace switchyard::dp
