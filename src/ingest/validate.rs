//! Row checks: every row is checked and every problem counted, each with its line, column, the
//! raw value and a reason a clerk understands. Work is bounded: suggestions are computed for the
//! first few unknown names only, and the check stops when its budget says so.

use std::collections::HashMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::parse::Table;
use super::{IndicatorInfo, ProblemLog, Reference, RowError, ValidRow, Why, clip, why};
use chrono::Datelike;

use crate::domain::{Budget, Period, Stopped};

/// The longest text a cell may hold. Notes and sources are a sentence or a file:line, and a
/// 10 MB note would make its target page 10 MB.
pub const MAX_CELL_BYTES: usize = 4096;
/// "Did you mean" is worked out for this many distinct unknown indicator names; each costs a
/// comparison with every indicator.
const SUGGESTED_NAMES: usize = 20;
/// Rows checked between looks at the budget.
const ROWS_PER_CHECK: usize = 4096;

/// The largest magnitude a figure takes, in its indicator's unit.
pub const MAX_MAGNITUDE: f64 = 1e15;

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
    // Thousands separators stand before the decimal point only: `1.000,5` is European writing.
    if unsigned.split_once('.').is_some_and(|(_, decimals)| decimals.contains(',')) {
        return Err(why(
            "value_invalid",
            "a comma after the decimal point is ambiguous (1.000,5?): write 1000.5",
            "小数点后的逗号含义不明（1.000,5？）：请写成 1000.5",
        ));
    }
    let integer = unsigned.split('.').next().unwrap_or("");
    let groups: Vec<&str> = integer.split(',').collect();
    let well_formed = groups[0].len() <= 3
        && !groups[0].is_empty()
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if well_formed {
        Ok(number.replace(',', ""))
    } else {
        Err(why(
            "value_invalid",
            "a comma here is ambiguous: write 1234.5 or 1,234.5",
            "此处的逗号含义不明：请写 1234.5 或 1,234.5",
        ))
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
        Some(_) => {
            return Err(why(
                "value_unit",
                "a % sign fits only an indicator measured in %",
                "只有以 % 计量的指标才能带 % 号",
            ));
        }
        None => text,
    };
    if let Some(unit) = unit_written_after(&number) {
        let (shown, unit) = (clip(&number), clip(unit));
        return Err(why(
            "value_with_unit",
            format!(
                "`{shown}` holds the unit `{unit}`: write the number alone here, and the unit in the 单位 (unit) column"
            ),
            format!("“{shown}”带了单位“{unit}”：数值列只写数字，单位请写在“单位”列"),
        ));
    }
    strip_thousands_separators(&number).map(ValueText::Number)
}

/// The words after a number written with its unit (`1000亿元`, `1,234 家`, `1.2万`): the unit.
fn unit_written_after(text: &str) -> Option<&str> {
    let number_end = text.find(|c: char| !(c.is_ascii_digit() || "+-.,".contains(c)))?;
    let (number, rest) = text.split_at(number_end);
    let unit = rest.trim();
    let starts_with_digit = number.trim_start_matches(['+', '-']).starts_with(|c: char| c.is_ascii_digit());
    (starts_with_digit && !unit.is_empty() && !unit.contains(|c: char| c.is_ascii_digit())).then_some(unit)
}

/// The rows whose value cell is empty: passed over by [`validate_rows`].
pub fn unfilled_rows(table: &Table) -> usize {
    let values = table.column("value");
    (0..table.len()).filter(|&row| value_cell(values, row).is_none()).count()
}

/// A value cell, `None` when it is empty or says there is no figure: a clerk marks a figure not
/// to hand with 无, 暂无, a dash or a slash rather than leaving the cell blank.
fn value_cell(column: Option<&StringChunked>, row: usize) -> Option<&str> {
    cell(column, row).filter(|text| !says_no_figure(text))
}

fn says_no_figure(text: &str) -> bool {
    matches!(
        text,
        "-" | "--"
            | "—"
            | "——"
            | "－"
            | "/"
            | "／"
            | "\\"
            | "无"
            | "暂无"
            | "无数据"
            | "暂无数据"
            | "空"
            | "缺"
            | "n/a"
            | "N/A"
            | "NA"
    )
}

fn empty_value() -> Why {
    why(
        "value_empty",
        "empty value: fill it in, or delete the row if the figure is not known yet",
        "数值为空：请填写；尚无数据的行请删除",
    )
}

/// A number that was written with significant digits but reads as zero (`1e-400`): too small to
/// store, not zero.
fn underflows(text: &str, value: f64) -> bool {
    value == 0.0
        && text.split(['e', 'E']).next().is_some_and(|mantissa| mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)))
}

/// A period cell that is not a period, with the forms that are.
fn period_forms(code: &'static str, en: &str, zh: &str) -> Why {
    why(
        code,
        format!(
            "{en}: write 2020 (2020年), 2020-Q3 (2020年第三季度), 2020-H1 (2020年上半年), 2020-07 (2020年7月, 2020/7) or 2020-07-31"
        ),
        format!(
            "{zh}：请写成 2020（2020年、2020年度）、2020-Q3（2020年第三季度、2020Q3）、2020-H1（2020年上半年）、2020-07（2020年7月、2020/7、2020.07）或 2020-07-31"
        ),
    )
}

/// The longest name given a "did you mean": longer than any indicator's or target's name by far,
/// it is no misspelling of one, and comparing it with each costs its length times theirs.
const MAX_SUGGESTED_CHARS: usize = 120;

/// The three closest slugs or names, for "did you mean".
fn suggestions(reference: &Reference, raw: &str) -> Vec<String> {
    let key = raw.trim().to_lowercase();
    let mut scored: Vec<(f64, &str)> = reference
        .indicators
        .iter()
        .flat_map(|i| [i.slug.as_str(), i.name.as_str()])
        .chain(reference.target_names.iter().map(|(name, _)| name.as_str()))
        .map(|candidate| (strsim::normalized_levenshtein(&key, &candidate.to_lowercase()), candidate))
        .filter(|(score, _)| *score > 0.3)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    // A target is often named as its indicator: each name suggested once.
    let mut seen = std::collections::HashSet::new();
    scored.into_iter().filter(|(_, c)| seen.insert(*c)).take(3).map(|(_, c)| c.to_owned()).collect()
}

fn cell(column: Option<&StringChunked>, row: usize) -> Option<&str> {
    column.and_then(|c| c.get(row)).map(str::trim).filter(|s| !s.is_empty())
}

/// A cell's text may not hold control characters (tabs and line breaks aside: a quoted value may
/// span lines) and may not be longer than [`MAX_CELL_BYTES`].
fn check_text(raw: &str) -> Result<(), Why> {
    if raw.len() > MAX_CELL_BYTES {
        return Err(why(
            "cell_too_long",
            format!("{} bytes: a cell holds at most {MAX_CELL_BYTES} bytes", raw.len()),
            format!("{} 字节：一个单元格最多 {MAX_CELL_BYTES} 字节", raw.len()),
        ));
    }
    if let Some(c) = raw.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err(why(
            "control_character",
            format!("contains the control character U+{:04X}: remove it", c as u32),
            format!("含有控制字符 U+{:04X}：请删除", c as u32),
        ));
    }
    // A note or source is shown on the public pages: a mark that reverses how the text reads
    // (U+202E) would make "…exe.pdf" of "…fdp.exe" there.
    if let Some(c) = raw.chars().find(|&c| crate::domain::changes_direction(c)) {
        return Err(why(
            "direction_character",
            format!("contains U+{:04X}, which changes the direction the text reads in: remove it", c as u32),
            format!("含有改变文字书写方向的字符 U+{:04X}：请删除", c as u32),
        ));
    }
    Ok(())
}

pub(super) fn parse_period(raw: &str) -> Result<Period, crate::domain::PeriodError> {
    if raw.is_ascii() {
        return raw.parse();
    }
    // 2023年（基期）, as the department page and a plan's table mark the base year: the mark says
    // what the figure is for, the period is the year.
    let unmarked = ["（基期）", "(基期)", "（基年）", "(基年)", "基期"]
        .iter()
        .find_map(|mark| raw.trim_end().strip_suffix(mark))
        .filter(|rest| !rest.trim().is_empty())
        .unwrap_or(raw);
    to_half_width(unmarked).parse()
}

/// Hash maps keyed by short strings and small tuples: a fast hasher (no untrusted-key attack
/// matters for one upload's own lookups), so a million rows cost milliseconds, not seconds.
pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What rows are checked against: names to indicators, names to regions, and the suggestions for
/// the unknown names of this file.
struct Lookup<'r> {
    reference: &'r Reference,
    by_name: FastMap<&'r str, &'r IndicatorInfo>,
    places: FastMap<&'r str, &'r str>,
    /// Names as clerks also type them: brackets full-width or not, a line break inside the cell.
    loose_names: FastMap<String, &'r IndicatorInfo>,
    suggested: FastMap<String, Vec<String>>,
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
        // A target's name, as the plan pages show it, where no indicator goes by that name.
        let by_id: FastMap<i64, &IndicatorInfo> = reference.indicators.iter().map(|i| (i.id, i)).collect();
        for (name, id) in &reference.target_names {
            if let Some(i) = by_id.get(id) {
                by_name.entry(name.as_str()).or_insert(i);
            }
        }
        let mut places: FastMap<&'r str, &'r str> = std::iter::once(&reference.regions.default)
            .chain(&reference.regions.districts)
            .map(|r| (r.as_str(), r.as_str()))
            .collect();
        // 浦东 for 浦东新区, 黄浦 for 黄浦区: a district by its name without 区, where that is one only.
        for district in &reference.regions.districts {
            let short = district.strip_suffix("新区").or_else(|| district.strip_suffix('区')).unwrap_or(district);
            let alike = reference.regions.districts.iter().filter(|d| d.starts_with(short)).count();
            if !short.is_empty() && alike == 1 {
                places.entry(short).or_insert(district.as_str());
            }
        }
        let mut loose_names: FastMap<String, &IndicatorInfo> =
            by_name.iter().map(|(name, i)| (loosely(name), *i)).collect();
        for (name, i) in bracketed_names(&reference.indicators) {
            loose_names.entry(name).or_insert(i);
        }
        Lookup { reference, by_name, places, loose_names, suggested: FastMap::default() }
    }

    /// The indicator a cell names: by its exact name or slug, else as loosely written.
    fn indicator(&self, raw: &str) -> Option<&'r IndicatorInfo> {
        self.by_name.get(raw).copied().or_else(|| self.loose_names.get(&loosely(raw)).copied())
    }

    /// Works out "did you mean" for the first [`SUGGESTED_NAMES`] distinct unknown names.
    fn suggest_for(&mut self, indicators: Option<&StringChunked>, budget: &Budget) -> Result<(), Stopped> {
        let Some(column) = indicators else { return Ok(()) };
        for (row, raw) in column.iter().enumerate() {
            if row % ROWS_PER_CHECK == 0 {
                budget.check()?;
            }
            let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { continue };
            if raw.len() > MAX_CELL_BYTES || self.suggested.contains_key(raw) || self.indicator(raw).is_some() {
                continue;
            }
            // Each suggestion compares the name with every known one: looked at the budget first.
            budget.check()?;
            let hint =
                if raw.chars().count() <= MAX_SUGGESTED_CHARS { suggestions(self.reference, raw) } else { Vec::new() };
            self.suggested.insert(raw.to_owned(), hint);
            if self.suggested.len() >= SUGGESTED_NAMES {
                break;
            }
        }
        Ok(())
    }

    fn unknown_indicator(&self, raw: &str) -> Why {
        match self.suggested.get(raw).filter(|hint| !hint.is_empty()) {
            Some(hint) => {
                let hint = hint.join(" / ");
                why(
                    "indicator_unknown",
                    format!("unknown indicator; did you mean {hint}?"),
                    format!("未知的指标；是否是 {hint}？"),
                )
            }
            // A 合计 row under the figures: no indicator of its own. Totals of regions are made by
            // the indicators that say how; a row of them is only to be deleted.
            None if is_total_row(raw) => why(
                "total_row",
                "a total row is not a figure: delete it, and give the city's figure on a row of its own with the region 全市",
                "合计行不是一项指标的数据：请删除此行；全市的数值请另起一行填写，“地区”填“全市”",
            ),
            None => why(
                "indicator_unknown",
                "unknown indicator: use the indicator names of the department's template (its page under /departments), or /api/v1/indicators",
                "未知的指标：请使用本单位报送模板中的指标名称（模板见“责任单位”页面中本单位的页面）",
            ),
        }
    }
}

/// 煤炭消费量（煤炭消费总量）: a name that gives another in brackets also goes by the part
/// before them and by the one inside, where no other indicator does (two named …（累计） share
/// 累计: it names neither), loosely written.
fn bracketed_names(indicators: &[IndicatorInfo]) -> Vec<(String, &IndicatorInfo)> {
    let mut names: FastMap<String, Option<&IndicatorInfo>> = FastMap::default();
    for i in indicators {
        let name = loosely(&i.name);
        let Some(open) = name.strip_suffix(')').and_then(|n| n.rfind('(')) else { continue };
        let (before, inside) = (&name[..open], &name[open + 1..name.len() - 1]);
        for part in [before, inside].into_iter().filter(|p| p.chars().count() >= 2) {
            names
                .entry(part.to_owned())
                .and_modify(|owner| {
                    if owner.is_some_and(|o| o.id != i.id) {
                        *owner = None;
                    }
                })
                .or_insert(Some(i));
        }
    }
    names.into_iter().filter_map(|(name, i)| Some((name, i?))).collect()
}

/// A name compared loosely: without spaces and line breaks, full-width brackets and colons as
/// half-width ones.
fn loosely(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            '“' | '”' => '"',
            other => other,
        })
        .collect()
}

/// 合计, 总计, 小计 (spaced or not): a spreadsheet's total row.
pub(super) fn is_total_row(indicator: &str) -> bool {
    let word: String = indicator.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(word.as_str(), "合计" | "总计" | "小计" | "总数" | "合计数")
}

/// The columns of the file, as polars read them.
struct Columns<'t> {
    indicators: Option<&'t StringChunked>,
    periods: Option<&'t StringChunked>,
    values: Option<&'t StringChunked>,
    regions: Option<&'t StringChunked>,
    /// The unit a template states: checked against the indicator's, never converted.
    units: Option<&'t StringChunked>,
    notes: Option<&'t StringChunked>,
    sources: Option<&'t StringChunked>,
    /// The value column cast to numbers; `None` where polars could not read one.
    cast: &'t Float64Chunked,
    lines: &'t [usize],
    origin: Option<&'t super::sheet::Origin>,
}

/// Checks every row. The value column is cast by polars, non-strictly: plain numbers come out
/// as numbers, and only the cells it could not read (full-width digits, `1,234`, `70%`, 完成 …)
/// are looked at one by one, then reported if they still are not numbers. The rows are checked
/// in parallel slices, then duplicates are found over the whole file.
pub fn validate_rows<'r>(
    table: &Table,
    reference: &'r Reference,
    budget: &Budget,
) -> Result<(Vec<ValidRow<'r>>, ProblemLog), Stopped> {
    let mut lookup = Lookup::new(reference);
    let cast = table.frame.column("value").and_then(|c| c.cast(&DataType::Float64));
    let Ok(Ok(cast)) = cast.as_ref().map(|c| c.f64()) else {
        let mut problems = ProblemLog::default();
        problems.push(RowError::file(why("value_invalid", "the value column cannot be read", "数值列无法读取")));
        return Ok((Vec::new(), problems));
    };
    let columns = Columns {
        indicators: table.column("indicator"),
        periods: table.column("period"),
        values: table.column("value"),
        regions: table.column("region"),
        units: table.column("unit"),
        notes: table.column("note"),
        sources: table.column("source"),
        cast,
        lines: &table.lines,
        origin: table.origin.as_ref(),
    };
    lookup.suggest_for(columns.indicators, budget)?;
    let total = table.len();
    let slice = total.div_ceil(rayon::current_num_threads().max(1)).max(20_000);
    let starts: Vec<usize> = (0..total).step_by(slice).collect();
    let parts: Vec<Result<(Vec<ValidRow>, ProblemLog), Stopped>> = starts
        .into_par_iter()
        .map(|start| check_rows(&columns, &lookup, start..(start + slice).min(total), budget))
        .collect();
    let mut rows = Vec::with_capacity(total);
    let mut problems = ProblemLog::default();
    for part in parts {
        let (part_rows, part_problems) = part?;
        rows.extend(part_rows);
        problems.merge(part_problems);
    }
    remove_duplicates(&mut rows, &mut problems, reference);
    Ok((rows, problems))
}

/// The second and later rows for one (indicator, region, period) are errors, each naming the first.
fn remove_duplicates(rows: &mut Vec<ValidRow>, problems: &mut ProblemLog, reference: &Reference) {
    let mut seen: FastMap<(i64, &str, Period), usize> =
        FastMap::with_capacity_and_hasher(rows.len(), Default::default());
    let names: FastMap<i64, (&str, &str)> =
        reference.indicators.iter().map(|i| (i.id, (i.slug.as_str(), i.name.as_str()))).collect();
    let mut duplicate = vec![false; rows.len()];
    for (index, row) in rows.iter().enumerate() {
        match seen.entry((row.indicator_id, row.region, row.period)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(row.line);
            }
            std::collections::hash_map::Entry::Occupied(first) => {
                let (slug, name) = names.get(&row.indicator_id).copied().unwrap_or_default();
                let (first, period, region) = (first.get(), row.period, row.region);
                problems.push(RowError::at(
                    row.line,
                    Some("period"),
                    Some(&period.to_string()),
                    why(
                        "duplicate_row",
                        format!("duplicate: line {first} already gives {slug} for {period} in {region}"),
                        format!("重复：第 {first} 行已给出“{name}”在{region} {period} 的数值"),
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
    budget: &Budget,
) -> Result<(Vec<ValidRow<'r>>, ProblemLog), Stopped> {
    let reference = lookup.reference;
    let oldest_years = super::oldest_period_years();
    let mut problems = ProblemLog::default();
    let mut rows = Vec::with_capacity(range.len());
    for row in range {
        if row % ROWS_PER_CHECK == 0 {
            budget.check()?;
        }
        // A row without a value states no figure (a template's row not filled in yet): it is
        // passed over and counted, not refused, so a half-filled template uploads what it has.
        let Some(raw_value) = value_cell(columns.values, row) else { continue };
        let line = columns.lines[row];
        let mut error = |column: &str, value: Option<&str>, why: Why| {
            let mut e = RowError::at(line, Some(column), value, why);
            if let Some(origin) = columns.origin {
                e.sheet = origin.sheet.clone();
                e.cell = origin.cell(row, column, line);
            }
            problems.push(e)
        };
        // Any cell with a control character or too much text is refused before it is read.
        let mut cells_ok = true;
        for (name, column) in [
            ("indicator", columns.indicators),
            ("period", columns.periods),
            ("value", columns.values),
            ("region", columns.regions),
            ("unit", columns.units),
            ("note", columns.notes),
            ("source", columns.sources),
        ] {
            if let Some(raw) = cell(column, row)
                && let Err(reason) = check_text(raw)
            {
                error(name, Some(raw), reason);
                cells_ok = false;
            }
        }
        if !cells_ok {
            continue;
        }
        let indicator = match cell(columns.indicators, row) {
            None => {
                error(
                    "indicator",
                    None,
                    why(
                        "indicator_empty",
                        "empty: name the indicator by its slug or Chinese name",
                        "为空：请填写指标名称（见本单位报送模板）",
                    ),
                );
                None
            }
            Some(raw) => {
                let found = lookup.indicator(raw);
                if found.is_none() {
                    error("indicator", Some(raw), lookup.unknown_indicator(raw));
                    // A 合计 row is to be deleted whole: its period or value say nothing more.
                    if is_total_row(raw) {
                        continue;
                    }
                }
                found
            }
        };
        let period = match cell(columns.periods, row) {
            None => {
                error("period", None, period_forms("period_empty", "empty", "为空"));
                None
            }
            Some(raw) => match parse_period(raw) {
                Ok(p) if p.start() > reference.today => {
                    let today = reference.today;
                    error(
                        "period",
                        Some(raw),
                        why(
                            "period_future",
                            format!("{p} has not begun yet (today is {today})"),
                            format!("{p} 尚未开始（今天是 {today}）"),
                        ),
                    );
                    None
                }
                Ok(p) if indicator.and_then(|i| i.earliest_year).is_some_and(|y| p.end().year() < y - oldest_years) => {
                    let first = indicator.and_then(|i| i.earliest_year).unwrap_or_default();
                    error(
                        "period",
                        Some(raw),
                        why(
                            "period_too_old",
                            format!(
                                "{p} is more than {oldest_years} years before the first plan on this indicator ({first}): a typing mistake?"
                            ),
                            format!("{p} 早于该指标最早的规划（{first} 年）{oldest_years} 年以上：是否填错？"),
                        ),
                    );
                    None
                }
                Ok(p) => Some(p),
                Err(_) => {
                    let shown = clip(raw);
                    error(
                        "period",
                        Some(raw),
                        period_forms(
                            "period_invalid",
                            &format!("`{shown}` is not a period"),
                            &format!("“{shown}”不是期间"),
                        ),
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
                        "region_unknown",
                        format!("unknown region: use {default} or a district such as 浦东新区"),
                        format!("未知的地区：请填写“{default}”或区名，如“浦东新区”"),
                    );
                    error("region", Some(raw), reason);
                }
                found
            }
        };
        // A stated unit converts where only the magnitude differs (万户 for 户), else is refused.
        let scale = match (indicator, cell(columns.units, row)) {
            // 个 is the classifier of any count: 12个 of enterprises counted in 家 are 12家.
            (Some(i), Some("个")) if super::COUNTED_UNITS.contains(&i.unit.as_str()) => 1.0,
            (Some(i), Some(raw)) if raw.trim() != i.unit => match crate::domain::scale_between(raw.trim(), &i.unit) {
                Ok(scale) => scale,
                Err(_) => {
                    let (shown, unit) = (clip(raw.trim()), &i.unit);
                    let reason = why(
                        "unit_mismatch",
                        format!(
                            "the unit `{shown}` does not measure {}, which is in `{unit}`: write the value in {unit}",
                            i.slug
                        ),
                        format!("单位“{shown}”与指标“{}”的单位“{unit}”不是同一量纲：请按“{unit}”填写数值", i.name),
                    );
                    error("unit", Some(raw), reason);
                    continue;
                }
            },
            _ => 1.0,
        };
        let value = match columns.cast.get(row) {
            Some(v) if underflows(raw_value, v) => Err(too_small()),
            // A number polars read; a % sign or a word never gets here.
            Some(v) => Ok(v),
            None => match normalise_value(raw_value, indicator) {
                Ok(ValueText::Done(v)) => Ok(v),
                Ok(ValueText::Number(text)) => match text.parse::<f64>() {
                    Ok(v) if underflows(&text, v) => Err(too_small()),
                    Ok(v) => Ok(v),
                    // 基本完成, 是, 已上线: a milestone's state in words other than the two it takes.
                    Err(_) if indicator.is_some_and(|i| i.is_milestone) => Err(why(
                        "value_invalid",
                        "a milestone takes 完成 (done), 未完成 (not done) or its percent complete, 0 to 100",
                        "里程碑请填写“完成”“未完成”或完成百分比（0 到 100 的数字）",
                    )),
                    Err(_) => Err(why("value_invalid", "not a number", "不是数字")),
                },
                Err(reason) => Err(reason),
            },
        };
        let value = value.and_then(|v| match indicator {
            _ if v.is_nan() => Err(why("value_invalid", "NaN is not a measured value", "NaN 不是测得的数值")),
            _ if v.is_infinite() => {
                Err(why("value_invalid", "infinite values are not measured values", "无穷大不是测得的数值"))
            }
            // Shanghai's GDP in 元 is ~5·10^12: a figure past 10^15 is a typing slip, and one near
            // f64's limit overflows once scaled or summed over districts.
            _ if (v * scale).abs() > MAX_MAGNITUDE => Err(why(
                "value_out_of_range",
                "larger than any figure a plan measures: at most 10^15 in the indicator's unit",
                "超出规划指标的量级：按指标单位，数值的绝对值不超过 10^15",
            )),
            Some(i) if v < 0.0 && !i.can_be_negative => Err(why(
                "value_negative",
                format!("negative, but {} cannot be negative", i.name),
                format!("为负数，但{}不能为负", i.name),
            )),
            Some(i) if i.is_milestone && v > 100.0 => Err(why(
                "value_out_of_range",
                "a milestone is measured in percent complete: 0 to 100 (or 完成 / 未完成)",
                "里程碑以完成百分比计：0 到 100（或填“完成”/“未完成”）",
            )),
            // -0 is 0: stored as written, PostgreSQL would answer -0 and SQLite 0.
            _ if v == 0.0 => Ok(0.0),
            _ => Ok(v),
        });
        let value = match value {
            Ok(v) => Some(v),
            Err(reason) => {
                error("value", Some(raw_value), reason);
                None
            }
        };
        if let (Some(indicator), Some(period), Some(region), Some(value)) = (indicator, period, region, value) {
            let fraction_of_percent = indicator.unit == "%"
                && scale == 1.0
                && value > 0.0
                && value <= 1.0
                && !raw_value.contains(['%', '％']);
            rows.push(ValidRow {
                line,
                indicator_id: indicator.id,
                region,
                period,
                value: value * scale,
                note: cell(columns.notes, row).map(str::to_owned),
                source: cell(columns.sources, row).map(str::to_owned),
                fraction_of_percent,
            });
        }
    }
    Ok((rows, problems))
}

fn too_small() -> Why {
    why(
        "value_invalid",
        "too close to zero to be stored: write the value in a larger unit",
        "数值过于接近零，无法保存：请换用更大的单位",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_marked_as_the_base_year_is_that_period() {
        for raw in ["2023年（基期）", "2023（基期）", "2023年 (基期)", "2023年基期", "2020年（基年）"]
        {
            let year = if raw.starts_with("2020") { 2020 } else { 2023 };
            assert_eq!(parse_period(raw).ok(), Some(Period::Year(year)), "{raw}");
        }
        assert!(parse_period("（基期）").is_err() && parse_period("基期").is_err(), "the mark alone names no period");
        assert!(parse_period("2023年（预计）").is_err(), "an estimate is not taken for the year's figure");
    }

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
        assert!(normalise_value("1.000,5", Some(&count)).is_err(), "European writing");
        assert!(normalise_value("1,000.000,5", Some(&count)).is_err());
        // A number written with its unit is told to move the unit, not that it is no number.
        for (raw, unit) in [("1000亿元", "亿元"), ("1,234 家", "家"), ("1.2万", "万")] {
            let Err(reason) = normalise_value(raw, Some(&count)) else { panic!("{raw} is refused") };
            assert_eq!(reason.code, "value_with_unit", "{raw}");
            assert!(reason.zh.contains(&format!("带了单位“{unit}”")), "{raw}: {}", reason.zh);
        }
    }

    #[test]
    fn a_duplicate_far_from_its_first_row_is_found_across_parallel_slices() {
        let reference = Reference {
            indicators: vec![IndicatorInfo::test("ftth", "%", false)],
            target_names: Vec::new(),
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
        let (rows, errors) = validate_rows(&table, &reference, &Budget::unlimited()).unwrap();
        let errors = errors.finish().errors;
        assert_eq!(rows.len(), 40_001, "the district's row is not a duplicate");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 40_002);
        assert!(errors[0].reason.contains("line 2 already gives ftth for 1900-01-01 in 全市"), "{}", errors[0].reason);
    }

    #[test]
    fn every_problem_is_explained_in_chinese_too() {
        let reference = Reference {
            indicators: vec![IndicatorInfo::test("ftth", "%", false), IndicatorInfo::test("haoban", "%", true)],
            target_names: Vec::new(),
            regions: crate::catalog::Regions {
                default: "全市".to_owned(), districts: vec!["浦东新区".to_owned()]
            },
            today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        };
        let csv = "indicator,period,value,region\n\
                   ,2020,1,\nnope,2020,1,\nftth,20x0,1,\nftth,2030,1,\nftth,2019,1,火星\nftth,2018,abc,\n\
                   ftth,2017,-1,\nftth,2016,NaN,\nhaoban,2020,150,\nftth,2015,\"1,23\",\nftth,2014,5,\nftth,2014,6,\n";
        let table = super::super::parse::read_table(csv).unwrap();
        let (_, errors) = validate_rows(&table, &reference, &Budget::unlimited()).unwrap();
        let errors = errors.finish().errors;
        assert_eq!(errors.len(), 11, "{errors:#?}");
        for e in &errors {
            assert!(e.reason_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{e:?}");
            assert_eq!(e.reason_in(true), e.reason_zh);
            assert_eq!(e.reason_in(false), e.reason);
        }
    }

    fn one_indicator() -> Reference {
        Reference {
            indicators: vec![IndicatorInfo::test("ftth", "%", false)],
            target_names: Vec::new(),
            regions: crate::catalog::Regions {
                default: "全市".to_owned(), districts: vec!["浦东新区".to_owned()]
            },
            today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        }
    }

    fn problems_of(csv: &str, reference: &Reference, budget: &Budget) -> Result<super::super::Problems, Stopped> {
        let table = super::super::parse::read_table(csv).unwrap();
        validate_rows(&table, reference, budget).map(|(_, problems)| problems.finish())
    }

    #[test]
    fn control_characters_long_cells_and_underflow_are_refused_where_they_are() {
        let reference = one_indicator();
        let long_note = "备".repeat(2000);
        let csv = format!(
            "indicator,period,value,note\nftth,2020,1,a\u{0}b\nftth,2019,1,{long_note}\nftth,2018,1e-400,\nftth,2017,1e400,\nftth,2016,0,\nftth,2015,\"1\n\",\"two\tlines\n\"\nftth,2014,1,\u{202e}fdp.exe\n"
        );
        let problems = problems_of(&csv, &reference, &Budget::unlimited()).unwrap();
        let found: Vec<(usize, &str, &str)> =
            problems.errors.iter().map(|e| (e.line, e.column.as_deref().unwrap_or(""), e.code.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (2, "note", "control_character"),
                (3, "note", "cell_too_long"),
                (4, "value", "value_invalid"),
                (5, "value", "value_invalid"),
                (10, "note", "direction_character"),
            ],
            "{problems:#?}"
        );
        assert!(problems.errors[0].reason_zh.contains("U+0000"));
    }

    #[test]
    fn suggestions_are_worked_out_for_the_first_twenty_unknown_names_only() {
        let reference = one_indicator();
        let mut csv = String::from("indicator,period,value\n");
        for n in 0..10_000 {
            csv.push_str(&format!("ftthx{n},2020,1\n"));
        }
        let problems = problems_of(&csv, &reference, &Budget::unlimited()).unwrap();
        assert_eq!(problems.total, 10_000);
        let suggested = problems.errors.iter().filter(|e| e.reason.contains("did you mean ftth")).count();
        assert_eq!(suggested, 20, "the first twenty distinct names");
    }

    #[test]
    fn a_name_far_longer_than_any_known_one_gets_no_suggestion() {
        let reference = one_indicator();
        let near = format!("{}x", "ftth".repeat(29));
        let far = format!("{}x", "ftth".repeat(31));
        let csv = format!("indicator,period,value\n{near},2020,1\n{far},2020,1\n");
        let mut lookup = Lookup::new(&reference);
        let table = super::super::parse::read_table(&csv).unwrap();
        lookup.suggest_for(table.column("indicator"), &Budget::unlimited()).unwrap();
        assert_eq!(lookup.suggested.len(), 2, "both are unknown");
        assert!(lookup.suggested[&far].is_empty(), "{} characters: not compared", far.chars().count());
        assert_eq!(suggestions(&reference, &near), lookup.suggested[&near], "compared as before");
    }

    #[test]
    fn checking_stops_when_the_budget_is_spent() {
        let reference = one_indicator();
        let budget = Budget::unlimited();
        budget.cancel();
        let csv = "indicator,period,value\nftth,2020,1\n";
        assert_eq!(problems_of(csv, &reference, &budget), Err(Stopped::Cancelled));
    }
}
