//! Row checks: every row is checked and every problem reported, each with its line, column, the
//! raw value and a reason a clerk understands.

use std::collections::HashMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::parse::Table;
use super::{IndicatorInfo, Reference, RowError, ValidRow, Why, why};
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
fn strip_thousands_separators(number: &str) -> Result<String, Why> {
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
        Err(why("a comma here is ambiguous: write 1234.5 or 1,234.5", "此处的逗号含义不明：请写 1234.5 或 1,234.5"))
    }
}

/// What a value cell says before it is a number: text for the numeric cast, or a milestone word.
enum ValueText {
    Number(String),
    Done(f64),
}

fn normalise_value(raw: &str, indicator: Option<&IndicatorInfo>) -> Result<ValueText, Why> {
    let text = to_half_width(raw).trim().to_owned();
    if text.is_empty() {
        return Err(empty_value());
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
        Some(_) => return Err(why("a % sign fits only an indicator measured in %", "只有以 % 计量的指标才能带 % 号")),
        None => text,
    };
    strip_thousands_separators(&number).map(ValueText::Number)
}

fn empty_value() -> Why {
    why("empty value", "数值为空")
}

/// A period cell that is not a period, with the forms that are.
fn period_forms(en: &str, zh: &str) -> Why {
    why(
        format!("{en}: write 2020, 2020-Q3, 2020-07 or 2020-07-31"),
        format!("{zh}：请写成 2020、2020-Q3、2020-07 或 2020-07-31"),
    )
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
        return (Vec::new(), vec![RowError::file(why("the value column cannot be read", "数值列无法读取"))]);
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
                let (first, period, region) = (first.get(), row.period, row.region);
                errors.push(RowError::at(
                    row.line,
                    Some("period"),
                    Some(&period.to_string()),
                    why(
                        format!("duplicate: line {first} already gives {slug} for {period} in {region}"),
                        format!("重复：第 {first} 行已给出 {slug} 在{region} {period} 的数值"),
                    ),
                ));
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
        let mut error =
            |column: &str, value: Option<&str>, why: Why| errors.push(RowError::at(line, Some(column), value, why));
        let indicator = match cell(columns.indicators, row) {
            None => {
                error(
                    "indicator",
                    None,
                    why(
                        "empty: name the indicator by its slug or Chinese name",
                        "为空：请填写指标的代码（slug）或中文名称",
                    ),
                );
                None
            }
            Some(raw) => {
                let found = lookup.by_name.get(raw).copied();
                if found.is_none() {
                    let hint = suggestions(reference, raw);
                    let reason = if hint.is_empty() {
                        why(
                            "unknown indicator (see /api/v1/indicators for the list)",
                            "未知的指标（指标清单见 /api/v1/indicators）",
                        )
                    } else {
                        let hint = hint.join(" / ");
                        why(format!("unknown indicator; did you mean {hint}?"), format!("未知的指标；是否是 {hint}？"))
                    };
                    error("indicator", Some(raw), reason);
                }
                found
            }
        };
        let period = match cell(columns.periods, row) {
            None => {
                error("period", None, period_forms("empty", "为空"));
                None
            }
            Some(raw) => match parse_period(raw) {
                Ok(p) if p.start() > reference.today => {
                    let today = reference.today;
                    error(
                        "period",
                        Some(raw),
                        why(
                            format!("{p} has not begun yet (today is {today})"),
                            format!("{p} 尚未开始（今天是 {today}）"),
                        ),
                    );
                    None
                }
                Ok(p) => Some(p),
                Err(_) => {
                    error(
                        "period",
                        Some(raw),
                        period_forms(&format!("`{raw}` is not a period"), &format!("“{raw}”不是期间")),
                    );
                    None
                }
            },
        };
        let region = match cell(columns.regions, row) {
            None => Some(reference.regions.default.as_str()),
            Some(raw) => {
                let found = lookup.places.get(raw).copied();
                if found.is_none() {
                    let default = &reference.regions.default;
                    let reason = why(
                        format!("unknown region: use {default} or a district such as 浦东新区"),
                        format!("未知的地区：请填写“{default}”或区名，如“浦东新区”"),
                    );
                    error("region", Some(raw), reason);
                }
                found
            }
        };
        let raw_value = cell(columns.values, row);
        let value = match (columns.cast.get(row), raw_value) {
            (_, None) => Err(empty_value()),
            // A number polars read; a % sign or a word never gets here.
            (Some(v), Some(_)) => Ok(v),
            (None, Some(raw)) => match normalise_value(raw, indicator) {
                Ok(ValueText::Done(v)) => Ok(v),
                Ok(ValueText::Number(text)) => text.parse::<f64>().map_err(|_| why("not a number", "不是数字")),
                Err(reason) => Err(reason),
            },
        };
        let value = value.and_then(|v| match indicator {
            _ if v.is_nan() => Err(why("NaN is not a measured value", "NaN 不是测得的数值")),
            _ if v.is_infinite() => Err(why("infinite values are not measured values", "无穷大不是测得的数值")),
            Some(i) if v < 0.0 && !i.can_be_negative => Err(why(
                format!("negative, but {} cannot be negative", i.name),
                format!("为负数，但{}不能为负", i.name),
            )),
            Some(i) if i.is_milestone && v > 100.0 => Err(why(
                "a milestone is measured in percent complete: 0 to 100 (or 完成 / 未完成)",
                "里程碑以完成百分比计：0 到 100（或填“完成”/“未完成”）",
            )),
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

    #[test]
    fn every_problem_is_explained_in_chinese_too() {
        let reference = Reference {
            indicators: vec![IndicatorInfo::test("ftth", "%", false), IndicatorInfo::test("haoban", "%", true)],
            regions: crate::catalog::Regions {
                default: "全市".to_owned(), districts: vec!["浦东新区".to_owned()]
            },
            today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        };
        let csv = "indicator,period,value,region\n\
                   ,2020,1,\nnope,2020,1,\nftth,20x0,1,\nftth,2030,1,\nftth,2019,1,火星\nftth,2018,abc,\n\
                   ftth,2017,-1,\nftth,2016,NaN,\nhaoban,2020,150,\nftth,2015,\"1,23\",\nftth,2014,5,\nftth,2014,6,\n";
        let table = super::super::parse::read_table(csv).unwrap();
        let (_, errors) = validate_rows(&table, &reference);
        assert_eq!(errors.len(), 11, "{errors:#?}");
        for e in &errors {
            assert!(e.reason_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{e:?}");
            assert_eq!(e.reason_in(true), e.reason_zh);
            assert_eq!(e.reason_in(false), e.reason);
        }
    }
}
