#!/usr/bin/env bash
# Installs whatever fanlab needs to build and test that is missing, from
# Debian 12's packages. Idempotent; silent when nothing is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config clang-format
  libssl-dev                               # MD5 / SHA-256 (libcrypto)
  libboost1.81-dev libboost-json1.81-dev   # JSON (Asio, Process later)
  libcli11-dev                             # the fanlab command line
  libyaml-cpp-dev                          # scenario files (harness/)
  libzip-dev                               # Lambda code packages (Code.ZipFile)
  python3-botocore python3-boto3 awscli    # AWS's service models; compatibility tests
  libzmq3-dev cppzmq-dev                   # the engine's transport
  libjemalloc-dev                          # the fanlab binary's allocator
  libgtest-dev libgmock-dev                # tests/
  libbenchmark-dev                         # bench/
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
