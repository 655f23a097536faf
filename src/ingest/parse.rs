//! Text to a table of strings. polars reads the CSV with every column as text (so one bad value
//! cannot stop the read, and every bad row can be reported); a light pre-scan drops blank lines
//! and remembers the file line each record starts on, which polars does not track.

use std::borrow::Cow;
use std::io::Cursor;

use polars::prelude::*;

use super::{ProblemLog, Problems, RowError, clip, why};

/// The columns of the upload format, after header aliases are resolved.
pub const REQUIRED_COLUMNS: [&str; 3] = ["indicator", "period", "value"];
pub const OPTIONAL_COLUMNS: [&str; 4] = ["region", "unit", "note", "source"];

/// Header spellings accepted for each column, compared without case and spaces.
pub(super) fn canonical_column(header: &str) -> Option<&'static str> {
    let key: String = header.trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace()).collect();
    let key = key.to_lowercase();
    let name = match key.as_str() {
        "indicator" | "指标" | "指标名称" | "指标名" | "指标项" | "统计指标" | "目标" | "目标名称" => {
            "indicator"
        }
        "period" | "期间" | "时期" | "年份" | "年度" | "时间" | "报告期" | "统计期" => "period",
        "value" | "数值" | "值" | "数据" | "完成值" | "实际值" | "完成情况" | "指标值" | "本期值" | "本期数"
        | "填报值" | "填报数值" | "统计值" | "报送值" | "实际完成值" | "实际完成" | "完成数" | "完成数值"
        | "本年数值" | "本年完成" | "本年值" | "本期完成" | "当年值" | "当年完成" | "年度完成值" => {
            "value"
        }
        "region" | "地区" | "区域" | "区县" | "行政区" | "区" => "region",
        "unit" | "单位" | "计量单位" => "unit",
        "note" | "备注" | "说明" => "note",
        "source" | "来源" | "数据来源" => "source",
        _ => return None,
    };
    Some(name)
}

/// A header cell's column and the unit it states for the column's values: `数值（亿元）`, `数值
/// (万户)` — the value column, its figures in 亿元 — as offices head a column whose unit is shared.
pub(super) fn column_and_unit(header: &str) -> Option<(&'static str, Option<String>)> {
    if let Some(name) = canonical_column(header) {
        return Some((name, None));
    }
    let key: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    let open = key.rfind(['（', '('])?;
    let inside = key[open..].trim_start_matches(['（', '(']).strip_suffix(['）', ')'])?;
    let name = canonical_column(&key[..open])?;
    let unit = inside.trim_start_matches("单位").trim_start_matches(['：', ':']).trim();
    let stated = (name == "value" && !unit.is_empty() && unit.chars().count() <= 8).then(|| unit.to_owned());
    Some((name, stated))
}

/// A column of the upload format as templates and Chinese messages name it (数值, 地区 …).
pub fn column_zh(name: &str) -> Option<&'static str> {
    Some(match name {
        "indicator" => "指标",
        "period" => "期间",
        "value" => "数值",
        "region" => "地区",
        "unit" => "单位",
        "note" => "备注",
        "source" => "来源",
        _ => return None,
    })
}

/// A column a clerk's sheet keeps for the office's own bookkeeping (序号, 填报人, 联系电话 …):
/// it holds no figure, and is passed over rather than refusing the file.
pub(super) fn is_bookkeeping_column(header: &str) -> bool {
    let key: String = header.trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        key.to_lowercase().as_str(),
        "序号"
            | "编号"
            | "排序"
            | "no"
            | "no."
            | "#"
            | "填报人"
            | "填表人"
            | "联系人"
            | "联系电话"
            | "电话"
            | "手机"
            | "填报单位"
            | "报送单位"
            | "单位名称"
            | "填报日期"
            | "填报时间"
            | "审核人"
            | "负责人"
    )
}

/// The upload as columns of text, each record with the file line it starts on.
#[derive(Debug)]
pub struct Table {
    pub frame: DataFrame,
    /// File line (from 1) of each data record, in frame order; a sheet's row number.
    pub lines: Vec<usize>,
    /// Where each record came from, when the table was read as a grid (a sheet, a wide table).
    pub origin: Option<super::sheet::Origin>,
    /// `csv`, `xlsx`, `xls` or `ods`.
    pub format: &'static str,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&StringChunked> {
        self.frame.column(name).ok().and_then(|c| c.str().ok())
    }

    pub fn len(&self) -> usize {
        self.frame.height()
    }
}

/// A comma-separated file unless the header has more tabs than commas.
fn separator(header: &str) -> u8 {
    if header.matches('\t').count() > header.matches(',').count() { b'\t' } else { b',' }
}

/// The most columns a header may have: the six of the format, with room for wide tables.
pub const MAX_COLUMNS: usize = 200;
/// The longest header line: a header names a few columns.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The text without blank lines, the file line each record starts on, and the line of a quote
/// that is never closed.
struct Records<'t> {
    text: Cow<'t, str>,
    lines: Vec<usize>,
    unclosed_quote: Option<usize>,
}

/// Drops lines that hold nothing but separators and spaces (outside quotes) and records the line
/// each remaining record starts on. A quoted value may span lines.
/// The text itself when it has no blank line (the usual case: no copy).
fn without_blank_lines(text: &str, sep: char) -> Records<'_> {
    let blank = |line: &str| line.chars().all(|c| c == sep || c.is_whitespace());
    let mut kept: Option<String> = None;
    let mut record_lines = Vec::new();
    let mut in_quotes = false;
    let mut quote_opened = 0;
    let mut offset = 0;
    for (index, raw_line) in text.split('\n').enumerate() {
        // The empty remainder after the final newline is the end of the file, not a blank line.
        if raw_line.is_empty() && offset >= text.len() {
            break;
        }
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);

        let starts_record = !in_quotes;
        if line.contains('"') && line.matches('"').count() % 2 == 1 {
            in_quotes = !in_quotes;
            if in_quotes {
                quote_opened = index + 1;
            }
        }
        let skip = starts_record && blank(line);
        if skip && kept.is_none() {
            // First blank line: from here on, build a copy without the blank lines.
            kept = Some(text[..offset].to_owned());
        }
        offset += raw_line.len() + 1;
        if skip {
            continue;
        }
        if starts_record {
            record_lines.push(index + 1);
        }
        if let Some(kept) = kept.as_mut() {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    Records {
        text: kept.map_or(Cow::Borrowed(text), Cow::Owned),
        lines: record_lines,
        unclosed_quote: in_quotes.then_some(quote_opened),
    }
}

/// The header's cells as written (quotes resolved), or why the header cannot be used.
fn header_cells(text: &str, sep: u8, line: usize) -> Result<Vec<String>, Vec<RowError>> {
    let first = text.split('\n').next().unwrap_or("");
    if first.len() > MAX_HEADER_BYTES {
        return Err(vec![RowError::at(
            line,
            None,
            None,
            why(
                "header_too_long",
                format!("the header line is {} bytes long: a header names the columns {}", first.len(), columns_en()),
                format!("表头行长达 {} 字节：表头应为各列的名称（{}）", first.len(), columns_en()),
            ),
        )]);
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).delimiter(sep).from_reader(first.as_bytes());
    let record = reader.records().next().and_then(Result::ok).unwrap_or_default();
    let cells: Vec<String> = record.iter().map(|c| c.to_owned()).collect();
    if cells.len() > MAX_COLUMNS {
        return Err(vec![RowError::at(
            line,
            None,
            None,
            why(
                "too_many_columns",
                format!("the header has {} columns; at most {MAX_COLUMNS} are read", cells.len()),
                format!("表头有 {} 列；最多读取 {MAX_COLUMNS} 列", cells.len()),
            ),
        )]);
    }
    Ok(cells)
}

fn columns_en() -> String {
    format!("{}, optionally {}", REQUIRED_COLUMNS.join(", "), OPTIONAL_COLUMNS.join(", "))
}

/// Records with more fields than the header, each with its file line: what polars refuses
/// without saying where.
fn extra_fields(text: &str, sep: u8, header_len: usize, lines: &[usize]) -> ProblemLog {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(sep).from_reader(text.as_bytes());
    // Counted, the first listed: a file of ten million such rows must not list them all.
    let mut errors = ProblemLog::default();
    for (index, record) in reader.records().enumerate() {
        let Ok(record) = record else { continue };
        if record.len() > header_len {
            let line = lines.get(index).copied().unwrap_or(0);
            errors.push(RowError::at(
                line,
                None,
                None,
                why(
                    "extra_fields",
                    format!(
                        "this row has {} fields but the header has {header_len}: a value with a comma must be in double quotes",
                        record.len()
                    ),
                    format!("该行有 {} 个字段，而表头只有 {header_len} 列：含逗号的数值须用英文双引号括起", record.len()),
                ),
            ));
        }
    }
    errors
}

/// Reads the CSV text. Header problems (missing, unknown or repeated columns) are returned as
/// errors on the header's line; rows polars cannot split are listed with their lines.
pub fn read_table(text: &str) -> Result<Table, Problems> {
    // Classic Mac files end their lines with a carriage return alone.
    let text: Cow<str> = if text.contains('\r') && !text.contains('\n') {
        Cow::Owned(text.replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let text = text.as_ref();
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = separator(header);
    let records = without_blank_lines(text, sep as char);
    if records.lines.is_empty() {
        return Err(Problems::file(why(
            "empty_file",
            "the file is empty: expected a header row and data rows",
            "文件是空的：应有一行表头和若干数据行",
        )));
    }
    let header_line = records.lines[0];
    if let Some(line) = records.unclosed_quote {
        return Err(Problems::from(vec![RowError::at(
            line,
            None,
            None,
            why(
                "unclosed_quote",
                "a double quote opened on this line is never closed: the rest of the file would be one value",
                "此行的英文双引号没有闭合：文件其余部分都会被当作一个数值",
            ),
        )]));
    }
    let cells = header_cells(&records.text, sep, header_line).map_err(Problems::from)?;
    let renamed = match check_header(&cells, header_line) {
        Ok(renamed) => renamed,
        // Not the upload format's header: a title row above it, or periods across.
        Err(errors) => match super::sheet::csv_grid(text, sep) {
            Some(grid) => return super::sheet::table_from_grid(grid?),
            None => return Err(Problems::from(errors)),
        },
    };
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(CsvParseOptions::default().with_separator(sep).with_quote_char(Some(b'"')))
        .into_reader_with_file_handle(Cursor::new(records.text.as_bytes()))
        .finish()
        .map_err(|e| {
            let listed = extra_fields(&records.text, sep, cells.len(), &records.lines);
            if listed.is_empty() {
                let cause = e.to_string();
                let cause = clip(first_line(&cause));
                Problems::file(why(
                    "csv_syntax",
                    format!("the file cannot be read as CSV: {cause}"),
                    format!("文件无法按 CSV 读取：{cause}"),
                ))
            } else {
                listed.finish()
            }
        })?;
    let mut frame = frame;
    // One chunk per column: validation reads cells by row, and a row lookup in a many-chunk
    // column has to find its chunk first.
    frame.rechunk_mut_par();
    frame.set_column_names(&renamed.iter().map(String::as_str).collect::<Vec<_>>()).map_err(|e| {
        Problems::file(why("csv_syntax", format!("cannot name the columns: {e}"), format!("无法命名各列：{e}")))
    })?;
    Ok(Table { frame, lines: records.lines[1..].to_vec(), origin: None, format: "csv" })
}

/// The canonical name of every header cell, or every problem with the header.
fn check_header(cells: &[String], header_line: usize) -> Result<Vec<String>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut renamed: Vec<String> = Vec::new();
    for (index, name) in cells.iter().enumerate() {
        match canonical_column(name) {
            Some(canonical) if renamed.iter().any(|r| r == canonical) => errors.push(RowError::at(
                header_line,
                Some(name),
                None,
                why(
                    "duplicate_column",
                    format!("column `{canonical}` appears twice (as `{}`)", clip(name)),
                    format!("列“{canonical}”出现了两次（“{}”）", clip(name)),
                ),
            )),
            Some(canonical) => renamed.push(canonical.to_owned()),
            // A placeholder that cannot clash with a real column name; never read.
            None if is_bookkeeping_column(name) => renamed.push(format!("\u{1}column{index}")),
            None => {
                let (required, optional) = (REQUIRED_COLUMNS.join(", "), OPTIONAL_COLUMNS.join(", "));
                let shown = clip(name);
                errors.push(RowError::at(
                    header_line,
                    Some(name),
                    None,
                    why(
                        "unknown_column",
                        format!(
                            "unknown column `{shown}`: the columns are {required} (required) and {optional} (optional)"
                        ),
                        format!("未知的列“{shown}”：必填列为 指标、期间、数值，可选列为 地区、单位、备注、来源"),
                    ),
                ));
                // A placeholder that cannot clash with a real column name.
                renamed.push(format!("\u{1}column{index}"));
            }
        }
    }
    let missing: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| !renamed.iter().any(|r| r == c)).collect();
    if !missing.is_empty() {
        let (required, optional) = (REQUIRED_COLUMNS.join(", "), OPTIONAL_COLUMNS.join(", "));
        errors.push(RowError::at(
            header_line,
            None,
            None,
            why(
                "missing_column",
                format!(
                    "missing column(s) {}: the header must have {required} (指标, 期间, 数值), optionally {optional}",
                    missing.join(", ")
                ),
                format!(
                    "缺少 {} 列：表头须有 指标、期间、数值，可选 地区、单位、备注、来源",
                    missing.iter().map(|c| column_zh(c).unwrap_or(c)).collect::<Vec<_>>().join("、")
                ),
            ),
        ));
    }
    if errors.is_empty() { Ok(renamed) } else { Err(errors) }
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_dropped_and_records_keep_their_file_lines() {
        let records = without_blank_lines("a,b\n\n1,2\n,,\n\"x\ny\",3\n  \n4,5\n", ',');
        assert_eq!(records.lines, vec![1, 3, 5, 8]);
        assert_eq!(records.text, "a,b\n1,2\n\"x\ny\",3\n4,5\n");
        assert_eq!(records.unclosed_quote, None);
        let same = without_blank_lines("a,b\n1,2\n", ',');
        assert!(matches!(same.text, Cow::Borrowed(_)), "no blank line: no copy");
        assert_eq!(same.lines, vec![1, 2]);
    }

    #[test]
    fn headers_match_without_case_spaces_or_language() {
        let table = read_table("\u{feff} 指标 ,PERIOD,数值,地区,备注,来源\nftth,2020,70,全市,,x.txt:1\n").unwrap();
        let names: Vec<String> = table.frame.get_column_names().iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["indicator", "period", "value", "region", "note", "source"]);
        assert_eq!(table.lines, vec![2]);
    }

    #[test]
    fn a_clerks_bookkeeping_columns_are_passed_over() {
        let table = read_table("序号,指标,期间,数值,填报人,联系电话\n1,ftth,2020,70,张三,021-12345678\n").unwrap();
        assert_eq!(table.column("value").unwrap().get(0), Some("70"));
        assert_eq!(table.len(), 1);
        let refused = read_table("序号,指标,期间,数值,审核意见\n1,ftth,2020,70,同意\n").unwrap_err();
        assert_eq!(refused.errors.len(), 1, "any other column is still unknown: {refused:?}");
        assert!(refused.errors[0].reason_zh.contains("审核意见"), "{refused:?}");
    }

    #[test]
    fn lines_ended_by_a_carriage_return_alone_are_read() {
        let table = read_table("indicator,period,value\rftth,2020,70\rftth,2021,71\r").unwrap();
        assert_eq!(table.lines, vec![2, 3]);
    }

    #[test]
    fn tab_separated_files_are_read() {
        let table = read_table("indicator\tperiod\tvalue\nftth\t2020\t70\n").unwrap();
        assert_eq!(table.column("value").unwrap().get(0), Some("70"));
    }

    #[test]
    fn missing_and_unknown_columns_are_reported_together() {
        let errors = read_table("indicator,when,value,colour\nftth,2020,70,red\n").unwrap_err().errors;
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.column.as_deref() == Some("when") && e.reason.contains("unknown column")));
        assert!(errors.iter().any(|e| e.reason.contains("missing column(s) period")));
    }

    #[test]
    fn rows_that_cannot_be_split_are_listed_with_their_lines() {
        let problems =
            read_table("indicator,period,value\nftth,2020,70\nftth,2021,71,extra\n\nftth,2022,1,2,3\n").unwrap_err();
        let lines: Vec<usize> = problems.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 5], "{problems:?}");
        assert!(problems.errors.iter().all(|e| e.code == "extra_fields"));
        let unclosed = read_table("indicator,period,value\nftth,2020,70\nftth,\"2021,71\nftth,2022,1\n").unwrap_err();
        assert_eq!((unclosed.errors[0].line, unclosed.errors[0].code.as_str()), (3, "unclosed_quote"));
    }

    #[test]
    fn rows_that_cannot_be_split_are_counted_in_full_but_listed_in_part() {
        let text = format!("指标,期间,数值\n{}", ",,,x\n".repeat(5_000));
        let problems = read_table(&text).unwrap_err();
        assert_eq!(problems.total, 5_000);
        assert_eq!(problems.errors.len(), super::super::problems::LISTED_PROBLEMS);
        assert!(problems.truncated);
        assert_eq!(problems.summary[0].count, 5_000);
    }

    #[test]
    fn a_csv_read_as_a_grid_is_bounded_in_width_and_in_cells() {
        // A title, then a row of a million columns: refused at that row, not held.
        let wide = format!("标题\n指标,2020,{}\n", "x,".repeat(1_000_000));
        let problems = read_table(&wide).unwrap_err();
        assert_eq!(
            (problems.errors[0].code.as_str(), problems.errors[0].line),
            ("too_many_columns", 2),
            "{problems:?}"
        );
        // A title, a header of periods across, then more cells than a grid holds.
        let rows = super::super::sheet::MAX_GRID_CELLS / 3 + 1;
        let long = format!("标题\n指标,2020,2021\n{}", "a,1,2\n".repeat(rows));
        let problems = read_table(&long).unwrap_err();
        assert_eq!(problems.errors[0].code, "grid_too_large", "{problems:?}");
        assert!(problems.errors[0].reason_zh.contains("更大的文件请把表头"), "{problems:?}");
        // Within the bounds the same shape reads.
        let table = read_table("标题\n指标,2020,2021\na,1,2\n").unwrap();
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn a_repeated_column_is_named_as_written_and_huge_headers_are_refused() {
        let problems = read_table("indicator,period,value,数值\nftth,2020,70,71\n").unwrap_err();
        assert_eq!(problems.errors[0].column.as_deref(), Some("数值"), "{problems:?}");
        assert!(problems.errors[0].reason.contains("`value` appears twice (as `数值`)"));
        let wide = format!("indicator,period,value{}\nftth,2020,70\n", ",".repeat(1_000));
        assert_eq!(read_table(&wide).unwrap_err().errors[0].code, "too_many_columns");
        let long = format!("indicator,period,value,{}\nftth,2020,70,1\n", "x".repeat(100_000));
        assert_eq!(read_table(&long).unwrap_err().errors[0].code, "header_too_long");
    }
}
