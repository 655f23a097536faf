//! Text to a table of strings. polars reads the CSV with every column as text (so one bad value
//! cannot stop the read, and every bad row can be reported); a light pre-scan drops blank lines
//! and remembers the file line each record starts on, which polars does not track.

use std::borrow::Cow;
use std::io::Cursor;

use polars::prelude::*;

use super::{RowError, why};

/// The columns of the upload format, after header aliases are resolved.
pub const REQUIRED_COLUMNS: [&str; 3] = ["indicator", "period", "value"];
pub const OPTIONAL_COLUMNS: [&str; 3] = ["region", "note", "source"];

/// Header spellings accepted for each column, compared without case and spaces.
fn canonical_column(header: &str) -> Option<&'static str> {
    let key: String = header.trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace()).collect();
    let key = key.to_lowercase();
    let name = match key.as_str() {
        "indicator" | "指标" | "指标名称" => "indicator",
        "period" | "期间" | "时期" => "period",
        "value" | "数值" | "值" => "value",
        "region" | "地区" => "region",
        "note" | "备注" => "note",
        "source" | "来源" => "source",
        _ => return None,
    };
    Some(name)
}

/// The upload as columns of text, each record with the file line it starts on.
#[derive(Debug)]
pub struct Table {
    pub frame: DataFrame,
    /// File line (from 1) of each data record, in frame order.
    pub lines: Vec<usize>,
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

/// Drops lines that hold nothing but separators and spaces (outside quotes) and records the line
/// each remaining record starts on. A quoted value may span lines.
/// The text itself when it has no blank line (the usual case: no copy).
fn without_blank_lines(text: &str, sep: char) -> (Cow<'_, str>, Vec<usize>) {
    let blank = |line: &str| line.chars().all(|c| c == sep || c.is_whitespace());
    let mut kept: Option<String> = None;
    let mut record_lines = Vec::new();
    let mut in_quotes = false;
    let mut offset = 0;
    for (index, raw_line) in text.split('\n').enumerate() {
        // The empty remainder after the final newline is the end of the file, not a blank line.
        if raw_line.is_empty() && offset >= text.len() {
            break;
        }
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);

        let starts_record = !in_quotes;
        if line.contains('"') {
            in_quotes ^= line.matches('"').count() % 2 == 1;
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
    (kept.map_or(Cow::Borrowed(text), Cow::Owned), record_lines)
}

/// Reads the CSV text. Header problems (missing or unknown columns) are returned as errors on
/// line 1; a file polars cannot read at all is one error naming why.
pub fn read_table(text: &str) -> Result<Table, Vec<RowError>> {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = separator(header);
    let (cleaned, record_lines) = without_blank_lines(text, sep as char);
    if record_lines.is_empty() {
        return Err(vec![RowError::file(why(
            "the file is empty: expected a header row and data rows",
            "文件是空的：应有一行表头和若干数据行",
        ))]);
    }
    let header_line = record_lines[0];
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(CsvParseOptions::default().with_separator(sep).with_quote_char(Some(b'"')))
        .into_reader_with_file_handle(Cursor::new(cleaned.as_bytes()))
        .finish()
        .map_err(|e| {
            let cause = e.to_string();
            let cause = first_line(&cause);
            vec![RowError::file(why(
                format!("the file cannot be read as CSV: {cause}"),
                format!("文件无法按 CSV 读取：{cause}"),
            ))]
        })?;

    let mut errors = Vec::new();
    let mut renamed: Vec<String> = Vec::new();
    for name in frame.get_column_names() {
        match canonical_column(name) {
            Some(canonical) if renamed.iter().any(|r| r == canonical) => errors.push(RowError::at(
                header_line,
                Some(name),
                None,
                why(format!("column `{canonical}` appears twice"), format!("列“{canonical}”出现了两次")),
            )),
            Some(canonical) => renamed.push(canonical.to_owned()),
            None => {
                let (required, optional) = (REQUIRED_COLUMNS.join(", "), OPTIONAL_COLUMNS.join(", "));
                errors.push(RowError::at(
                    header_line,
                    Some(name),
                    None,
                    why(
                        format!("unknown column `{name}`: the columns are {required} (required) and {optional} (optional)"),
                        format!("未知的列“{name}”：必填列为 指标、期间、数值（{required}），可选列为 地区、备注、来源（{optional}）"),
                    ),
                ));
                renamed.push(name.to_string());
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
                format!(
                    "missing column(s) {}: the header must have {required} (指标, 期间, 数值), optionally {optional}",
                    missing.join(", ")
                ),
                format!(
                    "缺少列 {}：表头须有 指标、期间、数值（{required}），可选 地区、备注、来源",
                    missing.join(", ")
                ),
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut frame = frame;
    // One chunk per column: validation reads cells by row, and a row lookup in a many-chunk
    // column has to find its chunk first.
    frame.rechunk_mut_par();
    frame.set_column_names(&renamed.iter().map(String::as_str).collect::<Vec<_>>()).map_err(|e| {
        vec![RowError::file(why(format!("cannot name the columns: {e}"), format!("无法命名各列：{e}")))]
    })?;
    Ok(Table { frame, lines: record_lines[1..].to_vec() })
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_dropped_and_records_keep_their_file_lines() {
        let (kept, lines) = without_blank_lines("a,b\n\n1,2\n,,\n\"x\ny\",3\n  \n4,5\n", ',');
        assert_eq!(lines, vec![1, 3, 5, 8]);
        assert_eq!(kept, "a,b\n1,2\n\"x\ny\",3\n4,5\n");
        let (same, lines) = without_blank_lines("a,b\n1,2\n", ',');
        assert!(matches!(same, Cow::Borrowed(_)), "no blank line: no copy");
        assert_eq!(lines, vec![1, 2]);
    }

    #[test]
    fn headers_match_without_case_spaces_or_language() {
        let table = read_table("\u{feff} 指标 ,PERIOD,数值,地区,备注,来源\nftth,2020,70,全市,,x.txt:1\n").unwrap();
        let names: Vec<String> = table.frame.get_column_names().iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["indicator", "period", "value", "region", "note", "source"]);
        assert_eq!(table.lines, vec![2]);
    }

    #[test]
    fn tab_separated_files_are_read() {
        let table = read_table("indicator\tperiod\tvalue\nftth\t2020\t70\n").unwrap();
        assert_eq!(table.column("value").unwrap().get(0), Some("70"));
    }

    #[test]
    fn missing_and_unknown_columns_are_reported_together() {
        let errors = read_table("indicator,when,value,colour\nftth,2020,70,red\n").unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.column.as_deref() == Some("when") && e.reason.contains("unknown column")));
        assert!(errors.iter().any(|e| e.reason.contains("missing column(s) period")));
    }
}
