//! Periods of actuals: a span whose value is read at its end.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
    Day(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{0}` is not a period: write 2020, 2020-Q3, 2020-07 or 2020-07-31")]
pub struct PeriodError(pub String);

impl Period {
    /// The first day of the span.
    pub fn start(&self) -> NaiveDate {
        let first = |year: i32, month: u32| {
            NaiveDate::from_ymd_opt(year, month, 1).expect("years 1000–9999 and months 1–12 are valid dates")
        };
        match *self {
            Period::Year(y) => first(y, 1),
            Period::Quarter(y, q) => first(y, q * 3 - 2),
            Period::Month(y, m) => first(y, m),
            Period::Day(d) => d,
        }
    }

    /// The last day of the span: the day its value is read.
    pub fn end(&self) -> NaiveDate {
        match *self {
            Period::Year(y) => last_day_of_month(y, 12),
            Period::Quarter(y, q) => last_day_of_month(y, q * 3),
            Period::Month(y, m) => last_day_of_month(y, m),
            Period::Day(d) => d,
        }
    }
}

pub(crate) fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .expect("month arithmetic stays inside chrono's range for years 1000–9999")
}

fn parse_year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| (1000..=9999).contains(y))
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = raw.trim();
        let error = || PeriodError(raw.to_owned());
        if let Some(year) = parse_year(s) {
            return Ok(Period::Year(year));
        }
        let parts: Vec<&str> = s.split('-').collect();
        match parts.as_slice() {
            [y, q] if q.len() == 2 && (q.starts_with('Q') || q.starts_with('q')) => {
                let year = parse_year(y).ok_or_else(error)?;
                match q[1..].parse::<u32>() {
                    Ok(quarter @ 1..=4) => Ok(Period::Quarter(year, quarter)),
                    _ => Err(error()),
                }
            }
            [y, m] if m.len() == 2 => {
                let year = parse_year(y).ok_or_else(error)?;
                match m.parse::<u32>() {
                    Ok(month @ 1..=12) => Ok(Period::Month(year, month)),
                    _ => Err(error()),
                }
            }
            [_, _, _] => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| (1000..=9999).contains(&d.year()))
                .map(Period::Day)
                .ok_or_else(error),
            _ => Err(error()),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
            Period::Day(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_period_is_read_at_the_end_of_its_span() {
        let cases = [
            ("2020", date(2020, 12, 31)),
            ("2020-Q3", date(2020, 9, 30)),
            ("2020-q1", date(2020, 3, 31)),
            ("2020-07", date(2020, 7, 31)),
            ("2024-02", date(2024, 2, 29)),
            ("2020-07-15", date(2020, 7, 15)),
        ];
        for (raw, end) in cases {
            let period: Period = raw.parse().unwrap();
            assert_eq!(period.end(), end, "{raw}");
        }
    }

    #[test]
    fn periods_round_trip_through_their_text() {
        for raw in ["2020", "2020-Q3", "2020-07", "2020-07-31"] {
            assert_eq!(raw.parse::<Period>().unwrap().to_string(), raw);
        }
    }

    #[test]
    fn malformed_periods_are_rejected() {
        for raw in ["", "20", "2020-13", "2020-Q5", "2020-02-30", "2020/07", "二〇二〇", "2020-7"] {
            assert!(raw.parse::<Period>().is_err(), "{raw:?} should be rejected");
        }
    }
}
