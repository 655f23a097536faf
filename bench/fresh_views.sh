#!/usr/bin/env bash
# A crowd asking for views the server does not hold, with the release binary on the seed catalog:
# wrk sends each request for another day as known (`/api/v1/targets?limit=10000&known_at=…`), 64
# connections for 20 s, while the health check is timed once every half second. The views are
# judged one per core at a time (the rest wait for a slot, or get 503 past queue_wait_seconds);
# prints the crowd's rate and statuses, the health check's slowest answer and the most views
# /healthz saw being judged at once.
#
#   cargo build --release && bash bench/fresh_views.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=18094
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export RUST_LOG=warn
bin=${PLANTRACK_BIN:-target/release/plantrack}
url="http://127.0.0.1:$port"
export PLANTRACK_DATABASE_URL="sqlite://$work/db.sqlite" PLANTRACK_DATA_DIR="$work/data" PLANTRACK_BIND="127.0.0.1:$port"
"$bin" serve > "$work/server.log" 2>&1 &
server=$!
until curl -sf "$url/healthz" > /dev/null; do sleep 0.1; done
cat > "$work/fresh.lua" <<'LUA'
local day = 0
request = function()
  day = day + 1
  local y = 2017 + (day % 9)
  local m = 1 + math.floor(day / 9) % 12
  local d = 1 + math.floor(day / 108) % 28
  return wrk.format("GET", string.format("/api/v1/targets?limit=10000&known_at=%04d-%02d-%02d", y, m, d))
end
done = function(summary, latency, requests)
  io.write(string.format("crowd: %d requests, %.0f req/s, p50 %.0f ms, p99 %.0f ms, non-2xx %d, timeouts %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.errors.timeout))
end
LUA
wrk -t2 -c64 -d20s --timeout 30s -s "$work/fresh.lua" "$url" > "$work/wrk.out" 2>&1 &
crowd=$!
slowest=0
most_judging=0
while kill -0 $crowd 2>/dev/null; do
  answer=$(curl -s -m 10 -w ' %{time_total}' "$url/healthz" || echo '{} 10')
  took=${answer##* }
  judging=$(echo "${answer% *}" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("judging", 0))' 2>/dev/null || echo 0)
  slowest=$(python3 -c "print(max($slowest, $took))")
  [ "$judging" -gt "$most_judging" ] && most_judging=$judging
  sleep 0.5
done
grep crowd: "$work/wrk.out" || cat "$work/wrk.out"
echo "healthz: slowest answer ${slowest} s; most views judged at once: $most_judging (on $(nproc) cores)"
