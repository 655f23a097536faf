#!/usr/bin/env bash
# Large answers under many clients, with the release binary: 200 connections fetch the bundled
# font (10.5 MB, 6.3 MB gzipped once) for 10 s with wrk (Debian package), then 50 connections
# fetch a 20 MB raw upload of SYNTHETIC rows (a refused upload, kept as received). Prints
# requests/s, the server's peak RSS (VmHWM) and its RSS afterwards.
#
#   cargo build --release && bash bench/big_answers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=18091
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export RUST_LOG=warn
bin=${PLANTRACK_BIN:-target/release/plantrack}
url="http://127.0.0.1:$port"
export PLANTRACK_DATABASE_URL="sqlite://$work/db.sqlite" PLANTRACK_DATA_DIR="$work/data" PLANTRACK_BIND="127.0.0.1:$port"

kb() { awk "/$1/ {print \$2}" /proc/$server/status; }
# Each phase's own peak: writing 5 to clear_refs resets VmHWM.
reset_peak() { echo 5 > /proc/$server/clear_refs; }
"$bin" migrate > /dev/null
token=$("$bin" token create --name bench --role uploader | tail -1)
"$bin" serve > "$work/server.log" 2>&1 &
server=$!
until curl -sf "$url/healthz" > /dev/null; do sleep 0.1; done
echo "ready: RSS $(( $(kb VmRSS) / 1024 )) MB"

reset_peak
wrk -t2 -c200 -d10s -H 'Accept-Encoding: gzip, br' "$url/static/fonts/NotoSansSC-Bold.ttf" | grep -E 'Requests/sec|Latency'
echo "font, 200 clients: peak RSS $(( $(kb VmHWM) / 1024 )) MB, after $(( $(kb VmRSS) / 1024 )) MB"

python3 -c "import sys; sys.stdout.write('指标,期间,数值\n' + 'SYNTHETIC,2020,七十\n' * 800000)" > "$work/raw.csv"
id=$(curl -s -X POST -H "Authorization: Bearer $token" -H 'content-type: text/csv' --data-binary @"$work/raw.csv" \
  "$url/api/v1/uploads" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["details"]["upload_id"])')
reset_peak
wrk -t2 -c50 -d10s -H 'Accept-Encoding: gzip' "$url/api/v1/uploads/$id/raw" | grep -E 'Requests/sec|Latency'
echo "raw upload ($(( $(stat -c %s "$work/raw.csv") / 1048576 )) MB), 50 clients: peak RSS $(( $(kb VmHWM) / 1024 )) MB, after $(( $(kb VmRSS) / 1024 )) MB"
