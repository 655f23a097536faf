//! Counts of the catalog, so a reader can compare it with the documents.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use super::Catalog;
use crate::domain::TargetKind;

const KINDS: [TargetKind; 4] = [TargetKind::Level, TargetKind::Change, TargetKind::Range, TargetKind::Milestone];

/// Data rows of a CSV file: non-blank lines after the header.
fn data_rows(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count().saturating_sub(1))
        .unwrap_or(0)
}

/// A plain-text table: targets per plan and kind, seed actual rows per plan, totals.
pub fn render(catalog: &Catalog, seed_dir: &Path) -> String {
    let mut out = String::new();
    let by_plan = catalog.targets_by_plan();
    let _ = writeln!(
        out,
        "{:<48} {:>6} {:>6} {:>6} {:>6} {:>9} {:>7}",
        "plan", "level", "change", "range", "miles.", "targets", "actuals"
    );
    let mut totals = BTreeMap::new();
    let mut actual_total = 0;
    for plan in &catalog.plans {
        let targets = by_plan.get(plan.slug.as_str()).map(Vec::as_slice).unwrap_or_default();
        let counts: Vec<usize> = KINDS.iter().map(|k| targets.iter().filter(|t| t.kind == *k).count()).collect();
        for (kind, count) in KINDS.iter().zip(&counts) {
            *totals.entry(kind.as_str()).or_insert(0) += count;
        }
        let actuals = data_rows(&seed_dir.join(format!("{}.csv", plan.slug)));
        actual_total += actuals;
        let _ = writeln!(
            out,
            "{:<48} {:>6} {:>6} {:>6} {:>6} {:>9} {:>7}",
            plan.slug,
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            targets.len(),
            actuals
        );
    }
    let _ = writeln!(
        out,
        "{:<48} {:>6} {:>6} {:>6} {:>6} {:>9} {:>7}",
        format!("total ({} plans, {} indicators)", catalog.plans.len(), catalog.indicators.len()),
        totals["level"],
        totals["change"],
        totals["range"],
        totals["milestone"],
        catalog.targets.len(),
        actual_total
    );
    let owned = catalog.targets.iter().filter(|t| !t.owners.is_empty()).count();
    let cumulative = catalog.targets.iter().filter(|t| t.cumulative).count();
    let _ = writeln!(
        out,
        "owners: {owned} of {} targets name who answers for them ({} departments); the texts leave {} unassigned",
        catalog.targets.len(),
        catalog.departments.len(),
        catalog.targets.len() - owned
    );
    let _ = writeln!(out, "cumulative totals (counted from 0 at the plan's start): {cumulative}");
    out
}
