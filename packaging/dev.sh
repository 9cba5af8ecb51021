#!/usr/bin/env bash
# flowwatch developer entry point. On a fresh Debian 12 (or Ubuntu) machine:
#   ./packaging/dev.sh demo    build, then run the demo on a generated tenant
#   ./packaging/dev.sh test    build, then run every test, the sanitizer build and the CI checks
#   ./packaging/dev.sh deps    only install the packages the build needs
#   ./packaging/dev.sh build   only configure and build in build/
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Packages the build, the tests and the CI checks need. Each name is a Debian 12 package.
build_packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libcpprest-dev libboost-dev libboost-system-dev libssl-dev
  nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev doctest-dev libsimdjson-dev
  libcli11-dev libspdlog-dev libfmt-dev libsystemd-dev libjemalloc-dev
)
test_packages=(
  clang-16 libclang-rt-16-dev clang-format
)
extra_test_packages_file="$root/packaging/ci/packages.txt"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  local cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      cmd=(sudo "${cmd[@]}")
    else
      echo "flowwatch needs these packages; install them, then run this again:" >&2
      echo "  sudo apt-get update && sudo ${cmd[*]}" >&2
      exit 1
    fi
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [[ ${cmd[0]} == sudo ]]; then sudo apt-get update -q; else apt-get update -q; fi
  "${cmd[@]}"
}

test_package_list() {
  local list=("${test_packages[@]}")
  if [[ -f $extra_test_packages_file ]]; then
    while read -r line; do
      line="${line%%#*}"
      for pkg in $line; do list+=("$pkg"); done
    done <"$extra_test_packages_file"
  fi
  printf '%s\n' "${list[@]}"
}

jobs="$(nproc)"
# Let ccache share objects between checkouts in different folders.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

configure_and_build() {  # dir, extra cmake args...
  local dir="$1"; shift
  if [[ ! -f $dir/build.ninja ]]; then
    # ccache makes a rebuild in a fresh clone (CI's, say) cheap on a machine that built before.
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$root" -B "$dir" -G Ninja "${launcher[@]}" "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$jobs"
}

cmd_build() {
  ensure_packages "${build_packages[@]}"
  log "building in build/"
  configure_and_build "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
}

cmd_demo() {
  cmd_build
  log "running the demo"
  exec "$root/build/agent/flowwatch" demo "$@"
}

cmd_test() {
  mapfile -t tp < <(test_package_list)
  ensure_packages "${build_packages[@]}" "${tp[@]}"

  log "checking clang-format on the tree"
  local files
  files=$(git ls-files -co --exclude-standard -- '*.cpp' '*.h' | grep -v '^build' || true)
  if [[ -n $files ]]; then
    # shellcheck disable=SC2086
    clang-format --dry-run --Werror $files
  fi

  log "building and testing in build/"
  configure_and_build "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  ctest --test-dir "$root/build" --output-on-failure -j "$jobs"

  log "building and testing under AddressSanitizer and UBSan in build-asan/"
  configure_and_build "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DFLOWWATCH_SANITIZE=ON
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp" \
    ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs"

  log "building the fuzz targets with clang in build-fuzz/ and running each for a bounded time"
  configure_and_build "$root/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOWWATCH_FUZZ=ON \
    -DCMAKE_CXX_COMPILER=clang++-16
  local fuzzer corpus
  for fuzzer in "$root"/build-fuzz/tests/fuzz/fuzz_*; do
    [[ -x $fuzzer ]] || continue
    corpus="$root/tests/fuzz/corpus/$(basename "$fuzzer")"
    mkdir -p "$root/build-fuzz/corpus-$(basename "$fuzzer")"
    log "fuzzing with $(basename "$fuzzer") for ${FLOWWATCH_FUZZ_SECONDS:-60}s"
    "$fuzzer" -max_total_time="${FLOWWATCH_FUZZ_SECONDS:-60}" -print_final_stats=1 \
      "$root/build-fuzz/corpus-$(basename "$fuzzer")" "$corpus" 2>&1 | tail -n 3
  done

  # Further CI checks (packaging, services, Prometheus) live one per script.
  local check
  for check in "$root"/packaging/ci/*.sh; do
    [[ -f $check ]] || continue
    log "running $(basename "$check")"
    bash "$check" "$root"
  done
  log "all tests passed"
}

case "${1:-}" in
  deps) mapfile -t tp < <(test_package_list); ensure_packages "${build_packages[@]}" "${tp[@]}" ;;
  build) cmd_build ;;
  demo) shift; cmd_demo "$@" ;;
  test) cmd_test ;;
  *) echo "usage: $0 {demo|test|build|deps}" >&2; exit 2 ;;
esac
