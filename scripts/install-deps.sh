#!/usr/bin/env bash
# Installs what Switchyard needs to build, test and run, from Debian 12's
# packages. Quick when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format   # toolchain
  dpdk dpdk-dev libdpdk-dev                                   # datapath; dpdk-testpmd for guests and benchmarks
  librte-mempool-ring23 librte-net-virtio23 librte-net-vhost23 # drivers loaded at run time
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # control plane
  clang bpftool libbpf-dev libxdp-dev                         # XDP program, skeleton, AF_XDP
  libnl-3-dev libnl-route-3-dev                               # internal ports
  libgtest-dev                                                # unit tests
  libclang-rt-14-dev llvm-14                                  # build-san: ASan, UBSan, libFuzzer; llvm-symbolizer
  libboost-dev qemu-system-x86 qemu-utils                     # yard-kvmd: Boost.Asio, QEMU, qemu-img
  nlohmann-json3-dev                                          # yard-kvmd: QMP messages as JSON
  libcli11-dev                                                # the daemons' command lines
  linux-image-amd64                                           # the test guests' kernel
  python3 python3-grpcio python3-protobuf openssl             # integration tests (a non-C++ client, TLS certs)
  iproute2 iputils-ping iperf3 ethtool tcpdump busybox-static # kernel peers in tests (busybox: udhcpc)
  procps coreutils                                            # scripts
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# With recommends: dpdk only recommends the mempool-ring, virtio and vhost
# drivers that the switch and its test guests load at run time.
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: done"
