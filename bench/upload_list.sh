#!/usr/bin/env bash
# Listing uploads when the database holds large files: twelve refused files of 48 MB each (kept:
# each comes from a sender of its own, within the 64 MiB a sender's refused files may keep a day),
# then `GET /api/v1/uploads` timed one request at a time and under wrk (4 clients, 10 s), and the
# same for a refused file's problems. The files are SYNTHETIC (random bytes) in a scratch database.
#
#   cargo build --release && bash bench/upload_list.sh
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
"$bin" migrate > /dev/null
viewer=$("$bin" token create --name bench-viewer --role viewer | tail -1)
"$bin" serve > "$work/server.log" 2>&1 &
server=$!
until curl -sf "$url/healthz" > /dev/null; do sleep 0.1; done

head -c $((48 * 1024 * 1024)) /dev/urandom > "$work/junk.csv"
for n in $(seq 1 12); do
  sender=$("$bin" token create --name "bench-sender-$n" --role uploader | tail -1)
  curl -s -o /dev/null -w "refused file $n: %{http_code} in %{time_total}s\n" -H "Authorization: Bearer $sender" \
    --data-binary @"$work/junk.csv" "$url/api/v1/uploads"
done
echo "database: $(( $(stat -c %s "$work/db.sqlite") / 1024 / 1024 )) MB"
for path in "/api/v1/uploads?limit=50" "/api/v1/uploads/12"; do
  for _ in 1 2 3; do
    curl -s -o /dev/null -w "GET $path: %{http_code} in %{time_total}s\n" -H "Authorization: Bearer $viewer" "$url$path"
  done
  wrk -t2 -c4 -d10s -H "Authorization: Bearer $viewer" "$url$path" | grep -E "Requests/sec|Latency|Non-2xx"
done
