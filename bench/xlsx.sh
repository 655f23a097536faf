#!/usr/bin/env bash
# Times the release binary ingesting a generated 100 000-row .xlsx (synthetic data, see
# gen_actuals.py; written by openpyxl as Excel would save it) into a fresh SQLite database: a dry
# run, then the commit. Prints wall time and peak RSS.
#
#   cargo build --release && bash bench/xlsx.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_actuals.py "$rows" "$work/actuals.csv"
python3 - "$work/actuals.csv" "$work/actuals.xlsx" <<'PY'
import csv, sys, openpyxl
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("合成数据")
ws.append(["合成数据（SYNTHETIC, not from the documents）"])
for i, row in enumerate(csv.reader(open(sys.argv[1], encoding="utf-8"))):
    # Values as numbers, the way a clerk's sheet holds them.
    ws.append(row if i == 0 else [row[0], row[1], float(row[2]), row[3]])
wb.save(sys.argv[2])
PY
echo "file: $rows rows, $(du -k "$work/actuals.xlsx" | cut -f1) KB"
url="sqlite://$work/bench.db"
PLANTRACK_DATABASE_URL=$url target/release/plantrack catalog check > /dev/null
for mode in --dry-run ""; do
  /usr/bin/time -f "sqlite ${mode:-commit}: %e s wall, %M KB peak RSS" \
    env PLANTRACK_DATABASE_URL="$url" RUST_LOG=warn target/release/plantrack ingest $mode "$work/actuals.xlsx" > /dev/null
done
# The same file sent to the server (a dry run over HTTP): the server reads it in a child process
# (`plantrack read-file`) under a memory ceiling, so this times the spawn and the grid coming
# back as JSON on top of what the CLI does in its own process.
# A database of its own: in the first, the file is already loaded and would be answered as such.
port=${PLANTRACK_BENCH_PORT:-18093}
url="sqlite://$work/http.db"
PLANTRACK_DATABASE_URL=$url target/release/plantrack catalog check > /dev/null
token=$(PLANTRACK_DATABASE_URL=$url target/release/plantrack token create --name bench --role uploader | grep -o 'pt_[0-9a-f]*' | head -1)
PLANTRACK_DATABASE_URL=$url PLANTRACK_BIND=127.0.0.1:$port PLANTRACK_DATA_DIR=$work/data RUST_LOG=warn \
  target/release/plantrack serve > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
for _ in 1 2 3; do
  curl -s -o /dev/null -w "http dry run: %{http_code} in %{time_total} s\n" -H "Authorization: Bearer $token" \
    --data-binary @"$work/actuals.xlsx" "127.0.0.1:$port/api/v1/uploads?dry_run=true&name=bench.xlsx"
done
grep VmHWM /proc/$server/status | sed 's/^/server /'
