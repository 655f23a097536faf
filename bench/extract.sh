#!/usr/bin/env bash
# Drafts every seed document with the release binary and compares the drafts with the hand
# catalog: recall (numeric targets and milestones) and precision, per document and overall; then
# times drafting the longest seed document (~6 000 lines) and a 3 000-line cut of it.
#
#   cargo build --release && bash bench/extract.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PLANTRACK_BIN:-target/release/plantrack}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/drafts"
for doc in seed/documents/*.txt; do
  "$bin" plan draft "$doc" --format json > "$work/drafts/$(basename "$doc").json"
done
"$bin" catalog export --format json --no-sync > "$work/catalog.json"
python3 bench/extract_compare.py "$work/drafts" "$work/catalog.json"
longest=$(ls -S seed/documents/*.txt | head -1)
head -n 3000 "$longest" > "$work/3000-lines.txt"
# The start-up and the catalog read alone (the draft matches its candidates to the catalog's
# indicators): what the times below spend before drafting.
for _ in 1 2 3; do
  /usr/bin/time -f "start-up and catalog read alone: %e s wall" "$bin" catalog check --no-sync > /dev/null
done
for file in "$work/3000-lines.txt" "$longest"; do
  lines=$(wc -l < "$file")
  for _ in 1 2 3; do
    /usr/bin/time -f "draft of $lines lines: %e s wall (process start and catalog read included), %M KB peak RSS" \
      "$bin" plan draft "$file" > /dev/null
  done
done
