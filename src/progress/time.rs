//! Time as decimal years, so that whole years divide exactly: 2015-12-31 is 2016.0 and
//! (2017-12-31 − 2015-12-31) / (2020-12-31 − 2015-12-31) is exactly 0.4.

use chrono::{Datelike, NaiveDate};

fn days_in_year(year: i32) -> u32 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() { 366 } else { 365 }
}

/// Year plus the share of it that has passed by the end of `date`.
pub fn decimal_year(date: NaiveDate) -> f64 {
    date.year() as f64 + date.ordinal() as f64 / days_in_year(date.year()) as f64
}

/// The day a decimal year falls on (the inverse of [`decimal_year`], to the day).
pub fn date_from_decimal_year(t: f64) -> Option<NaiveDate> {
    if !t.is_finite() || !(1000.0..9999.0).contains(&t) {
        return None;
    }
    let mut year = t.floor() as i32;
    // The first day by whose end `t` has passed; the epsilon absorbs float noise at day ends.
    let mut ordinal = ((t - year as f64) * days_in_year(year) as f64 - 1e-9).ceil() as u32;
    if ordinal == 0 {
        // Exactly at a year boundary: the last day of the year before.
        year -= 1;
        ordinal = days_in_year(year);
    }
    NaiveDate::from_yo_opt(year, ordinal.min(days_in_year(year)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_years_divide_exactly() {
        let d = |y| NaiveDate::from_ymd_opt(y, 12, 31).unwrap();
        let elapsed = (decimal_year(d(2017)) - decimal_year(d(2015))) / (decimal_year(d(2020)) - decimal_year(d(2015)));
        assert_eq!(elapsed, 0.4);
    }

    #[test]
    fn dates_round_trip() {
        for (y, m, day) in [(2020, 12, 31), (2021, 1, 1), (2024, 2, 29), (2023, 6, 30)] {
            let date = NaiveDate::from_ymd_opt(y, m, day).unwrap();
            assert_eq!(date_from_decimal_year(decimal_year(date)), Some(date));
        }
    }
}
