#!/usr/bin/env python3
"""Compares drafted candidates with the hand catalog: recall and precision per document and overall.

    python3 bench/extract_compare.py DRAFTS_DIR CATALOG_JSON

DRAFTS_DIR holds one `<document file name>.json` per seed document (the draft JSON of
`plantrack plan draft`); CATALOG_JSON is `plantrack catalog export --format json`.

A catalog target counts as found when some candidate of its document cites its line ±1 with the same
kind, the same deadline year and, unless it is a milestone, the same value (and value_max) once both
are scaled by their unit's magnitude (万, 亿 …) and the same unit after that magnitude is stripped.
Precision is the share of candidates that match some catalog target. After the per-document table
(all candidates) comes the same overall line for the candidates a reviewer sees ticked by default,
those with confidence ≥ 0.5. Standard library only.
"""

import json
import math
import sys
from collections import defaultdict
from pathlib import Path

# Magnitude words in front of a unit, longest first so 万亿 is not read as 万 + 亿 (as domain/units.rs).
MAGNITUDES = [("万亿", 1e12), ("千万", 1e7), ("百万", 1e6), ("十万", 1e5), ("亿", 1e8), ("万", 1e4), ("千", 1e3)]
NUMERIC_KINDS = ("level", "change", "range")
# The review page ticks "accept" by default from this confidence on.
ACCEPTED_CONFIDENCE = 0.5


def split_unit(unit):
    """(scale, base) of a unit as written: 万人份 → (1e4, 人份); 个百分点 → (1, %)."""
    unit = (unit or "").strip()
    if unit in ("个百分点", "百分点"):
        return 1.0, "%"
    for word, scale in MAGNITUDES:
        if unit.startswith(word) and len(unit) > len(word):
            inner_scale, base = split_unit(unit[len(word):])
            return scale * inner_scale, base
    return 1.0, unit


def deadline_year(deadline):
    """2020 from "2020" or "2020-06-30"; None when absent."""
    if deadline is None:
        return None
    text = str(deadline)
    return int(text[:4]) if text[:4].isdigit() else None


def same_number(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def scaled(value, unit):
    if value is None:
        return None
    return float(value) * split_unit(unit)[0]


def matches(candidate, target):
    """Whether a candidate states this catalog target (see the module doc)."""
    if abs(int(candidate["line"]) - int(target["source"]["line"])) > 1:
        return False
    if candidate["kind"] != target["kind"]:
        return False
    if deadline_year(candidate.get("deadline")) != deadline_year(target.get("deadline")):
        return False
    if target["kind"] == "milestone":
        return True
    if split_unit(candidate.get("unit"))[1] != split_unit(target.get("unit"))[1]:
        return False
    if not same_number(scaled(candidate.get("value"), candidate.get("unit")), as_written_scaled(target, "value")):
        return False
    return same_number(scaled(candidate.get("value_max"), candidate.get("unit")), as_written_scaled(target, "value_max"))


def as_written_scaled(target, key):
    """The export gives values in the indicator's unit (`value` = as written × `scale`): back to
    the value as written, then scaled by the written unit's magnitude like a candidate's."""
    value = target.get(key)
    if value is None:
        return None
    return scaled(float(value) / float(target.get("scale") or 1.0), target.get("unit"))


def load_drafts(drafts_dir):
    drafts = {}
    for path in sorted(Path(drafts_dir).glob("*.json")):
        document = path.name[: -len(".json")]
        drafts[document] = json.loads(path.read_text(encoding="utf-8")).get("candidates", [])
    return drafts


def targets_by_document(catalog):
    source_of_plan = {plan["slug"]: plan["source_file"] for plan in catalog["plans"]}
    by_document = defaultdict(list)
    for target in catalog["targets"]:
        by_document[source_of_plan[target["plan"]]].append(target)
    return by_document


def percent(part, whole):
    return f"{100.0 * part / whole:5.1f}%" if whole else "    –"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 0
    drafts = load_drafts(argv[1])
    catalog = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    by_document = targets_by_document(catalog)

    header = f"{'document':<28} {'targets':>7} {'numeric':>15} {'milestones':>15} {'candidates':>10} {'precision':>16}"
    print(header)
    print("-" * len(header))
    totals = defaultdict(int)
    for document in sorted(set(by_document) | set(drafts)):
        row = document_row(by_document.get(document, []), drafts.get(document, []))
        for key, value in row.items():
            totals[key] += value
        print_row(document, row)
    print("-" * len(header))
    print_row("overall", totals)
    print()
    print(
        f"recall: numeric {percent(totals['numeric_found'], totals['numeric']).strip()}, "
        f"milestones {percent(totals['milestones_found'], totals['milestones']).strip()}; "
        f"precision {percent(totals['useful'], totals['candidates']).strip()}"
    )
    # The trade-off by confidence: the review page ticks what is at or above ACCEPTED_CONFIDENCE.
    for threshold in (0.2, 0.3, 0.4, ACCEPTED_CONFIDENCE, 0.6):
        sure = defaultdict(int)
        for document in sorted(set(by_document) | set(drafts)):
            kept = [c for c in drafts.get(document, []) if is_at_least(c, threshold)]
            for key, value in document_row(by_document.get(document, []), kept).items():
                sure[key] += value
        marker = "  (ticked on the review page)" if threshold == ACCEPTED_CONFIDENCE else ""
        print(
            f"confidence ≥ {threshold}: "
            f"numeric {sure['numeric_found']}/{sure['numeric']} {percent(sure['numeric_found'], sure['numeric']).strip()}, "
            f"milestones {sure['milestones_found']}/{sure['milestones']} "
            f"{percent(sure['milestones_found'], sure['milestones']).strip()}; "
            f"precision {sure['useful']}/{sure['candidates']} {percent(sure['useful'], sure['candidates']).strip()}"
            f"{marker}"
        )
    return 0


def is_at_least(candidate, threshold):
    return float(candidate.get("confidence") or 0.0) >= threshold - 1e-9


def document_row(targets, candidates):
    """Counts of one document: targets (numeric, milestones) found, candidates, useful candidates."""
    found = [any(matches(c, t) for c in candidates) for t in targets]
    numeric = [f for f, t in zip(found, targets) if t["kind"] in NUMERIC_KINDS]
    milestones = [f for f, t in zip(found, targets) if t["kind"] == "milestone"]
    return {
        "targets": len(targets),
        "numeric_found": sum(numeric),
        "numeric": len(numeric),
        "milestones_found": sum(milestones),
        "milestones": len(milestones),
        "candidates": len(candidates),
        "useful": sum(1 for c in candidates if any(matches(c, t) for t in targets)),
    }


def print_row(name, row):
    numeric = f"{row['numeric_found']}/{row['numeric']} {percent(row['numeric_found'], row['numeric'])}"
    milestones = f"{row['milestones_found']}/{row['milestones']} {percent(row['milestones_found'], row['milestones'])}"
    precision = f"{row['useful']}/{row['candidates']} {percent(row['useful'], row['candidates'])}"
    print(f"{name:<28} {row['targets']:>7} {numeric:>15} {milestones:>15} {row['candidates']:>10} {precision:>16}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
