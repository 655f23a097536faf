//! How a sheet shows its cells, where calamine hands back only what is stored. A clerk who types
//! 15% into Excel stores 0.15 in a cell formatted `0%` (LibreOffice: a cell of value type
//! `percentage`); one who types 2023 into a cell formatted `yyyy"年"` stores the date 2023-01-01;
//! a row hidden with old figures is still in the file. An .xlsx's styles and rows and an .ods's cell
//! types and rows are read here so the sheet is read as the clerk saw it: 15%, the year 2023, no
//! hidden row. (An .xls keeps its formats in binary records: not read.)

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read, Seek};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// A cell by its 0-based row and column, as calamine counts them.
pub type Position = (u32, u32);

/// The most of one part of the package (styles, workbook, relations) read: far above any real one.
const MAX_PART_BYTES: u64 = 64 << 20;

/// Excel's built-in formats that matter here: 9 is `0%`, 10 is `0.00%`, 17 is `mmm-yy`.
const BUILTIN_FORMATS: [(u32, Format); 3] = [(9, Format::Percent), (10, Format::Percent), (17, Format::Month)];

/// What a number format shows of a cell, where that differs from what calamine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `0%`: the fraction stored, shown a hundred times larger.
    Percent,
    /// `yyyy"年"`: a date shown as its year only.
    Year,
    /// `yyyy"年"m"月"`, `mmm-yy`: a date shown as its month only.
    Month,
}

/// How one sheet shows its cells: the formats that matter, and the rows hidden.
#[derive(Debug, Default)]
pub struct Shown {
    pub formats: HashMap<Position, Format>,
    /// 0-based rows, as calamine counts them.
    pub hidden_rows: HashSet<u32>,
}

/// How sheet `sheet_name` of an .xlsx shows its cells; nothing when the package cannot be read
/// this way (calamine reports what is really wrong with it).
pub fn xlsx_shown<R: Read + Seek>(archive: R, sheet_name: &str) -> Shown {
    read_xlsx_shown(archive, sheet_name).unwrap_or_default()
}

fn read_xlsx_shown<R: Read + Seek>(archive: R, sheet_name: &str) -> Option<Shown> {
    let mut zip = zip::ZipArchive::new(archive).ok()?;
    let styles = read_part(&mut zip, "xl/styles.xml").map(|s| formatted_styles(&s)).unwrap_or_default();
    let sheet_path = sheet_path(&mut zip, sheet_name)?;
    let sheet = zip.by_name(&sheet_path).ok()?;
    Some(shown_in_sheet(BufReader::new(sheet), &styles))
}

/// How table `sheet_name` of an .ods shows its cells (percentages by value type, hidden rows);
/// nothing when the package cannot be read this way.
pub fn ods_shown<R: Read + Seek>(archive: R, sheet_name: &str) -> Shown {
    let Ok(mut zip) = zip::ZipArchive::new(archive) else { return Shown::default() };
    let Ok(content) = zip.by_name("content.xml") else { return Shown::default() };
    let mut reader = Reader::from_reader(BufReader::new(content.take(MAX_CONTENT_BYTES)));
    let mut buffer = Vec::new();
    let mut found = Shown::default();
    let (mut in_sheet, mut row, mut column, mut rows_here) = (false, 0u32, 0u32, 1u32);
    loop {
        buffer.clear();
        let (element, closes) = match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                match e.name().as_ref() {
                    b"table:table" => in_sheet = false,
                    b"table:table-row" => row = row.saturating_add(rows_here),
                    _ => {}
                }
                continue;
            }
            Ok(Event::Eof) | Err(_) => return found,
            _ => continue,
        };
        match element.name().as_ref() {
            b"table:table" => {
                in_sheet = attribute(&element, b"table:name").as_deref() == Some(sheet_name);
                (row, column) = (0, 0);
            }
            b"table:table-row" => {
                rows_here = repeated(&element, b"table:number-rows-repeated");
                column = 0;
                let hidden = attribute(&element, b"table:visibility").is_some_and(|v| v != "visible");
                if in_sheet && hidden {
                    for r in 0..rows_here.min(MAX_MARKED.saturating_sub(found.hidden_rows.len()) as u32) {
                        found.hidden_rows.insert(row.saturating_add(r));
                    }
                }
                if closes {
                    row = row.saturating_add(rows_here);
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                let columns_here = repeated(&element, b"table:number-columns-repeated");
                let percent = attribute(&element, b"office:value-type").as_deref() == Some("percentage");
                if in_sheet && percent {
                    // A cell repeated over a whole sheet is formatting, not figures: bounded.
                    let cells = (0..rows_here).flat_map(|r| (0..columns_here).map(move |c| (r, c)));
                    for (r, c) in cells.take(MAX_MARKED.saturating_sub(found.formats.len())) {
                        found.formats.insert((row.saturating_add(r), column.saturating_add(c)), Format::Percent);
                    }
                }
                column = column.saturating_add(columns_here);
            }
            _ => {}
        }
    }
}

/// The most of an .ods's content read for its cell types, and the most cells (or hidden rows)
/// marked.
const MAX_CONTENT_BYTES: u64 = 1 << 30;
const MAX_MARKED: usize = 1_000_000;

fn repeated(element: &BytesStart, name: &[u8]) -> u32 {
    attribute(element, name).and_then(|n| n.parse().ok()).filter(|n| *n > 0).unwrap_or(1)
}

fn read_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let part = zip.by_name(name).ok()?;
    let mut text = String::new();
    part.take(MAX_PART_BYTES).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The cell styles (`cellXfs`, by index) whose number format shows a percentage, a year or a month.
fn formatted_styles(styles: &str) -> HashMap<usize, Format> {
    let mut reader = Reader::from_str(styles);
    let mut formats: HashMap<u32, Format> = BUILTIN_FORMATS.into();
    let mut in_cell_styles = false;
    let mut style_index = 0;
    let mut found = HashMap::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"numFmt" => {
                    if let (Some(id), Some(code)) = (attribute(&e, b"numFmtId"), attribute(&e, b"formatCode"))
                        && let Ok(id) = id.parse()
                        && let Some(format) = format_of(&code)
                    {
                        formats.insert(id, format);
                    }
                }
                b"cellXfs" => in_cell_styles = true,
                b"xf" if in_cell_styles => {
                    let format = attribute(&e, b"numFmtId").and_then(|id| id.parse().ok());
                    if let Some(format) = format.and_then(|id| formats.get(&id)) {
                        found.insert(style_index, *format);
                    }
                    style_index += 1;
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == b"cellXfs" => in_cell_styles = false,
            Ok(Event::Eof) | Err(_) => return found,
            _ => {}
        }
    }
}

/// What a number format code shows, judged by its first section's codes outside quotes, escapes
/// and brackets: a `%` (`0.0%`; `0"%"` and `0\%` print the sign without scaling), or a date with
/// a year and no day (`yyyy"年"` a year, `yyyy"年"m"月"` a month; with an hour, `m` is minutes).
fn format_of(code: &str) -> Option<Format> {
    let mut quoted = false;
    let mut escaped = false;
    let mut bracketed = false;
    let mut letters = String::new();
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            _ if quoted => {}
            '[' => bracketed = true,
            ']' => bracketed = false,
            _ if bracketed => {}
            ';' => break,
            '%' => return Some(Format::Percent),
            c if c.is_ascii_alphabetic() => letters.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    let has = |c: char| letters.contains(c);
    match (has('y'), has('m'), has('d') || has('h') || has('s')) {
        (true, false, false) => Some(Format::Year),
        (true, true, false) => Some(Format::Month),
        _ => None,
    }
}

/// The part holding the sheet of this name (`xl/worksheets/sheet1.xml`), via the workbook's
/// relations.
fn sheet_path<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, sheet_name: &str) -> Option<String> {
    let workbook = read_part(zip, "xl/workbook.xml")?;
    let mut reader = Reader::from_str(&workbook);
    let relation = loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.local_name().as_ref() == b"sheet" && attribute(&e, b"name").as_deref() == Some(sheet_name) =>
            {
                break relation_id(&e)?;
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    };
    let relations = read_part(zip, "xl/_rels/workbook.xml.rels")?;
    let mut reader = Reader::from_str(&relations);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.local_name().as_ref() == b"Relationship" && attribute(&e, b"Id").as_deref() == Some(&relation) =>
            {
                let target = attribute(&e, b"Target")?;
                return Some(match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("xl/{target}"),
                });
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// A sheet's `r:id`, whatever prefix the package gives the relationships namespace.
fn relation_id(sheet: &BytesStart) -> Option<String> {
    sheet.attributes().flatten().find_map(|a| {
        let key = a.key.as_ref();
        (key == b"r:id" || key.ends_with(b":id")).then(|| value_of(&a)).flatten()
    })
}

/// The cells whose style is one of `styles`, and the hidden rows, read as the sheet streams by.
fn shown_in_sheet(sheet: impl std::io::BufRead, styles: &HashMap<usize, Format>) -> Shown {
    let mut reader = Reader::from_reader(sheet);
    let mut buffer = Vec::new();
    let mut found = Shown::default();
    // Rows and cells may leave out their `r`: they then follow the one before.
    let (mut row, mut column) = (0u32, 0u32);
    loop {
        buffer.clear();
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"row" => {
                    row = attribute(&e, b"r").and_then(|r| r.parse::<u32>().ok()).unwrap_or(row.saturating_add(1));
                    column = 0;
                    let hidden = attribute(&e, b"hidden").is_some_and(|h| h == "1" || h == "true");
                    if hidden && found.hidden_rows.len() < MAX_MARKED {
                        found.hidden_rows.insert(row.saturating_sub(1));
                    }
                }
                b"c" => {
                    let position =
                        attribute(&e, b"r").and_then(|r| cell_position(&r)).unwrap_or((row.saturating_sub(1), column));
                    column = position.1.saturating_add(1);
                    let style = attribute(&e, b"s").and_then(|s| s.parse::<usize>().ok());
                    if let Some(format) = style.and_then(|s| styles.get(&s))
                        && found.formats.len() < MAX_MARKED
                    {
                        found.formats.insert(position, *format);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => return found,
            _ => {}
        }
    }
}

/// `B5` → (4, 1).
fn cell_position(reference: &str) -> Option<Position> {
    let letters = reference.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let column = reference[..letters]
        .bytes()
        .try_fold(0u32, |n, b| Some(n * 26 + u32::from(b.to_ascii_uppercase().checked_sub(b'A')?) + 1))?;
    let row: u32 = reference[letters..].parse().ok()?;
    Some((row.checked_sub(1)?, column - 1))
}

/// An attribute by its name as written, prefix and all (`s`, `table:name`: the prefixes the
/// packages' own writers use).
fn attribute(element: &BytesStart, name: &[u8]) -> Option<String> {
    element.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| value_of(&a))
}

fn value_of(attribute: &quick_xml::events::attributes::Attribute) -> Option<String> {
    let raw = std::str::from_utf8(&attribute.value).ok()?;
    quick_xml::escape::unescape(raw).ok().map(|v| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_formats_are_told_from_a_quoted_or_escaped_sign() {
        for code in ["0%", "0.0%", "#,##0.00%;[Red]-0.00%", "[$-804]0.0%"] {
            assert_eq!(format_of(code), Some(Format::Percent), "{code}");
        }
        for code in ["0", "0\"%\"", "0\\%", "0;0%", "General"] {
            assert_eq!(format_of(code), None, "{code}");
        }
    }

    #[test]
    fn dates_shown_as_a_year_or_a_month_are_told_from_days_and_times() {
        for code in ["yyyy\"年\"", "yyyy", "[$-804]yyyy\"年\";@", "[DBNum1]yyyy\"年\""] {
            assert_eq!(format_of(code), Some(Format::Year), "{code}");
        }
        for code in ["yyyy\"年\"m\"月\"", "mmm-yy", "yyyy/mm"] {
            assert_eq!(format_of(code), Some(Format::Month), "{code}");
        }
        for code in ["yyyy-mm-dd", "yyyy\"年\"m\"月\"d\"日\"", "yyyy hh:mm", "m/d/yy", "\"yyyy\"0"] {
            assert_eq!(format_of(code), None, "{code}");
        }
    }

    #[test]
    fn cell_references_count_from_zero() {
        assert_eq!(cell_position("A1"), Some((0, 0)));
        assert_eq!(cell_position("b5"), Some((4, 1)));
        assert_eq!(cell_position("AA10"), Some((9, 26)));
        assert_eq!(cell_position("XFD1048576"), Some((1_048_575, 16_383)));
        for wrong in ["", "5", "A", "A0", "ABCD1"] {
            assert_eq!(cell_position(wrong), None, "{wrong}");
        }
    }
}
