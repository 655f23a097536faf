//! Which figures the targets call for, when each was due and whether it came: on time, late or
//! not at all (DHIS2's reporting rates), per department and per plan.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Judgement, Snapshot};
use crate::db::models::IndicatorRow;
use crate::domain::TargetKind;

/// Where a figure stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// Not due yet.
    Upcoming,
    /// Came by its due date.
    OnTime,
    /// Came after its due date.
    Late,
    /// Due and not (yet) come.
    Missing,
    /// Stated by the plan's own text (its base year's figure, often): known without anyone
    /// reporting it, so counted neither as due nor as come.
    Stated,
}

/// One figure the targets call for.
#[derive(Debug, Clone)]
pub struct DueFigure {
    pub indicator: Arc<IndicatorRow>,
    pub region: String,
    pub period_end: NaiveDate,
    /// The period as an upload writes it.
    pub period: String,
    pub due_on: NaiveDate,
    /// The day its first revision was recorded (as known then).
    pub received_on: Option<NaiveDate>,
    pub arrival: Arrival,
    /// The department that reports it.
    pub reporter: Option<String>,
    /// The plans (slugs) whose targets call for it.
    pub plans: Vec<String>,
    /// The targets (slugs) that call for it.
    pub targets: Vec<String>,
    /// Some target is measured from it: its base or reference year (基期).
    pub starting: bool,
    /// A target totals it over its plan (累计, 新增 …): the figure wanted is the running total
    /// since this day, not the period's own amount.
    pub total_since: Option<NaiveDate>,
}

/// Figures due, and how they came.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Completeness {
    /// Figures due by the date.
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
}

impl Completeness {
    pub fn of<'a>(figures: impl Iterator<Item = &'a DueFigure>) -> Completeness {
        let mut c = Completeness::default();
        for f in figures {
            match f.arrival {
                Arrival::Upcoming | Arrival::Stated => continue,
                Arrival::OnTime => c.on_time += 1,
                Arrival::Late => c.late += 1,
                Arrival::Missing => c.missing += 1,
            }
            c.due += 1;
        }
        c
    }

    /// The share of due figures that came (on time or late), or none when nothing was due.
    pub fn rate(&self) -> Option<f64> {
        (self.due > 0).then(|| (self.on_time + self.late) as f64 / self.due as f64)
    }
}

impl Snapshot {
    /// Every figure the current targets call for, up to their deadlines, with where it stands
    /// at the judgement's date (only revisions recorded by `known_at` count, if given). One entry
    /// per indicator, region and period, oldest due first. Like the targets judged beside them,
    /// a view of an earlier day knows every figure recorded since unless `known_at` says
    /// otherwise: a 2024 figure sent late, after that day, is late there — not missing while
    /// the target it measures is judged on it.
    pub fn figures(&self, judgement: &Judgement) -> Vec<DueFigure> {
        let known_by = judgement.known_at.unwrap_or(NaiveDate::MAX);
        let mut figures: BTreeMap<(i64, String, NaiveDate), DueFigure> = BTreeMap::new();
        // A figure not yet due on the view's date is owed only once it is: until then it is
        // upcoming, unless it came by that date.
        let arrival = |received: Option<(NaiveDate, bool)>, due_on: NaiveDate| match received {
            Some((_, true)) => Arrival::Stated,
            Some((day, false)) if judgement.as_of <= due_on && day > judgement.as_of => Arrival::Upcoming,
            Some((day, false)) if day <= due_on => Arrival::OnTime,
            Some(_) => Arrival::Late,
            None if judgement.as_of > due_on => Arrival::Missing,
            None => Arrival::Upcoming,
        };
        for (i, context) in self.targets.iter().enumerate() {
            let (target, indicator) = (&context.target, &context.indicator);
            let duty = self.duties.known_on(indicator.id, judgement.known_at);
            let spec = self.spec_for(i, judgement);
            let mut ends = if target.kind == TargetKind::Milestone {
                vec![duty.frequency.period_end_of(target.deadline_date)]
            } else {
                duty.periods_for(spec.base, target.deadline_date)
            };
            // The figure it is measured from is owed too: without it the target cannot be judged.
            let starting = spec.starting_year_end().map(|day| duty.frequency.period_end_of(day));
            if let Some(start) = starting.filter(|start| !ends.contains(start)) {
                ends.insert(0, start);
            }
            // Nobody owed a figure before the plan asking for it was issued: one for a period
            // already over then (its base year, often) is due as long after the issue.
            let asked_from = context.plan.issued;
            // An earlier version of a revised plan asked for no figure that fell due only after
            // the revision took over (a goal the revision dropped is owed no more).
            let replaced_on = context.plan.in_force_until;
            for end in ends {
                let due_on = duty.due_on(asked_from.map_or(end, |issued| end.max(issued)));
                if replaced_on.is_some_and(|until| due_on >= until) {
                    continue;
                }
                let key = (indicator.id, target.region.clone(), end);
                let figure = figures.entry(key).or_insert_with(|| {
                    let received = self.received(indicator, &target.region, end, known_by);
                    DueFigure {
                        indicator: indicator.clone(),
                        region: target.region.clone(),
                        period_end: end,
                        period: duty.frequency.period_label(end),
                        due_on,
                        received_on: received.map(|(day, _)| day),
                        arrival: arrival(received, due_on),
                        reporter: duty.reporter.clone(),
                        plans: Vec::new(),
                        targets: Vec::new(),
                        starting: false,
                        total_since: None,
                    }
                });
                // Owed to several plans: due for the earliest that asked.
                if due_on < figure.due_on {
                    let received = figure.received_on.map(|day| (day, figure.arrival == Arrival::Stated));
                    (figure.due_on, figure.arrival) = (due_on, arrival(received, due_on));
                }
                figure.starting |= starting == Some(end);
                if figure.total_since.is_none() {
                    figure.total_since = self.duties.totals_since(indicator.id);
                }
                if !figure.plans.contains(&context.plan.slug) {
                    figure.plans.push(context.plan.slug.clone());
                }
                figure.targets.push(target.slug.clone());
            }
        }
        let mut figures: Vec<DueFigure> = figures.into_values().collect();
        figures.sort_by(|a, b| {
            (a.due_on, a.indicator.id, &a.region, a.period_end).cmp(&(
                b.due_on,
                b.indicator.id,
                &b.region,
                b.period_end,
            ))
        });
        figures
    }

    /// When a figure came, if by `known_by`: its first revision's day; for the city's figure of
    /// an indicator that adds up (or averages) its districts', when it was not sent itself, the
    /// day the last district's came — the city's figure is then made from theirs, and judged on.
    fn received(
        &self,
        indicator: &IndicatorRow,
        region: &str,
        period_end: NaiveDate,
        known_by: NaiveDate,
    ) -> Option<(NaiveDate, bool)> {
        let own = self.first_recorded(indicator.id, region, period_end, known_by);
        let adds_up = indicator.aggregation().is_some() && !self.regions.districts.is_empty();
        if own.is_some() || !adds_up || region != self.regions.default {
            return own;
        }
        let districts: Option<Vec<(NaiveDate, bool)>> =
            self.regions.districts.iter().map(|d| self.first_recorded(indicator.id, d, period_end, known_by)).collect();
        districts?.into_iter().max_by_key(|(day, _)| *day).map(|(day, _)| (day, false))
    }

    /// The day the first revision of a figure was recorded, if by `known_by`.
    fn first_recorded(
        &self,
        indicator: i64,
        region: &str,
        period_end: NaiveDate,
        known_by: NaiveDate,
    ) -> Option<(NaiveDate, bool)> {
        self.revisions_of(indicator, region)
            .iter()
            .filter(|r| r.period_end == period_end && r.recorded_on <= known_by)
            .map(|r| (r.recorded_on, r.stated))
            .min_by_key(|(day, _)| *day)
    }

    /// Completeness per reporting department (its slug; `None`: nobody named).
    pub fn completeness_by_department(figures: &[DueFigure]) -> HashMap<Option<String>, Completeness> {
        let mut by: HashMap<Option<String>, Vec<&DueFigure>> = HashMap::new();
        for f in figures {
            by.entry(f.reporter.clone()).or_default().push(f);
        }
        by.into_iter().map(|(k, v)| (k, Completeness::of(v.into_iter()))).collect()
    }
}
