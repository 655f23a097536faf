//! Reporting duties (DHIS2's data sets with a period type and an expiry): how often an indicator's
//! figure is reported, how many days after its period ends it is due, and by whom. From them the
//! figures a target calls for, and when each was due, follow.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use super::period::last_day_of_month;

/// How often a figure is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Annual,
    Semiannual,
    Quarterly,
    Monthly,
}

impl Frequency {
    pub fn as_str(&self) -> &'static str {
        match self {
            Frequency::Annual => "annual",
            Frequency::Semiannual => "semiannual",
            Frequency::Quarterly => "quarterly",
            Frequency::Monthly => "monthly",
        }
    }

    fn months(&self) -> u32 {
        match self {
            Frequency::Annual => 12,
            Frequency::Semiannual => 6,
            Frequency::Quarterly => 3,
            Frequency::Monthly => 1,
        }
    }

    /// Whether a figure of `period` covers a whole period of this frequency (a year's figure
    /// does for a half-yearly duty; a half-year's does not for a yearly one).
    pub fn is_covered_by(&self, period: &super::Period) -> bool {
        period.months() >= self.months()
    }

    /// The end of the period of this frequency that contains `day`.
    pub fn period_end_of(&self, day: NaiveDate) -> NaiveDate {
        let months = self.months();
        let last_month = day.month0() / months * months + months;
        last_day_of_month(day.year(), last_month)
    }

    /// The period ending on `end`, as an upload writes it: 2020, 2020-06-30 (a half year),
    /// 2020-Q3, 2020-07.
    pub fn period_label(&self, end: NaiveDate) -> String {
        match self {
            Frequency::Annual => end.year().to_string(),
            Frequency::Semiannual => format!("{}-H{}", end.year(), if end.month() <= 6 { 1 } else { 2 }),
            Frequency::Quarterly => format!("{}-Q{}", end.year(), end.month().div_ceil(3)),
            Frequency::Monthly => format!("{}-{:02}", end.year(), end.month()),
        }
    }

    /// Every period end after `after` up to and including the end of the period containing
    /// `until`, oldest first.
    pub fn period_ends(&self, after: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
        let last = self.period_end_of(until);
        let mut end = self.period_end_of(after.succ_opt().unwrap_or(after));
        let mut ends = Vec::new();
        while end <= last {
            ends.push(end);
            let next = end.succ_opt().map(|d| self.period_end_of(d));
            match next {
                Some(next) if next > end => end = next,
                _ => break,
            }
        }
        ends
    }
}

impl std::str::FromStr for Frequency {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "annual" => Ok(Frequency::Annual),
            "semiannual" => Ok(Frequency::Semiannual),
            "quarterly" => Ok(Frequency::Quarterly),
            "monthly" => Ok(Frequency::Monthly),
            other => Err(format!("unknown frequency `{other}`: use annual, semiannual, quarterly or monthly")),
        }
    }
}

/// An indicator's reporting duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Duty {
    pub frequency: Frequency,
    /// Days after a period's end when its figure is due.
    pub due_days: u32,
    /// The department that reports it (slug); `None`: nobody is named.
    pub reporter: Option<String>,
}

/// When nothing says otherwise: a yearly figure, due three months after the year ends (when
/// the statistical bulletins of the year before are out).
pub const DEFAULT_FREQUENCY: Frequency = Frequency::Annual;
pub const DEFAULT_DUE_DAYS: u32 = 90;

/// The most days a figure may be due after its period (a year and a half).
pub const MAX_DUE_DAYS: u32 = 548;

impl Duty {
    /// When the figure for the period ending on `end` is due.
    pub fn due_on(&self, end: NaiveDate) -> NaiveDate {
        end.checked_add_days(Days::new(u64::from(self.due_days))).unwrap_or(end)
    }

    /// The periods (their ends) whose figures a target calls for: after its base, up to its
    /// deadline's period.
    pub fn periods_for(&self, base: NaiveDate, deadline: NaiveDate) -> Vec<NaiveDate> {
        self.frequency.period_ends(base, deadline)
    }
}

/// What a target's judgement needs of its duty: when its first figure falls due, which period
/// holds its deadline, and when that figure falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDates {
    /// When the first figure after the base falls due.
    pub first_due: NaiveDate,
    /// When the figure the target is measured from (its base year's, when the catalog states no
    /// baseline) falls due; `None` when it needs none.
    pub starting_due: Option<NaiveDate>,
    pub deadline_period_end: NaiveDate,
    pub deadline_due: NaiveDate,
}

impl DueDates {
    /// The dates for a target whose figures start after `base` and end with its `deadline`
    /// (a milestone: only its completion, at the deadline).
    pub fn of(duty: &Duty, base: NaiveDate, deadline: NaiveDate, milestone: bool) -> DueDates {
        let deadline_period_end = duty.frequency.period_end_of(deadline);
        let deadline_due = duty.due_on(deadline_period_end);
        let first =
            if milestone { deadline_period_end } else { duty.frequency.period_end_of(base.succ_opt().unwrap_or(base)) };
        DueDates {
            first_due: duty.due_on(first.min(deadline_period_end)),
            starting_due: None,
            deadline_period_end,
            deadline_due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_of_each_frequency_run_from_the_base_to_the_deadline() {
        let annual = Frequency::Annual.period_ends(d(2015, 12, 31), d(2020, 12, 31));
        assert_eq!(annual, (2016..=2020).map(|y| d(y, 12, 31)).collect::<Vec<_>>());
        let halves = Frequency::Semiannual.period_ends(d(2019, 12, 31), d(2020, 9, 1));
        assert_eq!(halves, vec![d(2020, 6, 30), d(2020, 12, 31)]);
        let quarters = Frequency::Quarterly.period_ends(d(2020, 3, 31), d(2020, 12, 31));
        assert_eq!(quarters.len(), 3);
        assert_eq!(Frequency::Quarterly.period_label(quarters[0]), "2020-Q2");
        let months = Frequency::Monthly.period_ends(d(2020, 1, 31), d(2020, 4, 15));
        assert_eq!(months, vec![d(2020, 2, 29), d(2020, 3, 31), d(2020, 4, 30)]);
        assert_eq!(Frequency::Monthly.period_label(months[0]), "2020-02");
    }

    #[test]
    fn a_figure_is_due_its_days_after_its_period() {
        let duty = Duty { frequency: Frequency::Annual, due_days: 90, reporter: None };
        assert_eq!(duty.due_on(d(2020, 12, 31)), d(2021, 3, 31));
        let dates = DueDates::of(&duty, d(2015, 12, 31), d(2020, 12, 31), false);
        assert_eq!(dates.first_due, d(2017, 3, 31));
        assert_eq!(dates.deadline_due, d(2021, 3, 31));
        let milestone = DueDates::of(&duty, d(2015, 12, 31), d(2017, 6, 30), true);
        assert_eq!((milestone.deadline_period_end, milestone.first_due), (d(2017, 12, 31), d(2018, 3, 31)));
    }
}
