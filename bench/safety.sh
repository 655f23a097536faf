#!/usr/bin/env bash
# What small requests cost, with the release binary: a 2 MB gzip body that inflates to 2 GB, the
# same file of figures sent twice (the second is checked against the current figures, not waved
# through by its fingerprint), a page of 5 000 actuals, and the page and chart of a target whose
# indicator has ~9 000 daily figures (SYNTHETIC values, loaded into a scratch database only), and
# the files of the attacks (merges, a huge figure, rows repeated by count, shared strings).
# Prints wall times, answer sizes and the server's peak RSS (VmHWM).
#
#   cargo build --release && bash bench/safety.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=18093
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export RUST_LOG=warn
bin=${PLANTRACK_BIN:-target/release/plantrack}
url="http://127.0.0.1:$port"
export PLANTRACK_DATABASE_URL="sqlite://$work/db.sqlite" PLANTRACK_DATA_DIR="$work/data" PLANTRACK_BIND="127.0.0.1:$port"

kb() { awk "/$1/ {print \$2}" /proc/$server/status; }
reset_peak() { echo 5 > /proc/$server/clear_refs; }
timed() { curl -s -o "$work/answer" -w '%{http_code} %{time_total}s %{size_download}B' "$@"; }
"$bin" migrate > /dev/null
admin=$("$bin" token create --name bench --role admin | tail -1)
"$bin" serve > "$work/server.log" 2>&1 &
server=$!
until curl -sf "$url/healthz" > /dev/null; do sleep 0.1; done
echo "ready: RSS $(( $(kb VmRSS) / 1024 )) MB"

python3 -c "import gzip, sys; sys.stdout.buffer.write(gzip.compress(b'{\"p\": \"' + b'0' * (2 << 30) + b'\"}', 9))" > "$work/bomb.gz"
reset_peak
echo "gzip body of $(( $(stat -c %s "$work/bomb.gz") / 1024 )) KB (2 GB inflated): $(timed -X PUT -H "Authorization: Bearer $admin" \
  -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$work/bomb.gz" \
  "$url/api/v1/indicators/open-data-sets/duty"), peak RSS $(( $(kb VmHWM) / 1024 )) MB"

# ~9 000 daily figures of one indicator (SYNTHETIC), 2001-06-01 to 2026-01-01.
python3 - "$work/daily.csv" <<'EOF'
import datetime, sys
day, end = datetime.date(2001, 6, 1), datetime.date(2026, 1, 1)
with open(sys.argv[1], "w") as out:
    out.write("indicator,period,value,note\n")
    i = 0
    while day <= end:
        out.write(f"open-data-sets,{day.isoformat()},{1000 + i % 997},SYNTHETIC\n")
        day += datetime.timedelta(days=1)
        i += 1
EOF
rows=$(( $(wc -l < "$work/daily.csv") - 1 ))
for send in first again; do
  reset_peak
  echo "$rows figures sent ($send): $(timed -X POST -H "Authorization: Bearer $admin" -H 'content-type: text/csv' \
    --data-binary @"$work/daily.csv" "$url/api/v1/uploads"), peak RSS $(( $(kb VmHWM) / 1024 )) MB"
done
echo "a page of 5 000 actuals: $(timed "$url/api/v1/indicators/open-data-sets/actuals?limit=5000&history=true")"
for _ in 1 2 3; do
  reset_peak
  echo "target page: $(timed "$url/targets/bd16-open-data-sets?as_of=2026-0$(( RANDOM % 9 + 1 ))-15"), peak RSS $(( $(kb VmHWM) / 1024 )) MB"
done
echo "target chart (SVG): $(timed "$url/charts/targets/bd16-open-data-sets.svg?as_of=2026-06-30")"

# A 51-row workbook (SYNTHETIC figures) with 100 000 merges over the whole sheet written into its
# XML: ~14 KB that, filled naively, cost 100 000 × 16 384 columns × its rows.
python3 - "$work/merges.xlsx" <<'EOF'
import io, sys, zipfile
from openpyxl import Workbook
book = Workbook()
sheet = book.active
sheet.append(["指标", "期间", "数值"])
for year in range(1976, 2026):
    sheet.append(["open-data-sets", str(year), 1000])
plain = io.BytesIO()
book.save(plain)
merges = '<mergeCells count="100000">' + '<mergeCell ref="A1:XFD1048576"/>' * 100_000 + "</mergeCells>"
with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as out:
    for item in source.infolist():
        data = source.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            data = data.replace(b"</sheetData>", b"</sheetData>" + merges.encode())
        out.writestr(item, data)
EOF
echo "a $(( $(stat -c %s "$work/merges.xlsx") / 1024 )) KB workbook declaring 100 000 whole-sheet merges: $(timed -X POST \
  -H "Authorization: Bearer $admin" --data-binary @"$work/merges.xlsx" "$url/api/v1/uploads?dry_run=true")"
echo "a PNG of 3999 × 7999 pixels: $(timed "$url/charts/plans/smart-city-13th-fyp.png?width=3999&height=7999&as_of=2026-01-01")"
echo "the largest PNG allowed (800 × 8000): $(timed "$url/charts/plans/smart-city-13th-fyp.png?width=800&height=8000&as_of=2026-01-01")"

# The sixth attack's files: a figure near f64's limit (the chart laid out its ticks forever), an
# .ods row repeated 1.4 million times (~1 KB), and an .xlsx of 20 million empty shared strings.
printf 'indicator,period,value\nopen-data-sets,2020,1.7e308\n' > "$work/huge.csv"
echo "a figure of 1.7e308: $(timed -X POST -H "Authorization: Bearer $admin" -H 'content-type: text/csv' \
  --data-binary @"$work/huge.csv" "$url/api/v1/uploads?dry_run=true")"
python3 - "$work/repeated.ods" "$work/strings.xlsx" <<'EOF'
import io, sys, zipfile
from openpyxl import Workbook
cell = lambda v: f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
           '<office:body><office:spreadsheet><table:table table:name="S1">'
           f'<table:table-row>{cell("指标")}{cell("期间")}{cell("数值")}</table:table-row>'
           f'<table:table-row table:number-rows-repeated="1400000">{cell("open-data-sets")}{cell("2019")}{cell("4000")}</table:table-row>'
           '</table:table></office:spreadsheet></office:body></office:document-content>')
manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
with zipfile.ZipFile(sys.argv[1], "w") as out:
    out.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    out.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    out.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
book = Workbook()
book.active.append(["指标", "期间", "数值"])
book.active.append(["open-data-sets", "2020", 1000])
plain = io.BytesIO()
book.save(plain)
strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si/>" * 20_000_000 + b"</sst>"
with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
    for item in source.infolist():
        if item.filename != "xl/sharedStrings.xml":
            out.writestr(item, source.read(item.filename))
    out.writestr("xl/sharedStrings.xml", strings)
EOF
for file in repeated.ods strings.xlsx; do
  reset_peak
  echo "$file, $(( $(stat -c %s "$work/$file") / 1024 )) KB: $(timed -X POST -H "Authorization: Bearer $admin" \
    --data-binary @"$work/$file" "$url/api/v1/uploads?dry_run=true"), peak RSS $(( $(kb VmHWM) / 1024 )) MB"
done

# The seventh attack's: a plan text of 4 000 alike goals (random SYNTHETIC names, one value and
# deadline: each was compared with every earlier one), and its review page, drafted again.
python3 - "$work/alike.txt" <<'EOF'
import random, sys
random.seed(1)
names = [chr(c) for c in range(0x4e00 + 200, 0x4e00 + 3000)]
lines = ["上海市测试实施方案", "沪府发〔2024〕5号", "2024年3月1日"]
lines += [f"到2030年，建成{''.join(random.choice(names) for _ in range(12))}平台达到70%。" for _ in range(4000)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
reset_peak
echo "a text of 4 000 alike goals, $(( $(stat -c %s "$work/alike.txt") / 1024 )) KB: $(timed -X POST -H "Authorization: Bearer $admin" \
  --data-binary @"$work/alike.txt" "$url/api/v1/plan-drafts?name=alike.txt"), peak RSS $(( $(kb VmHWM) / 1024 )) MB"
draft=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/answer")
secret=$(curl -s -o /dev/null -c - "$url/signin" | awk '/plantrack_csrf/ {print $7}' | tail -1)
curl -s -o /dev/null -c "$work/cookies" -b "plantrack_csrf=$secret" -H "Origin: $url" \
  -F "csrf=$secret" -F "token=$admin" "$url/signin"
echo "its review page: $(timed -b "$work/cookies" "$url/plans/drafts/$draft")"

# The eighth attack's: an uploader sending a 50 MB file refused at its header again and again
# (SYNTHETIC bytes) for 30 s — each used to be kept whole. What the database grows by.
python3 -c "import sys; sys.stdout.buffer.write(b'bogus\n' + (b'a' * 99 + b'\n') * 524287)" > "$work/junk.csv"
uploader=$("$bin" token create --name bench-clerk --role uploader | tail -1)
before=$(du -sk "$work" --exclude=junk.csv | cut -f1)
sent=0
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ]; do
  curl -s -o /dev/null -H "Authorization: Bearer $uploader" --data-binary @"$work/junk.csv" "$url/api/v1/uploads?name=junk.csv"
  sent=$((sent + 1))
done
after=$(du -sk "$work" --exclude=junk.csv | cut -f1)
echo "$sent refused 50 MB files in 30 s: the database grew by $(( (after - before) / 1024 )) MB"
