#!/usr/bin/env bash
# The server's memory at rest, under the heavy requests a stranger can make, and after them:
# 20 parallel status reports (at most `heavy_jobs` run at once, the rest wait or get 503),
# a 21 MB dry run of a million bad periods, and a million-row commit. RSS is read from /proc.
#
#   cargo build --release && bash bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=18081
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export PLANTRACK_DATABASE_URL="sqlite://$work/memory.db" PLANTRACK_DATA_DIR="$work/data" RUST_LOG=warn
token=$(target/release/plantrack token create --name bench --role uploader 2>/dev/null)
PLANTRACK_BIND=127.0.0.1:$port target/release/plantrack serve &
server=$!
for _ in $(seq 1 100); do curl -sf 127.0.0.1:$port/healthz > /dev/null && break; sleep 0.2; done
rss() { echo "$(grep VmRSS /proc/$server/status | awk '{print $2}') KB"; }
echo "at rest: $(rss)"
for _ in $(seq 1 20); do
  curl -s -o /dev/null -w "%{http_code}\n" 127.0.0.1:$port/reports/status.pdf &
done > "$work/codes"
sleep 1
curl -s -o /dev/null -w "healthz during the reports: %{http_code} in %{time_total} s\n" 127.0.0.1:$port/healthz
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
echo "reports: $(sort "$work/codes" | uniq -c | tr '\n' ' ')"
echo "peak: $(grep VmHWM /proc/$server/status | awk '{print $2}') KB; after the reports: $(rss)"
python3 - "$work/bad.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("indicator,period,value\n")
    for n in range(1_000_000):
        f.write(f"open-data-sets,20x{n},1\n")
PY
curl -s -o "$work/bad.json" -w "a million bad periods (dry run): %{http_code}, %{size_download} bytes in %{time_total} s\n" \
  -H "Authorization: Bearer $token" -H "Content-Type: text/csv" --data-binary @"$work/bad.csv" \
  "127.0.0.1:$port/api/v1/uploads?dry_run=true"
echo "after the bad file: $(rss)"
python3 bench/gen_actuals.py 1000000 "$work/million.csv"
curl -s -o /dev/null -w "a million rows committed: %{http_code} in %{time_total} s\n" \
  -H "Authorization: Bearer $token" -H "Content-Type: text/csv" --data-binary @"$work/million.csv" \
  "127.0.0.1:$port/api/v1/uploads"
sleep 2
echo "peak: $(grep VmHWM /proc/$server/status | awk '{print $2}') KB; after everything: $(rss)"
