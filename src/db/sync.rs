//! Writes the validated catalog into the database. Idempotent: a second sync with the same catalog
//! changes nothing; an edited item is updated; an item no longer in the catalog is marked retired
//! (kept with its history), and comes back if it reappears.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::models::{
    DepartmentForm, DepartmentRow, IndicatorForm, IndicatorRow, PlanForm, PlanRow, TargetForm, TargetRow,
};
use super::schema::{departments, indicators, plans, regions, target_owners, targets};
use super::{DbConn, write_tx};
use crate::catalog::Catalog;

/// How many items a sync inserted, updated, retired or left alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncCounts {
    pub inserted: usize,
    pub updated: usize,
    pub retired: usize,
    pub unchanged: usize,
}

impl SyncCounts {
    pub fn changed(&self) -> bool {
        self.inserted + self.updated + self.retired > 0
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub plans: SyncCounts,
    pub indicators: SyncCounts,
    pub targets: SyncCounts,
    pub regions: SyncCounts,
    pub departments: SyncCounts,
    pub owners: SyncCounts,
}

impl SyncReport {
    pub fn changed(&self) -> bool {
        self.plans.changed()
            || self.indicators.changed()
            || self.targets.changed()
            || self.regions.changed()
            || self.departments.changed()
            || self.owners.changed()
    }
}

/// What to do with one stored row; the same for the three catalog tables.
enum Change<F> {
    Insert(F),
    Update(i64, F),
    Retire(i64),
}

/// Decides, per slug, what to do with each catalog item against the stored rows.
fn plan_changes<F: PartialEq + Clone>(
    wanted: Vec<(String, F)>,
    stored: Vec<(i64, String, F)>,
    retired: impl Fn(&F) -> bool,
    counts: &mut SyncCounts,
) -> Vec<Change<F>> {
    let mut stored_by_slug: HashMap<String, (i64, F)> =
        stored.into_iter().map(|(id, slug, form)| (slug, (id, form))).collect();
    let mut changes = Vec::new();
    for (slug, form) in wanted {
        match stored_by_slug.remove(&slug) {
            None => {
                counts.inserted += 1;
                changes.push(Change::Insert(form));
            }
            Some((_, old)) if old == form => counts.unchanged += 1,
            Some((id, _)) => {
                counts.updated += 1;
                changes.push(Change::Update(id, form));
            }
        }
    }
    for (_, (id, old)) in stored_by_slug {
        if retired(&old) {
            counts.unchanged += 1;
        } else {
            counts.retired += 1;
            changes.push(Change::Retire(id));
        }
    }
    changes
}

/// Syncs the catalog in one write transaction.
pub fn sync_catalog(conn: &mut DbConn, catalog: &Catalog, now: NaiveDateTime) -> QueryResult<SyncReport> {
    write_tx(conn, |conn| sync_in_transaction(conn, catalog, now))
}

/// Syncs the catalog inside a transaction the caller holds (a publish writes its plan and the
/// catalog it makes in one).
pub(super) fn sync_in_transaction(conn: &mut DbConn, catalog: &Catalog, now: NaiveDateTime) -> QueryResult<SyncReport> {
    let mut report = SyncReport::default();
    sync_plans(conn, catalog, now, &mut report.plans)?;
    sync_indicators(conn, catalog, now, &mut report.indicators)?;
    sync_targets(conn, catalog, now, &mut report.targets)?;
    sync_regions(conn, catalog, &mut report.regions)?;
    sync_departments(conn, catalog, now, &mut report.departments)?;
    sync_owners(conn, catalog, &mut report.owners)?;
    if report.changed() {
        super::changes::record(conn, &super::changes::Changed::Everything, now)?;
        let details = serde_json::to_string(&report).ok();
        super::access::audit(conn, "catalog", "catalog.sync", "targets/", details, now)?;
    }
    Ok(report)
}

/// The regions are replaced as a list when any of them (or their order) changed.
fn sync_regions(conn: &mut DbConn, catalog: &Catalog, counts: &mut SyncCounts) -> QueryResult<()> {
    let wanted: Vec<(String, i32, bool)> = std::iter::once((catalog.regions.default.clone(), 0, true))
        .chain(catalog.regions.districts.iter().zip(1..).map(|(d, i)| (d.clone(), i, false)))
        .collect();
    let stored: Vec<(String, i32, bool)> = regions::table
        .select((regions::name, regions::position, regions::is_city))
        .order(regions::position)
        .load(conn)?;
    if stored == wanted {
        counts.unchanged = wanted.len();
        return Ok(());
    }
    diesel::delete(regions::table).execute(conn)?;
    for (name, position, is_city) in &wanted {
        diesel::insert_into(regions::table)
            .values((regions::name.eq(name), regions::position.eq(position), regions::is_city.eq(is_city)))
            .execute(conn)?;
    }
    counts.updated = wanted.len();
    Ok(())
}

fn sync_departments(
    conn: &mut DbConn,
    catalog: &Catalog,
    now: NaiveDateTime,
    counts: &mut SyncCounts,
) -> QueryResult<()> {
    let stored: Vec<DepartmentRow> = departments::table.select(DepartmentRow::as_select()).load(conn)?;
    let wanted = catalog.departments.iter().map(|d| (d.slug.clone(), DepartmentForm::from(d))).collect();
    let stored = stored.iter().map(|r| (r.id, r.slug.clone(), DepartmentForm::from(r))).collect();
    for change in plan_changes(wanted, stored, |f: &DepartmentForm| f.retired_at.is_some(), counts) {
        match change {
            Change::Insert(form) => {
                diesel::insert_into(departments::table)
                    .values((&form, departments::updated_at.eq(now)))
                    .execute(conn)?;
            }
            Change::Update(id, form) => {
                diesel::update(departments::table.find(id))
                    .set((&form, departments::updated_at.eq(now)))
                    .execute(conn)?;
            }
            Change::Retire(id) => {
                diesel::update(departments::table.find(id))
                    .set((departments::retired_at.eq(Some(now)), departments::updated_at.eq(now)))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Who answers for each target: replaced as a whole list when any of it changed.
fn sync_owners(conn: &mut DbConn, catalog: &Catalog, counts: &mut SyncCounts) -> QueryResult<()> {
    let mut wanted: Vec<(String, String, i32, i32)> = catalog
        .targets
        .iter()
        .flat_map(|t| {
            let line = t.owners_line.unwrap_or_default();
            t.owners.iter().zip(0..).map(move |(d, i)| (t.slug.clone(), d.clone(), i, line))
        })
        .collect();
    wanted.sort();
    let stored: Vec<(String, String, i32, i32)> = target_owners::table
        .select((
            target_owners::target_slug,
            target_owners::department_slug,
            target_owners::position,
            target_owners::line,
        ))
        .order((target_owners::target_slug, target_owners::department_slug))
        .load(conn)?;
    let mut stored_sorted = stored;
    stored_sorted.sort();
    if stored_sorted == wanted {
        counts.unchanged = wanted.len();
        return Ok(());
    }
    diesel::delete(target_owners::table).execute(conn)?;
    for chunk in wanted.chunks(200) {
        for (target, department, position, line) in chunk {
            diesel::insert_into(target_owners::table)
                .values((
                    target_owners::target_slug.eq(target),
                    target_owners::department_slug.eq(department),
                    target_owners::position.eq(position),
                    target_owners::line.eq(line),
                ))
                .execute(conn)?;
        }
    }
    counts.updated = wanted.len();
    Ok(())
}

fn sync_plans(conn: &mut DbConn, catalog: &Catalog, now: NaiveDateTime, counts: &mut SyncCounts) -> QueryResult<()> {
    let stored: Vec<PlanRow> = plans::table.select(PlanRow::as_select()).load(conn)?;
    let wanted = catalog.plans.iter().map(|p| (p.slug.clone(), PlanForm::from(p))).collect();
    let stored = stored.iter().map(|r| (r.id, r.slug.clone(), PlanForm::from(r))).collect();
    for change in plan_changes(wanted, stored, |f: &PlanForm| f.retired_at.is_some(), counts) {
        match change {
            Change::Insert(form) => {
                diesel::insert_into(plans::table).values((&form, plans::updated_at.eq(now))).execute(conn)?;
            }
            Change::Update(id, form) => {
                diesel::update(plans::table.find(id)).set((&form, plans::updated_at.eq(now))).execute(conn)?;
            }
            Change::Retire(id) => {
                diesel::update(plans::table.find(id))
                    .set((plans::retired_at.eq(Some(now)), plans::updated_at.eq(now)))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

fn sync_indicators(
    conn: &mut DbConn,
    catalog: &Catalog,
    now: NaiveDateTime,
    counts: &mut SyncCounts,
) -> QueryResult<()> {
    let stored: Vec<IndicatorRow> = indicators::table.select(IndicatorRow::as_select()).load(conn)?;
    let wanted = catalog.indicators.iter().map(|i| (i.slug.clone(), IndicatorForm::from(i))).collect();
    let stored = stored.iter().map(|r| (r.id, r.slug.clone(), IndicatorForm::from(r))).collect();
    for change in plan_changes(wanted, stored, |f: &IndicatorForm| f.retired_at.is_some(), counts) {
        match change {
            Change::Insert(form) => {
                diesel::insert_into(indicators::table).values((&form, indicators::updated_at.eq(now))).execute(conn)?;
            }
            Change::Update(id, form) => {
                diesel::update(indicators::table.find(id))
                    .set((&form, indicators::updated_at.eq(now)))
                    .execute(conn)?;
            }
            Change::Retire(id) => {
                diesel::update(indicators::table.find(id))
                    .set((indicators::retired_at.eq(Some(now)), indicators::updated_at.eq(now)))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

fn sync_targets(conn: &mut DbConn, catalog: &Catalog, now: NaiveDateTime, counts: &mut SyncCounts) -> QueryResult<()> {
    // Plans and indicators are written by now: resolve slugs to ids.
    let plan_ids: HashMap<String, i64> =
        plans::table.select((plans::slug, plans::id)).load::<(String, i64)>(conn)?.into_iter().collect();
    let indicator_ids: HashMap<String, i64> =
        indicators::table.select((indicators::slug, indicators::id)).load::<(String, i64)>(conn)?.into_iter().collect();
    let stored: Vec<TargetRow> = targets::table.select(TargetRow::as_select()).load(conn)?;
    let wanted = catalog
        .targets
        .iter()
        .map(|t| {
            let form = TargetForm::new(t, plan_ids[&t.plan], indicator_ids[&t.indicator]);
            (t.slug.clone(), form)
        })
        .collect();
    let stored = stored.iter().map(|r| (r.id, r.slug.clone(), TargetForm::from(r))).collect();
    for change in plan_changes(wanted, stored, |f: &TargetForm| f.retired_at.is_some(), counts) {
        match change {
            Change::Insert(form) => {
                diesel::insert_into(targets::table).values((&form, targets::updated_at.eq(now))).execute(conn)?;
            }
            Change::Update(id, form) => {
                diesel::update(targets::table.find(id)).set((&form, targets::updated_at.eq(now))).execute(conn)?;
            }
            Change::Retire(id) => {
                diesel::update(targets::table.find(id))
                    .set((targets::retired_at.eq(Some(now)), targets::updated_at.eq(now)))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}
