//! The office's time zone: times are stored in UTC and shown, and "today" is counted, in it
//! (the `timezone` setting, Asia/Shanghai by default). Set once at start; tests and tools that
//! never set it get the default.

use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

/// The zone when none is set.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Shanghai;

static ZONE: OnceLock<Tz> = OnceLock::new();

/// Sets the zone from its IANA name; the first setting holds for the life of the process.
pub fn set_zone(name: &str) -> Result<(), String> {
    let zone: Tz =
        name.parse().map_err(|_| format!("unknown time zone `{name}`: use an IANA name such as Asia/Shanghai"))?;
    let _ = ZONE.set(zone);
    Ok(())
}

pub fn zone() -> Tz {
    *ZONE.get().unwrap_or(&DEFAULT_ZONE)
}

/// Today, in the office's zone.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&zone()).date_naive()
}

/// A stored (UTC) time in the office's zone.
pub fn local(utc: NaiveDateTime) -> NaiveDateTime {
    utc.and_utc().with_timezone(&zone()).naive_local()
}

/// The office's day of a stored (UTC) time.
pub fn local_date(utc: NaiveDateTime) -> NaiveDate {
    local(utc).date()
}

/// When the office's day ends, as a stored (UTC) time: the first moment of the next day.
pub fn day_ends_utc(day: NaiveDate) -> NaiveDateTime {
    use chrono::TimeZone;
    let next = day.succ_opt().unwrap_or(day).and_time(chrono::NaiveTime::MIN);
    zone().from_local_datetime(&next).earliest().map_or(next, |t| t.naive_utc())
}

/// A stored time as the office reads it: "2026-12-06 14:05".
pub fn shown(utc: NaiveDateTime) -> String {
    local(utc).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_utc_times_are_shown_in_beijing_time() {
        let utc = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap().and_hms_opt(20, 30, 0).unwrap();
        assert_eq!(shown(utc), "2026-12-07 04:30");
        assert_eq!(local_date(utc), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert!(set_zone("Mars/Olympus").is_err());
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(day_ends_utc(day), day.and_hms_opt(16, 0, 0).unwrap(), "midnight in Beijing is 16:00 UTC");
    }
}
