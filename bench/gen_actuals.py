#!/usr/bin/env python3
"""Generates a synthetic upload of N actuals for benchmarks and load tests.

SYNTHETIC DATA, NOT FROM THE DOCUMENTS: the values are made up. Never load this into a real
deployment. Rows cover every indicator of the catalog x every region x consecutive months from
2010-01, so every (indicator, region, period) is distinct.

Usage: python3 bench/gen_actuals.py ROWS OUT.csv [targets-dir]
"""
import glob
import os
import sys
import tomllib

rows, out = int(sys.argv[1]), sys.argv[2]
targets = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "targets")

slugs = []
for path in sorted(glob.glob(os.path.join(targets, "*.toml"))):
    data = tomllib.load(open(path, "rb"))
    slugs += [i["slug"] for i in data.get("indicator", [])]
    # Milestones without an indicator have one of their own slug.
    slugs += [t["slug"] for t in data.get("target", []) if t.get("kind") == "milestone" and "indicator" not in t]
regions = tomllib.load(open(os.path.join(targets, "regions.toml"), "rb"))
places = [regions["default"]] + regions["districts"]
# Short slugs first keep the file near the ~30 MB a million rows of a real export take.
slugs.sort(key=lambda s: (len(s), s))
series = [(s, r) for s in slugs for r in places]
# Fill 15 years of months per series, using as few series (the shortest slugs) as that allows.
months = 180
series = series[: -(-rows // months)]
if len(series) * months < rows:
    sys.exit(f"{rows} rows need more than the catalog's {len(series)} series x {months} months")

with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.write("indicator,period,value,region\n")
    written = 0
    for m in range(months):
        period = f"{2010 + m // 12}-{m % 12 + 1:02d}"
        for i, (slug, region) in enumerate(series):
            if written == rows:
                break
            f.write(f"{slug},{period},{(i * 7 + m * 3) % 97 + 1}.5,{region}\n")
            written += 1
