#!/usr/bin/env bash
# Installs the Debian 12 packages wafersim builds and runs with. Idempotent: packages already
# present are skipped, and apt-get is not touched at all when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libyaml-cpp-dev libboost-graph-dev libeigen3-dev
  libsystemc-dev verilator
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  python3 python3-matplotlib python3-onnx
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
