//! Row checks: every row is checked and every problem reported, each with its line, column, the
//! raw value and a reason a clerk understands.

use std::collections::HashMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::parse::Table;
use super::{IndicatorInfo, Reference, RowError, ValidRow};
use crate::domain::Period;

/// Full-width forms that Chinese input methods produce, mapped to ASCII.
fn to_half_width(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '，' => ',',
            '－' | '−' | '—' => '-',
            '＋' => '+',
            '％' => '%',
            'Ｑ' | 'ｑ' => 'Q',
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

/// `12,345.6` → `12345.6`; a comma anywhere else is ambiguous (a decimal comma?) and refused.
fn strip_thousands_separators(number: &str) -> Result<String, String> {
    if !number.contains(',') {
        return Ok(number.to_owned());
    }
    let unsigned = number.trim_start_matches(['+', '-']);
    let integer = unsigned.split('.').next().unwrap_or("");
    let groups: Vec<&str> = integer.split(',').collect();
    let well_formed = groups[0].len() <= 3
        && !groups[0].is_empty()
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if well_formed {
        Ok(number.replace(',', ""))
    } else {
        Err("a comma here is ambiguous: write 1234.5 or 1,234.5".to_owned())
    }
}

/// What a value cell says before it is a number: text for the numeric cast, or a milestone word.
enum ValueText {
    Number(String),
    Done(f64),
}

fn normalise_value(raw: &str, indicator: Option<&IndicatorInfo>) -> Result<ValueText, String> {
    let text = to_half_width(raw).trim().to_owned();
    if text.is_empty() {
        return Err("empty value".to_owned());
    }
    if indicator.is_some_and(|i| i.is_milestone) {
        match text.to_lowercase().as_str() {
            "done" | "完成" | "已完成" => return Ok(ValueText::Done(100.0)),
            "not done" | "未完成" => return Ok(ValueText::Done(0.0)),
            _ => {}
        }
    }
    let number = match text.strip_suffix('%') {
        Some(rest) if indicator.is_none_or(|i| i.unit == "%") => rest.trim().to_owned(),
        Some(_) => return Err("a % sign fits only an indicator measured in %".to_owned()),
        None => text,
    };
    strip_thousands_separators(&number).map(ValueText::Number)
}

/// The three closest slugs or names, for "did you mean".
fn suggestions(reference: &Reference, raw: &str) -> Vec<String> {
    let key = raw.trim().to_lowercase();
    let mut scored: Vec<(f64, &str)> = reference
        .indicators
        .iter()
        .flat_map(|i| [i.slug.as_str(), i.name.as_str()])
        .map(|candidate| (strsim::normalized_levenshtein(&key, &candidate.to_lowercase()), candidate))
        .filter(|(score, _)| *score > 0.3)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, c)| c.to_owned()).collect()
}

fn cell(column: Option<&StringChunked>, row: usize) -> Option<&str> {
    column.and_then(|c| c.get(row)).map(str::trim).filter(|s| !s.is_empty())
}

fn parse_period(raw: &str) -> Result<Period, crate::domain::PeriodError> {
    if raw.is_ascii() { raw.parse() } else { to_half_width(raw).parse() }
}

/// Hash maps keyed by short strings and small tuples: a fast hasher (no untrusted-key attack
/// matters for one upload's own lookups), so a million rows cost milliseconds, not seconds.
pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What rows are checked against: names to indicators, names to regions.
struct Lookup<'r> {
    reference: &'r Reference,
    by_name: FastMap<&'r str, &'r IndicatorInfo>,
    places: FastMap<&'r str, &'r str>,
}

impl<'r> Lookup<'r> {
    fn new(reference: &'r Reference) -> Lookup<'r> {
        // An indicator is named by its slug or its exact Chinese name.
        let mut by_name = FastMap::with_capacity_and_hasher(reference.indicators.len() * 2, Default::default());
        for i in &reference.indicators {
            by_name.insert(i.name.as_str(), i);
        }
        for i in &reference.indicators {
            by_name.insert(i.slug.as_str(), i);
        }
        let places = std::iter::once(&reference.regions.default)
            .chain(&reference.regions.districts)
            .map(|r| (r.as_str(), r.as_str()))
            .collect();
        Lookup { reference, by_name, places }
    }
}

/// The columns of the file, as polars read them.
struct Columns<'t> {
    indicators: Option<&'t StringChunked>,
    periods: Option<&'t StringChunked>,
    values: Option<&'t StringChunked>,
    regions: Option<&'t StringChunked>,
    notes: Option<&'t StringChunked>,
    sources: Option<&'t StringChunked>,
    /// The value column cast to numbers; `None` where polars could not read one.
    cast: &'t Float64Chunked,
    lines: &'t [usize],
}

/// Checks every row. The value column is cast by polars, non-strictly: plain numbers come out
/// as numbers, and only the cells it could not read (full-width digits, `1,234`, `70%`, 完成 …)
/// are looked at one by one, then reported if they still are not numbers. The rows are checked
/// in parallel slices, then duplicates are found over the whole file.
pub fn validate_rows<'r>(table: &Table, reference: &'r Reference) -> (Vec<ValidRow<'r>>, Vec<RowError>) {
    let lookup = Lookup::new(reference);
    let cast = table.frame.column("value").and_then(|c| c.cast(&DataType::Float64));
    let Ok(Ok(cast)) = cast.as_ref().map(|c| c.f64()) else {
        return (Vec::new(), vec![RowError::file("the value column cannot be read")]);
    };
    let columns = Columns {
        indicators: table.column("indicator"),
        periods: table.column("period"),
        values: table.column("value"),
        regions: table.column("region"),
        notes: table.column("note"),
        sources: table.column("source"),
        cast,
        lines: &table.lines,
    };
    let total = table.len();
    let slice = total.div_ceil(rayon::current_num_threads().max(1)).max(20_000);
    let starts: Vec<usize> = (0..total).step_by(slice).collect();
    let parts: Vec<(Vec<ValidRow>, Vec<RowError>)> =
        starts.into_par_iter().map(|start| check_rows(&columns, &lookup, start..(start + slice).min(total))).collect();
    let mut rows = Vec::with_capacity(total);
    let mut errors = Vec::new();
    for (part_rows, part_errors) in parts {
        rows.extend(part_rows);
        errors.extend(part_errors);
    }
    remove_duplicates(&mut rows, &mut errors, reference);
    errors.sort_by_key(|e| e.line);
    (rows, errors)
}

/// The second and later rows for one (indicator, region, period) are errors, each naming the first.
fn remove_duplicates(rows: &mut Vec<ValidRow>, errors: &mut Vec<RowError>, reference: &Reference) {
    let mut seen: FastMap<(i64, &str, Period), usize> =
        FastMap::with_capacity_and_hasher(rows.len(), Default::default());
    let slugs: FastMap<i64, &str> = reference.indicators.iter().map(|i| (i.id, i.slug.as_str())).collect();
    let mut duplicate = vec![false; rows.len()];
    for (index, row) in rows.iter().enumerate() {
        match seen.entry((row.indicator_id, row.region, row.period)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(row.line);
            }
            std::collections::hash_map::Entry::Occupied(first) => {
                let slug = slugs.get(&row.indicator_id).copied().unwrap_or_default();
                errors.push(RowError {
                    line: row.line,
                    column: Some("period".to_owned()),
                    value: Some(row.period.to_string()),
                    reason: format!(
                        "duplicate: line {} already gives {slug} for {} in {}",
                        first.get(),
                        row.period,
                        row.region
                    ),
                });
                duplicate[index] = true;
            }
        }
    }
    if duplicate.iter().any(|d| *d) {
        let mut index = 0;
        rows.retain(|_| {
            index += 1;
            !duplicate[index - 1]
        });
    }
}

fn check_rows<'r>(
    columns: &Columns,
    lookup: &Lookup<'r>,
    range: std::ops::Range<usize>,
) -> (Vec<ValidRow<'r>>, Vec<RowError>) {
    let reference = lookup.reference;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(range.len());
    for row in range {
        let line = columns.lines[row];
        let mut error = |column: &str, value: Option<&str>, reason: String| {
            errors.push(RowError { line, column: Some(column.to_owned()), value: value.map(str::to_owned), reason })
        };
        let indicator = match cell(columns.indicators, row) {
            None => {
                error("indicator", None, "empty: name the indicator by its slug or Chinese name".to_owned());
                None
            }
            Some(raw) => {
                let found = lookup.by_name.get(raw).copied();
                if found.is_none() {
                    let hint = suggestions(reference, raw);
                    let reason = if hint.is_empty() {
                        "unknown indicator (see /api/v1/indicators for the list)".to_owned()
                    } else {
                        format!("unknown indicator; did you mean {}?", hint.join(" / "))
                    };
                    error("indicator", Some(raw), reason);
                }
                found
            }
        };
        let period = match cell(columns.periods, row) {
            None => {
                error("period", None, "empty: write 2020, 2020-Q3, 2020-07 or 2020-07-31".to_owned());
                None
            }
            Some(raw) => match parse_period(raw) {
                Ok(p) if p.start() > reference.today => {
                    error("period", Some(raw), format!("{p} has not begun yet (today is {})", reference.today));
                    None
                }
                Ok(p) => Some(p),
                Err(e) => {
                    error("period", Some(raw), e.to_string());
                    None
                }
            },
        };
        let region = match cell(columns.regions, row) {
            None => Some(reference.regions.default.as_str()),
            Some(raw) => {
                let found = lookup.places.get(raw).copied();
                if found.is_none() {
                    let reason =
                        format!("unknown region: use {} or a district such as 浦东新区", reference.regions.default);
                    error("region", Some(raw), reason);
                }
                found
            }
        };
        let raw_value = cell(columns.values, row);
        let value = match (columns.cast.get(row), raw_value) {
            (_, None) => Err("empty value".to_owned()),
            // A number polars read; a % sign or a word never gets here.
            (Some(v), Some(_)) => Ok(v),
            (None, Some(raw)) => match normalise_value(raw, indicator) {
                Ok(ValueText::Done(v)) => Ok(v),
                Ok(ValueText::Number(text)) => text.parse::<f64>().map_err(|_| "not a number".to_owned()),
                Err(reason) => Err(reason),
            },
        };
        let value = value.and_then(|v| match indicator {
            _ if v.is_nan() => Err("NaN is not a measured value".to_owned()),
            _ if v.is_infinite() => Err("infinite values are not measured values".to_owned()),
            Some(i) if v < 0.0 && !i.can_be_negative => Err(format!("negative, but {} cannot be negative", i.name)),
            Some(i) if i.is_milestone && v > 100.0 => {
                Err("a milestone is measured in percent complete: 0 to 100 (or 完成 / 未完成)".to_owned())
            }
            _ => Ok(v),
        });
        let value = match value {
            Ok(v) => Some(v),
            Err(reason) => {
                error("value", raw_value, reason);
                None
            }
        };
        if let (Some(indicator), Some(period), Some(region), Some(value)) = (indicator, period, region, value) {
            rows.push(ValidRow {
                line,
                indicator_id: indicator.id,
                region,
                period,
                value,
                note: cell(columns.notes, row).map(str::to_owned),
                source: cell(columns.sources, row).map(str::to_owned),
            });
        }
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_the_way_clerks_write_them() {
        let percent = IndicatorInfo::test("ftth", "%", false);
        let count = IndicatorInfo::test("open-data-sets", "项", false);
        let cases = [
            ("１２３４．５", &count, "1234.5"),
            ("1,234,567", &count, "1234567"),
            ("70%", &percent, "70"),
            ("７０％", &percent, "70"),
        ];
        for (raw, indicator, expected) in cases {
            match normalise_value(raw, Some(indicator)) {
                Ok(ValueText::Number(text)) => assert_eq!(text, expected, "{raw}"),
                _ => panic!("{raw} should read as {expected}"),
            }
        }
        assert!(normalise_value("70%", Some(&count)).is_err());
        assert!(normalise_value("1,23", Some(&count)).is_err());
        assert!(normalise_value("12,3456", Some(&count)).is_err());
    }

    #[test]
    fn a_duplicate_far_from_its_first_row_is_found_across_parallel_slices() {
        let reference = Reference {
            indicators: vec![IndicatorInfo::test("ftth", "%", false)],
            regions: crate::catalog::Regions {
                default: "全市".to_owned(), districts: vec!["浦东新区".to_owned()]
            },
            today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        };
        let mut csv = String::from("indicator,period,value,region\n");
        for day in 0..40_000 {
            let date = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(day);
            csv.push_str(&format!("ftth,{date},1,全市\n"));
        }
        csv.push_str("ftth,1900-01-01,2,全市\nftth,1900-01-01,3,浦东新区\n");
        let table = super::super::parse::read_table(&csv).unwrap();
        let (rows, errors) = validate_rows(&table, &reference);
        assert_eq!(rows.len(), 40_001, "the district's row is not a duplicate");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 40_002);
        assert!(errors[0].reason.contains("line 2 already gives ftth for 1900-01-01 in 全市"), "{}", errors[0].reason);
    }
}
