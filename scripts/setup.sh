#!/usr/bin/env bash
# Installs whatever fanlab needs to build and test that is missing, from
# Debian 12's packages, and the compatibility suite's JavaScript clients
# (tests/compat, `npm ci` from its lock file; aws-lambda-ric among them
# builds native code, about two minutes, only when the lock changed).
# Idempotent; silent when nothing is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(
  g++ cmake ninja-build pkg-config clang-format
  clang libclang-rt-14-dev                 # fuzz/: libFuzzer and its sanitizers
  libssl-dev                               # MD5 / SHA-256 (libcrypto)
  libboost1.81-dev libboost-json1.81-dev   # JSON (Asio, Process later)
  libcli11-dev                             # the fanlab command line
  libyaml-cpp-dev                          # scenario files (harness/)
  libzip-dev                               # Lambda code packages (Code.ZipFile)
  python3-botocore python3-boto3 awscli    # AWS's service models; tests/compat
  libzmq3-dev cppzmq-dev                   # the engine's transport
  libjemalloc-dev                          # the fanlab binary's allocator
  libgtest-dev libgmock-dev                # tests/
  libbenchmark-dev                         # bench/
  liburing-dev                             # bench http: the io_uring floor
  chromium-headless-shell                  # `fanlab run --html`: its browser test
  make xz-utils python3                    # aws-lambda-ric's native build
                                           # (tests/compat: its bundled curl
                                           # and aws-lambda-cpp; node-gyp)
)

# Node.js for tests/compat's clients: Debian's, unless a node is already
# on PATH (from any source); libnode-dev: the headers aws-lambda-ric's
# native addon builds against.
command -v node >/dev/null || packages+=(nodejs npm libnode-dev)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# tests/compat/node_modules, exactly as package-lock.json pins it; redone
# only when the lock file changed since the last `npm ci`.
compat="$root/tests/compat"
stamp="$compat/node_modules/.fanlab-lock"
if command -v npm >/dev/null &&
   ! cmp -s "$compat/package-lock.json" "$stamp"; then
  echo "setup: npm ci in tests/compat" >&2
  (cd "$compat" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$compat/package-lock.json" "$stamp"
fi

# examples/relay/node_modules (the relay example's AWS SDK clients, the
# same versions as tests/compat's: npm's cache serves them), the same way.
relay="$root/examples/relay"
stamp="$relay/node_modules/.fanlab-lock"
if command -v npm >/dev/null &&
   ! cmp -s "$relay/package-lock.json" "$stamp"; then
  echo "setup: npm ci in examples/relay" >&2
  (cd "$relay" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$relay/package-lock.json" "$stamp"
fi
