//! Scheduled reports: `daily` or `monthly` (on `report_day`), from `report_hour` on (in the
//! office's time zone). Each
//! period's report is claimed in the database first, so with several replicas it is produced
//! once, then written to `<data_dir>/reports/` and listed at `/api/v1/reports`.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::db::{DbPool, reports};
use crate::judged::Judgement;
use crate::present::Lang;
use crate::progress::Method;
use crate::report::{self, ReportOptions};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    Daily { hour: u32 },
    Monthly { day: u32, hour: u32 },
}

impl Schedule {
    pub fn parse(kind: &str, day: u32, hour: u32) -> Result<Schedule, String> {
        match kind {
            "daily" => Ok(Schedule::Daily { hour }),
            "monthly" if (1..=28).contains(&day) => Ok(Schedule::Monthly { day, hour }),
            "monthly" => Err(format!("report_day {day}: use a day from 1 to 28")),
            other => Err(format!("report_schedule `{other}`: use daily or monthly")),
        }
    }

    /// The period whose report is due at `now`, if one is.
    pub fn due(&self, now: NaiveDateTime) -> Option<String> {
        match *self {
            Schedule::Daily { hour } if now.hour() >= hour => Some(format!("daily:{}", now.date())),
            Schedule::Monthly { day, hour } if now.day() > day || (now.day() == day && now.hour() >= hour) => {
                Some(format!("monthly:{}-{:02}", now.year(), now.month()))
            }
            _ => None,
        }
    }
}

/// Produces a due report if no replica has; returns its id when this one did.
pub fn run_once(
    pool: &DbPool,
    schedule: Schedule,
    identity: &report::Identity,
    renderer: &report::Renderer,
    dir: &std::path::Path,
    now: NaiveDateTime,
) -> anyhow::Result<Option<i64>> {
    // The office's day and hour decide what is due, not UTC's.
    let local = crate::clock::local(now);
    let Some(period) = schedule.due(local) else { return Ok(None) };
    let mut conn = pool.get()?;
    let as_of = local.date();
    let Some(id) = reports::claim(&mut conn, &period, as_of, "zh", "linear", now)? else { return Ok(None) };
    let mut options = ReportOptions::new(None, Judgement::on(as_of, Method::Linear), Lang::Zh);
    options.renderer = renderer.clone();
    let in_full = |scope: &crate::judged::Scope| crate::report::charted(scope, &options);
    let scope = crate::judged::scope(&mut conn, None, &options.judgement, crate::judged::InFull::Chosen(&in_full))
        .map_err(|e| e.to_string());
    let pdf = scope.and_then(|scope| {
        let scope = scope.ok_or("no catalog")?;
        report::make(&mut conn, scope, options, report::Since::Previous, identity, report::Kept::OnSchedule(id), now)
            .map(|made| made.pdf)
            .map_err(|e| e.to_string())
    });
    let outcome = pdf.and_then(|pdf| {
        let name = format!("status-{}.pdf", period.replace(':', "-"));
        report::write_whole(dir, &name, &pdf).map_err(|e| e.to_string())?;
        Ok((name, pdf.len() as i64))
    });
    if let Err(e) = &outcome {
        tracing::error!(period, error = %e, "the scheduled report failed");
    }
    reports::finish(&mut conn, id, outcome, crate::now())?;
    Ok(Some(id))
}

pub async fn run(
    pool: DbPool,
    schedule: Schedule,
    identity: report::Identity,
    renderer: report::Renderer,
    dir: PathBuf,
    every: Duration,
) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let (pool, dir) = (pool.clone(), dir.clone());
        let (identity, renderer) = (identity.clone(), renderer.clone());
        let made = move || run_once(&pool, schedule, &identity, &renderer, &dir, crate::now());
        match tokio::task::spawn_blocking(made).await {
            Ok(Ok(Some(id))) => tracing::info!(id, "scheduled report written"),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "scheduled report"),
            Err(e) => tracing::error!(error = %e, "scheduled report task"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn a_period_is_due_from_its_day_and_hour() {
        let monthly = Schedule::parse("monthly", 1, 6).unwrap();
        assert_eq!(monthly.due(at(2026, 12, 1, 5)), None);
        assert_eq!(monthly.due(at(2026, 12, 1, 6)).as_deref(), Some("monthly:2026-12"));
        assert_eq!(monthly.due(at(2026, 12, 15, 0)).as_deref(), Some("monthly:2026-12"));
        let daily = Schedule::parse("daily", 1, 0).unwrap();
        assert_eq!(daily.due(at(2026, 12, 3, 0)).as_deref(), Some("daily:2026-12-03"));
        assert!(Schedule::parse("monthly", 31, 6).is_err());
        assert!(Schedule::parse("hourly", 1, 6).is_err());
    }
}
