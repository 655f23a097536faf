#!/usr/bin/env python3
"""Writes a SYNTHETIC catalog TIMES the size of targets/: each plan file copied TIMES-1 more
times with suffixed slugs (plan, file name, targets, plan-local indicators), the shared files as
they are. The quotes still cite the seed documents, so `catalog check` passes; the figures are
not facts of any plan. For benchmarks only: never load it into a real deployment.

Usage: python3 bench/scale_catalog.py OUT_DIR [TIMES=10]
"""
import os
import re
import shutil
import sys
import tomllib

out, times = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
src = os.path.join(os.path.dirname(__file__), "..", "targets")
os.makedirs(out, exist_ok=True)
shared = {"indicators.toml", "regions.toml", "departments.toml"}
for name in sorted(os.listdir(src)):
    if not name.endswith(".toml"):
        continue
    path = os.path.join(src, name)
    if name in shared:
        shutil.copy(path, out)
        continue
    text = open(path, encoding="utf-8").read()
    data = tomllib.loads(text)
    slugs = [data["plan"]["slug"]]
    slugs += [i["slug"] for i in data.get("indicator", [])]
    slugs += [t["slug"] for t in data.get("target", [])]
    shutil.copy(path, out)
    for n in range(2, times + 1):
        copy = text
        # Longest first, so a slug that is a prefix of another is not replaced inside it.
        for slug in sorted(set(slugs), key=len, reverse=True):
            copy = re.sub(r'"' + re.escape(slug) + r'"', f'"{slug}-x{n}"', copy)
        # One 文号 and one title name one plan: each copy's are marked as the copy it is.
        copy = re.sub(r'^(doc_number = ".*)"$', rf'\1（副本{n}）"', copy, flags=re.M)
        copy = re.sub(r'^(title = ".*)"$', rf'\1（副本{n}）"', copy, flags=re.M)
        stem = name[: -len(".toml")]
        with open(os.path.join(out, f"{stem}-x{n}.toml"), "w", encoding="utf-8") as f:
            f.write("# SYNTHETIC copy for benchmarks (bench/scale_catalog.py): not a plan of its own.\n" + copy)
