//! Which version of a revised plan a view shows. A revision publishes the plan anew under its
//! slug and keeps each earlier version as `{slug}-v{n}`, in force until the revision took over.
//! A view of a day before that shows the version then in force; an earlier version asked for
//! without a date is shown on its last day in force (after it, none of its targets is judged);
//! a goal a revision dropped is found in the earlier version that set it. Pages, the API, charts,
//! reports and the CLI all ask here.

use std::sync::Arc;

use chrono::NaiveDate;

use super::{Judged, Judgement};
use crate::db::models::PlanRow;

/// How many earlier versions a dropped target's address is looked for in.
const MAX_VERSIONS_LOOKED_UP: usize = 20;

/// The day to judge an earlier version by when no date was asked and it is no longer in force.
pub fn last_day_in_force(plan: &PlanRow, as_of: NaiveDate, date_asked: bool) -> Option<NaiveDate> {
    let until = plan.in_force_until?;
    (!date_asked && as_of >= until).then(|| until.pred_opt()).flatten()
}

/// The earlier versions of a plan in force among `plans` (none for an earlier version itself),
/// in the order they were replaced.
fn earlier_versions_in(plans: Vec<Arc<PlanRow>>, plan: &PlanRow) -> Vec<Arc<PlanRow>> {
    if plan.in_force_until.is_some() {
        return Vec::new();
    }
    let mut versions: Vec<_> =
        plans.into_iter().filter(|p| p.slug != plan.slug && crate::catalog::version_of(&p.slug) == plan.slug).collect();
    versions.sort_by_key(|p| p.in_force_until);
    versions
}

/// The version of a revised plan in force on a day before the revision took over, if another.
fn earlier_version_in(plans: Vec<Arc<PlanRow>>, plan: &PlanRow, as_of: NaiveDate) -> Option<Arc<PlanRow>> {
    if plan.in_force_from.is_none_or(|from| from <= as_of) {
        return None;
    }
    earlier_versions_in(plans, plan).into_iter().find(|p| p.in_force_on(as_of))
}

/// The slug of the version of plan `slug` in force on a day, among `plans` (as the CLI reads
/// them): `slug` itself unless a revision of it took over after that day.
pub fn version_in_force(plans: Vec<Arc<PlanRow>>, slug: &str, as_of: NaiveDate) -> String {
    let Some(plan) = plans.iter().find(|p| p.slug == slug).cloned() else { return slug.to_owned() };
    earlier_version_in(plans, &plan, as_of).map_or_else(|| slug.to_owned(), |p| p.slug.clone())
}

impl Judged {
    /// The earlier versions of a plan in force (none for an earlier version itself), in the
    /// order they were replaced.
    pub fn earlier_versions(&self, plan: &PlanRow) -> Vec<Arc<PlanRow>> {
        earlier_versions_in(self.plans(), plan)
    }

    /// The version of a revised plan in force on a day before the revision took over, if another.
    pub fn earlier_version_in_force(&self, plan: &PlanRow, as_of: NaiveDate) -> Option<Arc<PlanRow>> {
        earlier_version_in(self.plans(), plan, as_of)
    }

    /// The plan a view of `slug` shows, and the judgement to show it by (`date_asked`: the view's
    /// date was given, not today by default). `None`: no such plan.
    pub fn plan_shown(&self, slug: &str, judgement: &Judgement, date_asked: bool) -> Option<(Arc<PlanRow>, Judgement)> {
        let plan = self.plans().into_iter().find(|p| p.slug == slug)?;
        if let Some(earlier) = self.earlier_version_in_force(&plan, judgement.as_of) {
            return Some((earlier, judgement.clone()));
        }
        let as_of = last_day_in_force(&plan, judgement.as_of, date_asked).unwrap_or(judgement.as_of);
        Some((plan, Judgement { as_of, ..judgement.clone() }))
    }

    /// The target a view of `slug` shows (its slug in the version shown), and the judgement to
    /// show it by. `None`: no such target in any version.
    pub fn target_shown(&self, slug: &str, judgement: &Judgement, date_asked: bool) -> Option<(String, Judgement)> {
        let plan = match self.plan_of_target(slug) {
            Some(plan) => plan,
            // A goal a revision dropped lives on in the earlier version that set it.
            None => {
                let earlier =
                    (1..=MAX_VERSIONS_LOOKED_UP).rev().map(|n| format!("{slug}-v{n}")).find(|s| self.has_target(s))?;
                // After it was dropped it is judged no more: seen as on its last day in force.
                return self.target_shown(&earlier, judgement, false);
            }
        };
        if let Some(earlier) = self.earlier_version_in_force(&plan, judgement.as_of) {
            let earlier_slug = format!("{slug}{}", &earlier.slug[plan.slug.len()..]);
            if self.has_target(&earlier_slug) {
                return Some((earlier_slug, judgement.clone()));
            }
        }
        let as_of = last_day_in_force(&plan, judgement.as_of, date_asked).unwrap_or(judgement.as_of);
        Some((slug.to_owned(), Judgement { as_of, ..judgement.clone() }))
    }
}
