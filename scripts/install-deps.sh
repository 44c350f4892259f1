#!/usr/bin/env bash
# Installs what Switchyard needs to build, test and run, from Debian 12's
# packages, then buf (scripts/check-proto.sh) from npm, which Debian lacks.
# Quick, and offline, when everything is already there.
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
  libcli11-dev                                                # the command lines of the daemons and yardctl
  libyaml-cpp-dev                                             # yardctl apply -f and get config: YAML
  linux-image-amd64                                           # the test guests' kernel
  python3 python3-grpcio python3-protobuf openssl             # integration tests (a non-C++ client, TLS certs)
  iproute2 iputils-ping iperf3 ethtool tcpdump busybox-static # kernel peers in tests (busybox: udhcpc)
  procps coreutils                                            # scripts
)
# npm fetches buf (below). A Node.js that already brings npm is kept:
# NodeSource's nodejs bundles it and conflicts with Debian's npm package.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
elif [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # With recommends: dpdk only recommends the mempool-ring, virtio and vhost
  # drivers that the switch and its test guests load at run time.
  apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "install-deps: packages done"
fi

# buf, exactly as scripts/buf/package-lock.json pins it (versions and
# hashes), into the cache scripts/buf/env.sh names. The lock serializes
# concurrent runs from several worktrees. --ignore-scripts: the wrapper
# finds the native binary in the platform package npm picked
# (@bufbuild/buf-linux-x64), so buf's postinstall has nothing to do.
. "$(dirname "$0")/buf/env.sh"
if [ "$("$sy_buf" --version 2>/dev/null)" != "$sy_buf_version" ]; then
  mkdir -p "$(dirname "$sy_buf_dir")"
  exec 9>"$sy_buf_dir.lock"
  flock 9
  if [ "$("$sy_buf" --version 2>/dev/null)" != "$sy_buf_version" ]; then
    echo "install-deps: installing buf $sy_buf_version into $sy_buf_dir"
    rm -rf "$sy_buf_dir"
    mkdir -p "$sy_buf_dir"
    cp "$sy_buf_pkg_dir/package.json" "$sy_buf_pkg_dir/package-lock.json" "$sy_buf_dir/"
    npm ci --prefix "$sy_buf_dir" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
  fi
  exec 9>&-
fi
installed="$("$sy_buf" --version)"
if [ "$installed" != "$sy_buf_version" ]; then
  echo "install-deps: $sy_buf says version $installed, not $sy_buf_version" >&2
  exit 1
fi
echo "install-deps: buf $installed ($sy_buf)"
