#!/usr/bin/env bash
# Cachette against Redis under redis-benchmark (GET and SET, pipeline 1 and 16), servers pinned
# to CPU 0 and the client to CPU 1, alternating servers over ROUNDS rounds with noise control.
# The work is done by vs_redis.py (its docstring lists every setting); this wrapper checks the
# tools and runs it.
#
#   bench/load/vs_redis.sh                                  # 5 rounds, build/cachette-server
#   ROUNDS=7 CACHETTE_SERVER=build-bench/cachette-server bench/load/vs_redis.sh
#   SELF_TEST=1 bench/load/vs_redis.sh                      # Redis against itself (calibration)
#
# Exit status: 0 when the comparison ran (whatever the ratios), non-zero on errors.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
export CACHETTE_SERVER="${CACHETTE_SERVER:-${root}/build/cachette-server}"
export REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
export REDIS_BENCHMARK="${REDIS_BENCHMARK:-/usr/bin/redis-benchmark}"

for tool in taskset "${REDIS_SERVER}" "${REDIS_BENCHMARK}" /usr/bin/python3; do
  if ! command -v "${tool}" >/dev/null 2>&1; then
    echo "vs_redis.sh: ${tool} not found" >&2
    exit 2
  fi
done
if [[ "${SELF_TEST:-0}" == "0" && ! -x "${CACHETTE_SERVER}" ]]; then
  echo "vs_redis.sh: ${CACHETTE_SERVER} is not built (set CACHETTE_SERVER=...)" >&2
  exit 2
fi
if (($(nproc) < 2)); then
  echo "vs_redis.sh: needs 2 CPUs (server and client on separate cores)" >&2
  exit 2
fi

exec /usr/bin/python3 "${here}/vs_redis.py" "$@"
