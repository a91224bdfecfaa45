# Shared by scripts/run and scripts/test: Debian packages, and the CMake build.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-2}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"

# What building cachette-server needs.
BUILD_PACKAGES=(cmake make g++ pkg-config ccache libboost-dev libfmt-dev libspdlog-dev
                nlohmann-json3-dev libjemalloc-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
                python3)
# What the test suite and benchmarks need on top: GoogleTest, Google Benchmark, the reference
# redis-server and its clients, and Debian's Python packages the integration tests use (pip,
# setuptools and venv: test_django_contrib.py installs contrib/django with pip, offline), and
# clang-format for scripts/test's format check.
TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev redis-server redis-tools python3
               python3-pytest python3-redis python3-django python3-django-redis python3-pip
               python3-setuptools python3-venv tmux clang-format)

# Installs the missing packages with apt-get when root; otherwise prints the exact command.
ensure_packages() {
  local missing=()
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  # A package's post-install script must not start a service (redis-server) on a machine
  # without an init system, nor on one where port 6379 should stay ours.
  local policy=/usr/sbin/policy-rc.d
  local had_policy=0
  [[ -e $policy ]] && had_policy=1
  if ((had_policy == 0)); then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if ((had_policy == 0)); then
    rm -f "$policy"
  fi
}

# configure_and_build BUILD_DIR TARGET... -- CMAKE_ARGS...
configure_and_build() {
  local build_dir=$1
  shift
  local targets=()
  while (($#)) && [[ $1 != "--" ]]; do
    targets+=("$1")
    shift
  done
  [[ ${1:-} == "--" ]] && shift
  cmake -S "$REPO_ROOT" -B "$build_dir" "$@" >/dev/null
  local target_args=()
  local target
  for target in "${targets[@]}"; do
    target_args+=(--target "$target")
  done
  cmake --build "$build_dir" -j "$JOBS" "${target_args[@]}"
}
