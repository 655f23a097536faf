//! Periods of actuals: a span whose value is read at its end.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    /// 上半年 (1) or 下半年 (2).
    Half(i32, u32),
    Quarter(i32, u32),
    Month(i32, u32),
    Day(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "`{0}` is not a period: write 2020 (2020年, 2020年度), 2020-Q3 (2020Q3, 2020年第三季度), 2020-H1 \
     (2020年上半年), 2020-07 (2020年7月, 2020/7, 2020.07) or 2020-07-31"
)]
pub struct PeriodError(pub String);

impl Period {
    /// The first day of the span.
    pub fn start(&self) -> NaiveDate {
        let first = |year: i32, month: u32| {
            NaiveDate::from_ymd_opt(year, month, 1).expect("years 1000–9999 and months 1–12 are valid dates")
        };
        match *self {
            Period::Year(y) => first(y, 1),
            Period::Half(y, h) => first(y, h * 6 - 5),
            Period::Quarter(y, q) => first(y, q * 3 - 2),
            Period::Month(y, m) => first(y, m),
            Period::Day(d) => d,
        }
    }

    /// How many whole months the span covers (a day's: none).
    pub fn months(&self) -> u32 {
        match self {
            Period::Year(_) => 12,
            Period::Half(..) => 6,
            Period::Quarter(..) => 3,
            Period::Month(..) => 1,
            Period::Day(_) => 0,
        }
    }

    /// The last day of the span: the day its value is read.
    pub fn end(&self) -> NaiveDate {
        match *self {
            Period::Year(y) => last_day_of_month(y, 12),
            Period::Half(y, h) => last_day_of_month(y, h * 6),
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
        if !s.is_ascii() {
            return chinese(s).ok_or_else(error);
        }
        // 2020Q3, 2020H1, 2020/7, 2020.07, 2020/07/31, 2020.7.31: the separators offices use.
        if let Some((y, rest)) = s.split_at_checked(4)
            && let Some(year) = parse_year(y)
            && let Some(n) = rest.strip_prefix(['Q', 'q']).or_else(|| rest.strip_prefix("-q"))
        {
            return match n.parse::<u32>() {
                Ok(q @ 1..=4) => Ok(Period::Quarter(year, q)),
                _ => Err(error()),
            };
        }
        if let Some((y, rest)) = s.split_at_checked(4)
            && let Some(year) = parse_year(y)
            && let Some(n) = rest.strip_prefix("-H").or_else(|| rest.strip_prefix(['H', 'h']))
        {
            return match n.parse::<u32>() {
                Ok(h @ 1..=2) => Ok(Period::Half(year, h)),
                _ => Err(error()),
            };
        }
        if s.contains(['/', '.']) {
            let parts: Vec<&str> = s.split(['/', '.']).collect();
            return match parts.as_slice() {
                [y, m] => month_of(y, m).ok_or_else(error),
                [y, m, d] => day_of(y, m, d).ok_or_else(error),
                _ => Err(error()),
            };
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

fn month_of(y: &str, m: &str) -> Option<Period> {
    let year = parse_year(y)?;
    match m.parse::<u32>() {
        Ok(month @ 1..=12) if (1..=2).contains(&m.len()) => Some(Period::Month(year, month)),
        _ => None,
    }
}

fn day_of(y: &str, m: &str, d: &str) -> Option<Period> {
    let year = parse_year(y)?;
    let (month, day) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(year, month, day).map(Period::Day)
}

/// 1 to 4 as written in Chinese or in digits.
fn small_number(s: &str) -> Option<u32> {
    match s {
        "一" | "1" => Some(1),
        "二" | "2" => Some(2),
        "三" | "3" => Some(3),
        "四" | "4" => Some(4),
        _ => None,
    }
}

/// 2016年, 2016年度, 2016年末, 二〇一六年, 2016年3月, 2016年3月31日, 2016年第一季度, 2016年一季度,
/// 2016年上半年 / 下半年, 2016年1-6月 (the months a half, a quarter or the whole year spans).
fn chinese(s: &str) -> Option<Period> {
    let (y, rest) = s.split_once('年')?;
    let year = parse_year(y.trim()).or_else(|| chinese_year(y.trim()))?;
    let rest = rest.trim();
    match rest {
        // 年末 / 年底: a stock counted at the year's end is that year's figure.
        "" | "度" | "全年" | "末" | "底" | "度末" => return Some(Period::Year(year)),
        "上半年" => return Some(Period::Half(year, 1)),
        "下半年" => return Some(Period::Half(year, 2)),
        _ => {}
    }
    if let Some(quarter) = rest.strip_suffix("季度") {
        return small_number(quarter.strip_prefix('第').unwrap_or(quarter)).map(|q| Period::Quarter(year, q));
    }
    if let Some(months) = rest.strip_suffix("月份").or_else(|| rest.strip_suffix('月'))
        && let Some((first, last)) = months.split_once(['-', '—', '–', '~', '～', '至', '到'])
    {
        let (first, last) = (first.trim().parse::<u32>().ok()?, last.trim().parse::<u32>().ok()?);
        return months_spanned(year, first, last);
    }
    let (m, rest) = rest.split_once('月')?;
    let month = m.trim().parse::<u32>().ok().filter(|m| (1..=12).contains(m))?;
    match rest.trim() {
        "" | "份" => Some(Period::Month(year, month)),
        day => {
            let day = day.strip_suffix(['日', '号'])?.trim().parse().ok()?;
            NaiveDate::from_ymd_opt(year, month, day).map(Period::Day)
        }
    }
}

/// 二〇一六: a year written digit by digit in Chinese.
fn chinese_year(y: &str) -> Option<i32> {
    let digits: Option<String> = y
        .chars()
        .map(|c| "〇一二三四五六七八九".chars().position(|d| d == c).or_else(|| (c == '零').then_some(0)))
        .map(|d| d.and_then(|d| char::from_digit(d as u32, 10)))
        .collect();
    parse_year(&digits?)
}

/// 1—6月 → the first half, 1—12月 → the year, 4—6月 → the second quarter, 3—3月 → March; a span
/// that is none of them (1—9月) is no period.
fn months_spanned(year: i32, first: u32, last: u32) -> Option<Period> {
    match (first, last) {
        (1, 12) => Some(Period::Year(year)),
        (1, 6) => Some(Period::Half(year, 1)),
        (7, 12) => Some(Period::Half(year, 2)),
        (m, n) if m == n && (1..=12).contains(&m) => Some(Period::Month(year, m)),
        (m, n) if n == m + 2 && m % 3 == 1 && n <= 12 => Some(Period::Quarter(year, n / 3)),
        _ => None,
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Half(y, h) => write!(f, "{y}-H{h}"),
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
            ("2020-H1", date(2020, 6, 30)),
            // As Chinese offices write them.
            ("2016年", date(2016, 12, 31)),
            ("2016年度", date(2016, 12, 31)),
            ("2016年3月", date(2016, 3, 31)),
            ("2016年3月份", date(2016, 3, 31)),
            ("2016年3月15日", date(2016, 3, 15)),
            ("2016年第一季度", date(2016, 3, 31)),
            ("2016年三季度", date(2016, 9, 30)),
            ("2016年上半年", date(2016, 6, 30)),
            ("2016年下半年", date(2016, 12, 31)),
            ("2016Q1", date(2016, 3, 31)),
            ("2016H2", date(2016, 12, 31)),
            ("2016/3", date(2016, 3, 31)),
            ("2016.03", date(2016, 3, 31)),
            ("2016/3/15", date(2016, 3, 15)),
            ("2016年末", date(2016, 12, 31)),
            ("2016年底", date(2016, 12, 31)),
            ("二〇一六年", date(2016, 12, 31)),
            ("2016年1-6月", date(2016, 6, 30)),
            ("2016年1—12月", date(2016, 12, 31)),
            ("2016年7～12月", date(2016, 12, 31)),
            ("2016年4-6月", date(2016, 6, 30)),
            ("2016年5-5月", date(2016, 5, 31)),
        ];
        for (raw, end) in cases {
            let period: Period = raw.parse().unwrap();
            assert_eq!(period.end(), end, "{raw}");
        }
    }

    #[test]
    fn periods_round_trip_through_their_text() {
        for raw in ["2020", "2020-H2", "2020-Q3", "2020-07", "2020-07-31"] {
            assert_eq!(raw.parse::<Period>().unwrap().to_string(), raw);
        }
    }

    #[test]
    fn malformed_periods_are_rejected() {
        for raw in [
            "",
            "20",
            "2020-13",
            "2020-Q5",
            "2020-02-30",
            "二〇二〇",
            "2020-7",
            "2020年第五季度",
            "2020年13月",
            "2020年中",
            "2020/13",
            "2020.7.32",
            "2020/1/2/3",
            "2020Q",
            "2020H3",
            "年",
            "2020年2月30日",
            "2020年1-9月",
            "2020年2-4月",
            "2020年0-12月",
            "二〇二〇〇年",
        ] {
            assert!(raw.parse::<Period>().is_err(), "{raw:?} should be rejected");
        }
    }
}
