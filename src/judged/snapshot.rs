//! Targets and every revision of their indicators' actuals, held in memory: judged for any date
//! without reading the database again, and refreshed one indicator at a time after an upload.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

use super::{Assessed, AssessedOne, Context, Duties, InFull, JudgedResult, Judgement, ProgressSummary, Scope, spec_of};
use crate::catalog::Regions;
use crate::db::models::{DepartmentRow, IndicatorRow, PlanRow};
use crate::db::{DbConn, actuals, queries};
use crate::progress::{self, Observation, Progress, Revision, TargetSpec};

/// The series of one indicator in one region.
type SeriesKey = (i64, String);

pub struct Snapshot {
    pub plans: Vec<Arc<PlanRow>>,
    /// Current targets in catalog order.
    pub targets: Vec<Context>,
    pub(super) specs: Vec<TargetSpec>,
    /// Per target: measured on running totals that count from an earlier plan's start — the day
    /// its own total starts from (its base year's end); `None` for the rest.
    rebased: Vec<Option<NaiveDate>>,
    by_slug: HashMap<String, usize>,
    /// Every revision of each (indicator, region) series, oldest period first.
    series: HashMap<SeriesKey, Vec<Revision>>,
    /// The city and its districts.
    pub regions: Regions,
    /// Owners and reporting duties.
    pub duties: Duties,
    /// The current departments.
    pub departments: Vec<Arc<DepartmentRow>>,
}

impl Snapshot {
    /// The current targets of a plan and/or an indicator (every target when neither is given),
    /// the plans in scope, and every revision of the targets' indicators.
    pub fn load(conn: &mut DbConn, plan: Option<&str>, indicator: Option<&str>) -> JudgedResult<Snapshot> {
        let plans = match plan {
            Some(slug) => queries::plan_by_slug(conn, slug)?.into_iter().collect(),
            None => queries::list_plans(conn)?,
        };
        let targets = queries::list_targets(conn, plan, indicator)?;
        Self::build(conn, plans, targets)
    }

    /// A snapshot of the given targets only.
    pub fn of(conn: &mut DbConn, targets: Vec<queries::TargetWithContext>) -> JudgedResult<Snapshot> {
        let plans = targets.iter().map(|(_, p, _)| p.clone()).collect();
        Self::build(conn, plans, targets)
    }

    fn build(conn: &mut DbConn, plans: Vec<PlanRow>, rows: Vec<queries::TargetWithContext>) -> JudgedResult<Snapshot> {
        // Plans and indicators are shared by their targets, not copied for each.
        let mut plan_rows: HashMap<i64, Arc<PlanRow>> = HashMap::new();
        let mut indicator_rows: HashMap<i64, Arc<IndicatorRow>> = HashMap::new();
        let mut targets = Vec::with_capacity(rows.len());
        let duties = Duties::load(conn)?;
        for (target, plan, indicator) in rows {
            let plan = plan_rows.entry(plan.id).or_insert_with(|| Arc::new(plan)).clone();
            let indicator = indicator_rows.entry(indicator.id).or_insert_with(|| Arc::new(indicator)).clone();
            let owners = duties.owners_of(&target.slug).into();
            targets.push(Context { target: Arc::new(target), plan, indicator, owners });
        }
        let plans: Vec<Arc<PlanRow>> =
            plans.into_iter().map(|p| plan_rows.get(&p.id).cloned().unwrap_or_else(|| Arc::new(p))).collect();
        let revision = Revisions::of(&plans, &targets);
        let (specs, rebased) = targets
            .iter()
            .map(|c| {
                let duty = duties.of(c.indicator.id);
                let mut spec = spec_of(&c.target, &c.plan, &c.indicator);
                if let Some(start) = revision.carried_start(c) {
                    spec.start = start;
                }
                let rebased = rebase(&mut spec, &duties, c);
                set_due_dates(&mut spec, &duty, c.plan.issued);
                (spec, rebased)
            })
            .unzip();
        let by_slug = targets.iter().enumerate().map(|(i, c)| (c.target.slug.clone(), i)).collect();
        let regions = queries::regions(conn)?;
        let departments = queries::list_departments(conn)?.into_iter().map(Arc::new).collect();
        let mut snapshot =
            Snapshot { plans, targets, specs, rebased, by_slug, series: HashMap::new(), regions, duties, departments };
        let indicator_ids: Vec<i64> = indicator_rows.keys().copied().collect();
        snapshot.reload(conn, &indicator_ids)?;
        Ok(snapshot)
    }

    /// Reads the revisions of these indicators again (after an upload wrote some).
    pub fn reload(&mut self, conn: &mut DbConn, indicator_ids: &[i64]) -> JudgedResult<()> {
        let revisions = actuals::revisions_of(conn, indicator_ids)?;
        self.replace(indicator_ids, revisions);
        Ok(())
    }

    /// Puts these indicators' revisions (every one of them, as just read) in place of the old.
    pub fn replace(&mut self, indicator_ids: &[i64], revisions: Vec<actuals::RevisionRow>) {
        let mut ids = indicator_ids.to_vec();
        ids.sort_unstable();
        self.series.retain(|(indicator, _), _| ids.binary_search(indicator).is_err());
        for row in revisions {
            self.series.entry((row.indicator_id, row.region)).or_default().push(Revision {
                period_end: row.period_end,
                value: row.value,
                // A figure a plan states was known when the plan was issued.
                recorded_on: row.stated_on.map_or(crate::clock::local_date(row.recorded_at), |issued| {
                    issued.min(crate::clock::local_date(row.recorded_at))
                }),
                stated: row.stated,
            });
        }
    }

    /// The figures a target stands on for this judgement: its own region's, or the district the
    /// judgement names.
    fn observations(&self, index: usize, judgement: &Judgement) -> Vec<Observation> {
        self.observed(index, judgement).0
    }

    /// The figures a target stands on, and for one measured on running totals less its base
    /// year's, what was taken off (nothing stands until that total has come).
    fn observed(&self, index: usize, judgement: &Judgement) -> (Vec<Observation>, Option<super::Rebased>) {
        let context = &self.targets[index];
        let region = judgement.region.as_deref().unwrap_or(&context.target.region);
        let series = self.series_in(&context.indicator, region, judgement);
        let Some(base) = self.rebased[index] else { return (series, None) };
        let since = self.duties.totals_since(context.indicator.id).unwrap_or(base);
        let (total, counted) = match progress::counted_from(series, base) {
            Some((total, counted)) => (Some(total), counted),
            None => (None, Vec::new()),
        };
        (counted, Some(super::Rebased { since, base, total }))
    }

    /// One region's series of an indicator for this judgement. The city's is what was reported
    /// for the city; where it is missing and the indicator says how, a period every district
    /// reported gives a city figure (their sum or mean) — never a partial sum.
    pub fn series_in(&self, indicator: &IndicatorRow, region: &str, judgement: &Judgement) -> Vec<Observation> {
        let of = |region: &str| {
            self.series
                .get(&(indicator.id, region.to_owned()))
                .map(|revisions| progress::observations_as_of(revisions, judgement.as_of, judgement.known_at))
                .unwrap_or_default()
        };
        let reported = of(region);
        match indicator.aggregation() {
            Some(how) if region == self.regions.default && !self.regions.districts.is_empty() => {
                let districts: Vec<Vec<Observation>> = self.regions.districts.iter().map(|d| of(d)).collect();
                progress::with_district_totals(reported, &districts, how)
            }
            _ => reported,
        }
    }

    /// Every revision of one series, oldest period first.
    pub(super) fn revisions_of(&self, indicator: i64, region: &str) -> &[Revision] {
        self.series.get(&(indicator, region.to_owned())).map(Vec::as_slice).unwrap_or_default()
    }

    /// The indicators a department reports (ids, sorted).
    pub fn indicators_reported_by(&self, department: &str) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .targets
            .iter()
            .map(|c| c.indicator.id)
            .filter(|&id| self.duties.of(id).reporter.as_deref() == Some(department))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The districts with any figure on these indicators, in catalog order.
    pub fn districts_reporting(&self, indicator_ids: &[i64]) -> Vec<String> {
        let reporting = |d: &String| indicator_ids.iter().any(|&id| self.series.contains_key(&(id, d.clone())));
        self.regions.districts.iter().filter(|d| reporting(d)).cloned().collect()
    }

    /// The latest figure of every district for an indicator (as of the judgement), in catalog
    /// order; districts without one are left out.
    pub fn district_figures(&self, indicator: &IndicatorRow, judgement: &Judgement) -> Vec<(String, Observation)> {
        self.regions
            .districts
            .iter()
            .filter_map(|d| self.series_in(indicator, d, judgement).last().map(|o| (d.clone(), *o)))
            .collect()
    }

    /// Every target of the plan versions in force on the judgement's date, judged at once (the
    /// polars frame), in catalog order.
    pub fn judge(&self, judgement: &Judgement) -> JudgedResult<Vec<Assessed>> {
        self.judge_these(&self.in_force(judgement.as_of), judgement)
    }

    /// The targets (by index, in catalog order) of the plan versions in force on a day: those a
    /// view of that day judges, in its order.
    pub fn in_force(&self, as_of: chrono::NaiveDate) -> Vec<usize> {
        (0..self.targets.len()).filter(|&i| self.targets[i].plan.in_force_on(as_of)).collect()
    }

    /// Some targets (by index) judged at once, in the order given.
    pub fn judge_these(&self, indices: &[usize], judgement: &Judgement) -> JudgedResult<Vec<Assessed>> {
        let series: Vec<Vec<Observation>> = indices.iter().map(|&i| self.observations(i, judgement)).collect();
        let slices: Vec<&[Observation]> = series.iter().map(Vec::as_slice).collect();
        let specs: Vec<TargetSpec> = indices.iter().map(|&i| self.spec_for(i, judgement).into_owned()).collect();
        let verdicts = progress::frame::assess_all(&specs, &slices, judgement.as_of, judgement.method)?;
        Ok(indices
            .iter()
            .zip(verdicts)
            .map(|(&i, verdict)| {
                let verdict = self.in_region(i, judgement, verdict);
                let c = &self.targets[i];
                Assessed {
                    target: c.target.clone(),
                    plan: c.plan.clone(),
                    indicator: c.indicator.clone(),
                    owners: c.owners.clone(),
                    summary: ProgressSummary::from(&verdict),
                }
            })
            .collect())
    }

    /// A target's spec for this judgement: as built, unless the view is as known on a day before
    /// its indicator's duty was last set — then its figures fall due as the duty known then said.
    pub(super) fn spec_for(&self, index: usize, judgement: &Judgement) -> std::borrow::Cow<'_, TargetSpec> {
        let context = &self.targets[index];
        let indicator = context.indicator.id;
        match judgement.known_at.filter(|&day| self.duties.changed_after(indicator, day)) {
            None => std::borrow::Cow::Borrowed(&self.specs[index]),
            Some(day) => {
                let mut spec = self.specs[index].clone();
                set_due_dates(&mut spec, &self.duties.known_on(indicator, Some(day)), context.plan.issued);
                std::borrow::Cow::Owned(spec)
            }
        }
    }

    /// A city target judged on one district's figures of an indicator the districts add up (land
    /// areas, base stations): the district's figure is a part of the city's total, so no verdict
    /// against the city's goal — not assessable, saying why, with its latest figure.
    fn in_region(&self, index: usize, judgement: &Judgement, verdict: Progress) -> Progress {
        let context = &self.targets[index];
        let district = judgement.region.as_deref().filter(|&r| r != self.regions.default);
        let part_of_total =
            district.is_some() && context.target.region == self.regions.default && context.indicator.sums_districts();
        if !part_of_total {
            return verdict;
        }
        Progress {
            status: progress::Status::NotAssessable,
            reason: Some(progress::Reason::PartOfCityTotal),
            latest: verdict.latest,
            ..Progress::unjudged(verdict.method, verdict.as_of)
        }
    }

    pub fn index_of(&self, slug: &str) -> Option<usize> {
        self.by_slug.get(slug).copied()
    }

    /// Indices of the targets measured on these indicators.
    pub fn targets_on(&self, indicator_ids: &[i64]) -> Vec<usize> {
        (0..self.targets.len()).filter(|&i| indicator_ids.contains(&self.targets[i].target.indicator_id)).collect()
    }

    /// One target in full: its verdict with projection, and the figures it stands on.
    pub fn one(&self, index: usize, judgement: &Judgement) -> Option<AssessedOne> {
        let target = self.targets.get(index)?.clone();
        let (series, rebased) = self.observed(index, judgement);
        let progress = progress::assess(&self.spec_for(index, judgement), &series, judgement.as_of, judgement.method);
        let progress = self.in_region(index, judgement, progress);
        let districts = self.district_figures(&target.indicator, judgement);
        Some(AssessedOne { target, progress, series, districts, rebased })
    }

    /// What reports and chart sets of one plan (`None`: no such plan) or every plan draw on.
    pub fn scope(
        &self,
        plan: Option<&str>,
        judgement: &Judgement,
        vintage: Option<NaiveDateTime>,
        in_full: InFull,
    ) -> JudgedResult<Option<Scope>> {
        let plans: Vec<Arc<PlanRow>> =
            self.plans.iter().filter(|p| plan.is_none_or(|slug| p.slug == slug)).cloned().collect();
        if plan.is_some() && plans.is_empty() {
            return Ok(None);
        }
        // Every plan: the versions in force on the date; one plan asked for by name: that one.
        let plans: Vec<Arc<PlanRow>> =
            plans.into_iter().filter(|p| plan.is_some() || p.in_force_on(judgement.as_of)).collect();
        let plan_ids: std::collections::HashSet<i64> = plans.iter().map(|p| p.id).collect();
        let indices: Vec<usize> =
            (0..self.targets.len()).filter(|&i| plan_ids.contains(&self.targets[i].plan.id)).collect();
        let assessed = self.judge_these(&indices, judgement)?;
        let figures = self
            .figures(judgement)
            .into_iter()
            .filter(|f| plan.is_none_or(|slug| f.plans.iter().any(|p| p == slug)))
            .collect();
        let mut scope =
            Scope { plans, assessed, full: Vec::new(), vintage, figures, departments: self.departments.clone() };
        let chosen = match in_full {
            InFull::Every => None,
            InFull::Chosen(choose) => Some(choose(&scope)),
        };
        scope.full = indices
            .iter()
            .filter(|&&i| chosen.as_ref().is_none_or(|slugs| slugs.contains(&self.targets[i].target.slug)))
            .filter_map(|&i| self.one(i, judgement))
            .collect();
        Ok(Some(scope))
    }
}

/// A 累计 target whose indicator's running totals count from an earlier plan's start (the
/// retrofits of a 2024—2028 plan, reported as totals since 2021): it is measured on those totals
/// less the total at its own base year's end — as a level from that base, at 0 — and that total
/// is owed as its starting figure. Answers the base for such a target.
fn rebase(spec: &mut TargetSpec, duties: &Duties, context: &Context) -> Option<NaiveDate> {
    let since = duties.totals_since(context.indicator.id)?;
    let rebased = spec.cumulative && spec.baseline.is_none() && since <= spec.base;
    if rebased {
        spec.cumulative = false;
    }
    rebased.then_some(spec.base)
}

/// When a target's figures fall due under a reporting duty. One measured from a figure the
/// catalog does not state (its base year's) is owed that figure first: due as long after the base
/// period — or after the plan's issue, when that came later — as any figure, as the department
/// pages count it. While it has no figure at all, the target is overdue from then, not only once
/// its first later figure is.
fn set_due_dates(spec: &mut TargetSpec, duty: &crate::domain::Duty, issued: Option<NaiveDate>) {
    let milestone = spec.kind == crate::domain::TargetKind::Milestone;
    let mut due = crate::domain::DueDates::of(duty, spec.base, spec.deadline, milestone);
    if let Some(starting) = spec.starting_year_end() {
        let period_end = duty.frequency.period_end_of(starting);
        let owed_from = issued.map_or(period_end, |issued| period_end.max(issued));
        due.starting_due = Some(duty.due_on(owed_from));
    }
    spec.due = Some(due);
}

/// What revised plans carry over: a target a revision restates (an earlier version holds it as
/// `{slug}-v{n}`) has run since the plan was first issued, not since the revision — its time
/// elapsed does not start again.
struct Revisions {
    first_issued: HashMap<String, chrono::NaiveDate>,
    carried: std::collections::HashSet<String>,
}

impl Revisions {
    fn of(plans: &[Arc<PlanRow>], targets: &[Context]) -> Revisions {
        let mut first_issued: HashMap<String, chrono::NaiveDate> = HashMap::new();
        for plan in plans {
            if let Some(issued) = plan.issued {
                let first = first_issued.entry(crate::catalog::version_of(&plan.slug).to_owned()).or_insert(issued);
                *first = (*first).min(issued);
            }
        }
        // An earlier version's target, `{slug}-v{n}`, names the target carried over as `{slug}`.
        let carried = targets
            .iter()
            .map(|c| (crate::catalog::version_of(&c.target.slug), c.target.slug.as_str()))
            .filter(|(base, slug)| base != slug)
            .map(|(base, _)| base.to_owned())
            .collect();
        Revisions { first_issued, carried }
    }

    /// The day a revision's target started: when its plan was first issued, if it was carried.
    fn carried_start(&self, context: &Context) -> Option<chrono::NaiveDate> {
        context.plan.in_force_from?;
        self.carried
            .contains(&context.target.slug)
            .then(|| self.first_issued.get(&context.plan.slug).copied())
            .flatten()
    }
}
