//! Row checks: every row is checked and every problem reported, each with its line, column, the
//! raw value and a reason a clerk understands.

use std::collections::HashMap;

use polars::prelude::*;

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

/// Finds the indicator a cell names: its slug, or its exact Chinese name.
fn find_indicator<'a>(reference: &'a Reference, raw: &str) -> Option<&'a IndicatorInfo> {
    let key = raw.trim();
    reference.indicators.iter().find(|i| i.slug == key || i.name == key)
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

pub fn validate_rows(table: &Table, reference: &Reference) -> (Vec<ValidRow>, Vec<RowError>) {
    let mut errors = Vec::new();
    let (indicators, periods, values) = (table.column("indicator"), table.column("period"), table.column("value"));
    let (regions, notes, sources) = (table.column("region"), table.column("note"), table.column("source"));

    // First pass: everything but the numeric cast, which polars does for the whole column.
    /// A row after its cells are read on their own; `None` where a cell was wrong (and reported).
    struct Pending<'a> {
        row: usize,
        indicator: Option<&'a IndicatorInfo>,
        region: Option<String>,
        period: Option<Period>,
        /// `Some(None)`: a number still to be cast; `Some(Some(v))`: a milestone word.
        value: Option<Option<f64>>,
    }
    let mut pending: Vec<Pending> = Vec::with_capacity(table.len());
    let mut number_texts: Vec<Option<String>> = vec![None; table.len()];
    for (row, number_text) in number_texts.iter_mut().enumerate() {
        let line = table.lines[row];
        let mut error = |column: &str, value: Option<&str>, reason: String| {
            errors.push(RowError { line, column: Some(column.to_owned()), value: value.map(str::to_owned), reason })
        };
        let raw_indicator = cell(indicators, row);
        let indicator = match raw_indicator {
            None => {
                error("indicator", None, "empty: name the indicator by its slug or Chinese name".to_owned());
                None
            }
            Some(raw) => {
                let found = find_indicator(reference, raw);
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
        let period = match cell(periods, row) {
            None => {
                error("period", None, "empty: write 2020, 2020-Q3, 2020-07 or 2020-07-31".to_owned());
                None
            }
            Some(raw) => match to_half_width(raw).parse::<Period>() {
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
        let region = match cell(regions, row) {
            None => Some(reference.regions.default.clone()),
            Some(raw) if reference.regions.contains(raw) => Some(raw.to_owned()),
            Some(raw) => {
                error(
                    "region",
                    Some(raw),
                    format!("unknown region: use {} or a district such as 浦东新区", reference.regions.default),
                );
                None
            }
        };
        let value = match cell(values, row) {
            None => {
                error("value", None, "empty value".to_owned());
                None
            }
            Some(raw) => match normalise_value(raw, indicator) {
                Ok(ValueText::Done(v)) => Some(Some(v)),
                Ok(ValueText::Number(text)) => {
                    *number_text = Some(text);
                    Some(None)
                }
                Err(reason) => {
                    error("value", Some(raw), reason);
                    None
                }
            },
        };
        pending.push(Pending { row, indicator, region, period, value });
    }

    // The numeric cast: non-strict, so a bad cell becomes null and is reported by its row.
    let parsed = Series::new("value".into(), number_texts).cast(&DataType::Float64);
    let parsed = match parsed.as_ref().map(|s| s.f64()) {
        Ok(Ok(floats)) => floats.clone(),
        _ => {
            errors.push(RowError::file("the value column cannot be read as numbers"));
            return (Vec::new(), errors);
        }
    };

    struct Valid<'a> {
        row: usize,
        indicator: &'a IndicatorInfo,
        region: String,
        period: Period,
    }
    let mut rows = Vec::with_capacity(pending.len());
    let mut seen: HashMap<(i64, String, Period), usize> = HashMap::new();
    for p in pending {
        let line = table.lines[p.row];
        let raw_value = cell(values, p.row).map(str::to_owned);
        let mut error = |column: &str, reason: String| {
            errors.push(RowError { line, column: Some(column.to_owned()), value: raw_value.clone(), reason })
        };
        let Some(cell_value) = p.value else { continue };
        let value = match cell_value.or_else(|| parsed.get(p.row)) {
            None => {
                error("value", "not a number".to_owned());
                continue;
            }
            Some(v) if v.is_nan() => {
                error("value", "NaN is not a measured value".to_owned());
                continue;
            }
            Some(v) if v.is_infinite() => {
                error("value", "infinite values are not measured values".to_owned());
                continue;
            }
            Some(v) if v < 0.0 && p.indicator.is_some_and(|i| !i.can_be_negative) => {
                let name = p.indicator.map_or("", |i| i.name.as_str());
                error("value", format!("negative, but {name} cannot be negative"));
                continue;
            }
            Some(v) if p.indicator.is_some_and(|i| i.is_milestone) && v > 100.0 => {
                error("value", "a milestone is measured in percent complete: 0 to 100 (or 完成 / 未完成)".to_owned());
                continue;
            }
            Some(v) => v,
        };
        let (Some(indicator), Some(region), Some(period)) = (p.indicator, p.region, p.period) else { continue };
        let p = Valid { row: p.row, indicator, region, period };
        let key = (p.indicator.id, p.region.clone(), p.period);
        if let Some(first) = seen.get(&key) {
            errors.push(RowError {
                line,
                column: Some("period".to_owned()),
                value: Some(p.period.to_string()),
                reason: format!(
                    "duplicate: line {first} already gives {} for {} in {}",
                    p.indicator.slug, p.period, p.region
                ),
            });
            continue;
        }
        seen.insert(key, line);
        rows.push(ValidRow {
            line,
            indicator_id: p.indicator.id,
            region: p.region,
            period: p.period,
            value,
            note: cell(notes, p.row).map(str::to_owned),
            source: cell(sources, p.row).map(str::to_owned),
        });
    }
    errors.sort_by_key(|e| e.line);
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
}
