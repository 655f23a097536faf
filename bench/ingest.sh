#!/usr/bin/env bash
# Times the release binary ingesting a generated million-row CSV (synthetic data, see
# gen_actuals.py) into a fresh SQLite database and, if PLANTRACK_BENCH_POSTGRES_URL is set, a
# fresh PostgreSQL database. Prints wall time and peak RSS for a dry run and for the commit.
#
#   cargo build --release && bash bench/ingest.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_actuals.py "$rows" "$work/actuals.csv"
echo "file: $(wc -l < "$work/actuals.csv") lines, $(du -m "$work/actuals.csv" | cut -f1) MB"

run() { # label, database url, extra args…
  local label=$1 url=$2; shift 2
  # Migrations, catalog and seed first, so the timing is the upload alone.
  PLANTRACK_DATABASE_URL=$url target/release/plantrack catalog check > /dev/null
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" \
    env PLANTRACK_DATABASE_URL="$url" RUST_LOG=warn target/release/plantrack ingest "$@" "$work/actuals.csv" > /dev/null
}

run "sqlite dry run" "sqlite://$work/bench.db" --dry-run
run "sqlite commit " "sqlite://$work/bench.db"
if [ -n "${PLANTRACK_BENCH_POSTGRES_URL:-}" ]; then
  db="plantrack_bench_$$"
  psql "$PLANTRACK_BENCH_POSTGRES_URL" -qc "CREATE DATABASE $db"
  pg_url="${PLANTRACK_BENCH_POSTGRES_URL%/*}/$db"
  run "postgres dry run" "$pg_url" --dry-run
  run "postgres commit " "$pg_url"
  psql "$PLANTRACK_BENCH_POSTGRES_URL" -qc "DROP DATABASE $db WITH (FORCE)"
fi
