#!/usr/bin/env bash
# Reads at scale, with the release binary: the seed catalog, then a SYNTHETIC catalog ten times
# its size (bench/scale_catalog.py: 350 plans, ~7 000 targets) with 1 000 000 SYNTHETIC actuals
# (bench/gen_actuals.py), on SQLite and, with PLANTRACK_BENCH_POSTGRES_URL, on PostgreSQL. Times
# single requests (the first one of a view is made fresh), runs wrk (Debian package) against
# /healthz and the default views, and reads the server's RSS. Nothing here is loaded by default.
#
#   cargo build --release && bash bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=18090
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export RUST_LOG=warn
bin=${PLANTRACK_BIN:-target/release/plantrack}
url="http://127.0.0.1:$port"

rss() { echo "$(( $(grep VmRSS /proc/$server/status | awk '{print $2}') / 1024 )) MB"; }
peak() { echo "$(( $(grep VmHWM /proc/$server/status | awk '{print $2}') / 1024 )) MB"; }
# The report is laid out by a child process (plantrack render-report): its peak, read while it runs.
report_with_child_peak() {
  local child_peak=0 kb p
  curl -s -o /dev/null -w "%{http_code} %{time_total}s %{size_download}B" "$url/reports/status.pdf" > "$work/report.out" &
  local request=$!
  while kill -0 $request 2>/dev/null; do
    for p in $(pgrep -P $server); do
      kb=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0)
      [ "${kb:-0}" -gt "$child_peak" ] && child_peak=$kb
    done
    sleep 0.05
  done
  echo "$(cat "$work/report.out"), layout process peak $(( child_peak / 1024 )) MB"
}
once() { curl -s -o /dev/null -w "%{http_code} %{time_total}s %{size_download}B" "$url$1"; }
load() { # path: wrk, 2 threads, 64 connections, 10 s
  wrk -t2 -c64 -d10s --latency "$url$1" | awk -v path="$1" '
    /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
    END {printf "  wrk %-46s %9s req/s  p50 %-8s p99 %-8s%s\n", path, rps, p50, p99, (bad ? "  non-2xx " bad : "")}'
}

serve() { # label, database url, catalog dir
  local label=$1 db=$2 catalog=$3
  echo "== $label"
  local started=$(date +%s.%N)
  PLANTRACK_DATABASE_URL=$db PLANTRACK_CATALOG_DIR=$catalog PLANTRACK_BIND=127.0.0.1:$port \
    PLANTRACK_DATA_DIR="$work/data" $bin serve > "$work/server.log" 2>&1 &
  server=$!
  until curl -sf "$url/healthz" > /dev/null; do sleep 0.1; done
  echo "  ready in $(echo "$(date +%s.%N) - $started" | bc) s, RSS $(rss)"
  echo "  fresh /                        $(once /)"
  echo "  again /                        $(once /)"
  echo "  fresh /api/v1/plans            $(once /api/v1/plans)"
  echo "  fresh /plans/smart-city-13th-fyp $(once /plans/smart-city-13th-fyp)"
  echo "  fresh /targets/sc13-it-industrialization-index $(once /targets/sc13-it-industrialization-index)"
  echo "  fresh /departments/eitc        $(once /departments/eitc)"
  echo "  fresh /departments             $(once /departments)"
  echo "  fresh /?as_of=2020-06-30       $(once '/?as_of=2020-06-30')"
  echo "  fresh /?as_of=2019-06-30       $(once '/?as_of=2019-06-30')"
  echo "  report (every plan)            $(report_with_child_peak)"
  echo "  RSS after these: $(rss), server's peak so far $(peak)"
  load /healthz
  load /
  load /plans/smart-city-13th-fyp
  load /targets/sc13-it-industrialization-index
  load /departments/eitc
  load /api/v1/plans
  load "/api/v1/targets?plan=smart-city-13th-fyp"
  echo "  RSS after wrk: $(rss), server's peak so far $(peak)"
  local token
  token=$(PLANTRACK_DATABASE_URL=$db $bin token create --name bench --role uploader 2>/dev/null)
  python3 bench/gen_actuals.py 1000 "$work/small.csv" "$catalog" > /dev/null
  # New periods (a century earlier), so the upload writes rows and makes a new generation.
  sed -i 's/,20\([0-9][0-9]-\)/,19\1/' "$work/small.csv"
  echo "  1 000-row upload, judged before the answer: $(curl -s -o /dev/null -w '%{http_code} %{time_total}s' \
    -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary @"$work/small.csv" "$url/api/v1/uploads")"
  echo "  / right after it                 $(once /)"
  kill $server; wait $server 2>/dev/null || true; server=
}

python3 bench/scale_catalog.py "$work/x10" 10
python3 bench/gen_actuals.py 1000000 "$work/million.csv" "$work/x10" > /dev/null

prepare() { # database url, catalog dir, with the million rows?
  PLANTRACK_DATABASE_URL=$1 PLANTRACK_CATALOG_DIR=$2 $bin catalog check > /dev/null
  if [ "$3" = yes ]; then
    PLANTRACK_DATABASE_URL=$1 PLANTRACK_CATALOG_DIR=$2 $bin ingest "$work/million.csv" > /dev/null
  fi
}

prepare "sqlite://$work/seed.db" targets no
serve "SQLite, seed catalog" "sqlite://$work/seed.db" targets
prepare "sqlite://$work/x10.db" "$work/x10" yes
serve "SQLite, 10x catalog (synthetic) + 1 000 000 actuals (synthetic)" "sqlite://$work/x10.db" "$work/x10"
if [ -n "${PLANTRACK_BENCH_POSTGRES_URL:-}" ]; then
  db="plantrack_scale_$$"
  psql "$PLANTRACK_BENCH_POSTGRES_URL" -qc "CREATE DATABASE $db"
  pg="${PLANTRACK_BENCH_POSTGRES_URL%/*}/$db"
  prepare "$pg" "$work/x10" yes
  serve "PostgreSQL, 10x catalog (synthetic) + 1 000 000 actuals (synthetic)" "$pg" "$work/x10"
  psql "$PLANTRACK_BENCH_POSTGRES_URL" -qc "DROP DATABASE $db WITH (FORCE)"
fi
