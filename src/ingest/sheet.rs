//! Tables as planners keep them: Excel (.xlsx, .xls) and OpenDocument (.ods) sheets read with
//! calamine, title rows above the header, merged cells, numbers stored as text, dates and date
//! serials, formulas by their cached values — and wide tables, one column per period, read as the
//! long form. Every record keeps the sheet row (and cell) it came from, for the problem list.

use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use super::NotPrepared;
use super::parse::{MAX_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Table, column_and_unit, column_zh};
use super::problems::{Problems, RowError, clip, why};
use super::shown::Format;
use crate::apart::{Failed, Reading};
use crate::domain::{Budget, Period};

/// How many rows from the top a header is looked for in (title rows, notes, blank rows).
const HEADER_SEARCH_ROWS: usize = 30;
/// The most an .xlsx / .ods may unpack to: a small file of repeated cells (or of padding) can
/// unpack to gigabytes of XML. A sheet of the most cells read ([`MAX_GRID_CELLS`]) is ~100 MB.
const MAX_UNPACKED_BYTES: u64 = 300_000_000;

/// What kind of spreadsheet the bytes are, if any (by their signature, not their name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// .xlsx or .ods: a zip archive.
    Zip,
    /// .xls: an OLE compound file.
    Xls,
}

pub fn kind_of(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(Kind::Zip)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(Kind::Xls)
    } else {
        None
    }
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

/// The rows of a sheet (or of a CSV read as a grid): each with its row number from 1.
#[derive(Debug, Default, serde::Serialize)]
pub struct Grid {
    /// The sheet's name (none for a CSV).
    pub sheet: Option<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
    /// The column of each row's first cell (0 = A).
    pub first_column: u32,
    /// `xlsx`, `xls`, `ods` or `csv`.
    pub format: &'static str,
}

impl Grid {
    /// Whether a header row (long or wide) stands within the rows searched for one.
    fn has_header(&self) -> bool {
        self.rows.iter().take(HEADER_SEARCH_ROWS).any(|(_, cells)| {
            let header = Header::of(cells);
            header.is_long() || header.is_wide()
        })
    }
}

/// A grid as a reading child wrote it.
#[derive(serde::Deserialize)]
struct GridAsSent {
    sheet: Option<String>,
    rows: Vec<(usize, Vec<Cell>)>,
    first_column: u32,
    format: String,
}

// By hand: derived, the `&'static str` would have it borrow from input that lives for ever.
impl<'de> serde::Deserialize<'de> for Grid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Grid, D::Error> {
        let sent = GridAsSent::deserialize(deserializer)?;
        let format = ["xlsx", "xls", "xlsb", "ods", "csv"]
            .into_iter()
            .find(|known| *known == sent.format)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown format {}", sent.format)))?;
        Ok(Grid { sheet: sent.sheet, rows: sent.rows, first_column: sent.first_column, format })
    }
}

/// The column letters of a 0-based column: 0 → A, 26 → AA.
pub fn column_letters(mut index: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

fn sheet_problem(sheet: Option<&str>, code: &'static str, en: String, zh: String) -> Problems {
    let mut error = RowError::file(why(code, en, zh));
    error.sheet = sheet.map(clip);
    Problems::from(vec![error])
}

/// Reads one sheet (the first unless `wanted` names one) of an Excel or OpenDocument file.
/// Reads a workbook's sheet (the first, or `wanted`): in a child process with a memory ceiling
/// when the server has set one up ([`crate::apart`]), else here.
pub fn read_workbook(bytes: &[u8], kind: Kind, wanted: Option<&str>, budget: &Budget) -> Result<Grid, NotPrepared> {
    if let Some(wanted) = wanted.filter(|w| w.chars().any(char::is_control)) {
        return Err(NotPrepared::Invalid(sheet_problem(
            None,
            "sheet_unknown",
            format!("the sheet name `{}` holds a control character", clip(&wanted.replace(char::is_control, " "))),
            format!("工作表名称“{}”含有控制字符", clip(&wanted.replace(char::is_control, " "))),
        )));
    }
    let read = crate::apart::read_apart::<Result<Grid, Problems>>(Reading::Sheet, wanted, bytes, budget);
    match read {
        None => read_workbook_here(bytes, kind, wanted).map_err(NotPrepared::Invalid),
        Some(Ok(read)) => read.map_err(NotPrepared::Invalid),
        Some(Err(Failed::Stopped(stopped))) => Err(NotPrepared::Stopped(stopped)),
        Some(Err(Failed::OutOfMemory)) => Err(NotPrepared::Invalid(sheet_problem(
            None,
            "spreadsheet_too_large",
            format!(
                "reading the spreadsheet needs more than {} GB of memory: a sheet that declares cells far beyond its data (a stray cell a million rows down?) or cells repeated millions of times; copy the data into a new workbook and upload that",
                crate::apart::READING_MEMORY_BYTES >> 30
            ),
            format!(
                "读取该电子表格需要超过 {} GB 内存：某个工作表声明了远超数据范围的单元格（例如百万行之下的零散单元格）或重复了数百万次的单元格；请把数据复制到新工作簿后再上传",
                crate::apart::READING_MEMORY_BYTES >> 30
            ),
        ))),
        // What went wrong is logged; the client is told no more (the reason may name the server's
        // files).
        Some(Err(Failed::Broke(why) | Failed::NotStarted(why))) => {
            tracing::warn!(error = %why, "a spreadsheet could not be read in its own process");
            Err(NotPrepared::Invalid(unreadable("damaged, or not a spreadsheet this server can read")))
        }
    }
}

/// Two sheets of one workbook hold a table each: the clerk says which is meant.
fn two_tables(first: &str, second: &str) -> Problems {
    let (first, second) = (clip(first), clip(second));
    sheet_problem(
        None,
        "two_sheets_with_tables",
        format!(
            "sheets `{first}` and `{second}` both hold a table: name the sheet to read (the sheet field, `?sheet=`), or put the figures on one sheet"
        ),
        format!(
            "工作表“{first}”和“{second}”都有数据表：请在“工作表”中填写要读取的工作表名称，或把数据放在同一个工作表中"
        ),
    )
}

fn unreadable(e: &str) -> Problems {
    let cause = clip(e);
    sheet_problem(
        None,
        "spreadsheet_unreadable",
        format!("the file looks like a spreadsheet (.xlsx, .xls or .ods) but cannot be read: {cause}"),
        // The reader's own words are English: the Chinese reason says what the clerk can do.
        "文件看起来是电子表格（.xlsx、.xls 或 .ods），但无法读取：文件可能已损坏或未保存完整，请用 Excel 打开后重新保存再上传".to_owned(),
    )
}

/// [`read_workbook`] in this process.
pub fn read_workbook_here(bytes: &[u8], kind: Kind, wanted: Option<&str>) -> Result<Grid, Problems> {
    if kind == Kind::Zip {
        check_unpacked_size(bytes)?;
    }
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e.to_string()))?;
    let format = match &workbook {
        calamine::Sheets::Xls(_) => "xls",
        calamine::Sheets::Xlsx(_) => "xlsx",
        calamine::Sheets::Xlsb(_) => "xlsb",
        calamine::Sheets::Ods(_) => "ods",
    };
    let names = workbook.sheet_names();
    let Some(wanted) = wanted.filter(|w| !w.trim().is_empty()) else {
        // No sheet named: the visible one that holds a header, so a workbook opening with its
        // instructions (填报说明) reads as the clerk expects; none has one → the first sheet's
        // answer. A hidden sheet (last year's figures kept out of sight) is not what the clerk sent;
        // two sheets with a header are one too many to guess between.
        let visible: Vec<String> = workbook
            .sheets_metadata()
            .iter()
            .filter(|sheet| sheet.visible == calamine::SheetVisible::Visible)
            .map(|sheet| sheet.name.clone())
            .collect();
        let mut first = None;
        let mut with_header: Option<Grid> = None;
        for name in names.iter().filter(|name| visible.contains(name)) {
            let read = read_sheet(&mut workbook, bytes, format, name);
            match (read, &with_header) {
                (Ok(grid), None) if grid.has_header() => with_header = Some(grid),
                (Ok(grid), Some(earlier)) if grid.has_header() => {
                    return Err(two_tables(earlier.sheet.as_deref().unwrap_or_default(), name));
                }
                (read, _) => {
                    first.get_or_insert(read);
                }
            }
        }
        return with_header.map(Ok).or(first).unwrap_or_else(|| Err(unreadable("no visible sheet")));
    };
    let name = names.iter().find(|n| n.as_str() == wanted.trim()).cloned().ok_or_else(|| {
        let listed = names.iter().map(|n| clip(n)).collect::<Vec<_>>().join("、");
        let shown = clip(wanted);
        sheet_problem(
            None,
            "sheet_unknown",
            format!("the workbook has no sheet `{shown}`; its sheets: {listed}"),
            format!("工作簿中没有名为“{shown}”的工作表；现有工作表：{listed}"),
        )
    })?;
    read_sheet(&mut workbook, bytes, format, &name)
}

/// One sheet of a workbook as a grid of cells (percent cells as shown, merged cells filled).
fn read_sheet(
    workbook: &mut calamine::Sheets<Cursor<&[u8]>>,
    bytes: &[u8],
    format: &'static str,
    name: &str,
) -> Result<Grid, Problems> {
    let name = name.to_owned();
    let range = workbook.worksheet_range(&name).map_err(|e| unreadable(&e.to_string()))?;
    let merged = match workbook {
        calamine::Sheets::Xlsx(x) => x.worksheet_merge_cells(&name).and_then(Result::ok).unwrap_or_default(),
        calamine::Sheets::Xls(x) => x.worksheet_merge_cells(&name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let Some((first_row, first_column)) = range.start() else {
        return Err(sheet_problem(
            Some(&name),
            "empty_file",
            format!("sheet `{}` is empty: expected a header row and data rows", clip(&name)),
            format!("工作表“{}”是空的：应有一行表头和若干数据行", clip(&name)),
        ));
    };
    if range.width() > MAX_COLUMNS {
        return Err(sheet_problem(
            Some(&name),
            "too_many_columns",
            format!("sheet `{}` has {} columns; at most {MAX_COLUMNS} are read", clip(&name), range.width()),
            format!("工作表“{}”有 {} 列；最多读取 {MAX_COLUMNS} 列", clip(&name), range.width()),
        ));
    }
    // Rows repeated by count (an .ods row marked to repeat a million times is a few bytes) are
    // read as many rows: held whole and checked one by one, they are bounded like a CSV read
    // whole. Blank rows at the end (formatting down to the sheet's last row) are no cells.
    let filled_rows = range
        .rows()
        .rposition(|row| row.iter().any(|d| !matches!(d, calamine::Data::Empty)))
        .map_or(0, |last| last + 1);
    let cells = filled_rows.saturating_mul(range.width());
    if cells > MAX_GRID_CELLS {
        return Err(sheet_problem(
            Some(&name),
            "grid_too_large",
            format!(
                "sheet `{}` holds {cells} cells; at most {MAX_GRID_CELLS} are read: split it into several files",
                clip(&name)
            ),
            format!("工作表“{}”有 {cells} 个单元格；最多读取 {MAX_GRID_CELLS} 个：请分成几个文件上传", clip(&name)),
        ));
    }
    // A cell Excel shows as a percentage holds the fraction (15% is 0.15): it is read as the 15%
    // the clerk saw, so a percent indicator gets 15 and any other a clear refusal. A date shown as
    // its year (2023年) is that year, not the 1 January it is stored as.
    let shown = match format {
        "xlsx" => super::shown::xlsx_shown(Cursor::new(bytes), &name),
        "ods" => super::shown::ods_shown(Cursor::new(bytes), &name),
        _ => Default::default(),
    };
    let mut rows: Vec<(usize, Vec<Cell>)> = range
        .rows()
        .take(filled_rows)
        .enumerate()
        .map(|(i, row)| {
            let at = first_row + i as u32;
            let cells = row.iter().enumerate().map(|(j, data)| {
                let cell = cell_of(data);
                match shown.formats.get(&(at, first_column + j as u32)) {
                    Some(Format::Percent) => as_percent(cell),
                    Some(Format::Year) => as_year(cell),
                    Some(Format::Month) => as_month(cell),
                    None => cell,
                }
            });
            (at as usize + 1, cells.collect())
        })
        .collect();
    // A merged cell's value belongs to every cell it covers (an indicator merged over its
    // districts' rows, a header merged over two rows).
    let regions =
        merged_within(&merged, first_row, first_column, rows.len() as u32, range.width() as u32).ok_or_else(|| {
            sheet_problem(
                Some(&name),
                "overlapping_merges",
                format!(
                    "sheet `{}` declares merged cells covering more than the whole sheet: save it again from Excel",
                    clip(&name)
                ),
                format!("工作表“{}”声明的合并单元格相互重叠、超出整张表：请用 Excel 重新保存", clip(&name)),
            )
        })?;
    for (rows_covered, columns_covered) in regions {
        let Some(value) = rows.get(rows_covered.start).and_then(|(_, r)| r.get(columns_covered.start)).cloned() else {
            continue;
        };
        for (_, cells) in &mut rows[rows_covered] {
            for cell in cells.iter_mut().take(columns_covered.end).skip(columns_covered.start) {
                if *cell == Cell::Empty {
                    *cell = value.clone();
                }
            }
        }
    }
    // Blank rows say nothing (as in a CSV); a sheet declaring cells far below its data sends back
    // only the rows that hold something. A hidden row is not what the clerk sees: passed over.
    rows.retain(|(line, cells)| {
        cells.iter().any(|c| *c != Cell::Empty) && !shown.hidden_rows.contains(&(*line as u32 - 1))
    });
    Ok(Grid { sheet: Some(name), rows, first_column, format })
}

/// The merged regions as (rows, columns) of the grid, cut to it; those starting outside it left
/// out (their value is not in the grid). `None` when together they cover more cells than the grid
/// holds: merges never overlap in a file Excel wrote, and filling overlapping ones would cost the
/// regions' count times the grid (a 14 KB file declaring 100 000 whole-sheet merges).
fn merged_within(
    merged: &[calamine::Dimensions],
    first_row: u32,
    first_column: u32,
    height: u32,
    width: u32,
) -> Option<Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>> {
    let cut = |start: u32, end: u32, first: u32, size: u32| -> Option<std::ops::Range<usize>> {
        let from = start.checked_sub(first)?;
        let to = end.saturating_sub(first).min(size.checked_sub(1)?);
        (from <= to).then_some(from as usize..to as usize + 1)
    };
    let regions: Vec<_> = merged
        .iter()
        .filter_map(|r| {
            Some((cut(r.start.0, r.end.0, first_row, height)?, cut(r.start.1, r.end.1, first_column, width)?))
        })
        .collect();
    let covered: u64 = regions.iter().map(|(rows, columns)| (rows.len() * columns.len()) as u64).sum();
    (covered <= u64::from(height) * u64::from(width)).then_some(regions)
}

/// Refuses an archive that would unpack to more than [`MAX_UNPACKED_BYTES`].
fn check_unpacked_size(bytes: &[u8]) -> Result<(), Problems> {
    let Ok(mut archive) = ::zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        if let Ok(entry) = archive.by_index_raw(i) {
            total = total.saturating_add(entry.size());
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(sheet_problem(
            None,
            "spreadsheet_too_large",
            format!("the spreadsheet unpacks to {} MB; at most {} MB are read", total >> 20, MAX_UNPACKED_BYTES >> 20),
            format!("电子表格解压后为 {} MB；最多读取 {} MB", total >> 20, MAX_UNPACKED_BYTES >> 20),
        ));
    }
    check_shared_strings(&mut archive)
}

/// Refuses an .xlsx whose table of shared strings holds more strings than a sheet read holds
/// cells: 20 million empty strings are 600 KB zipped and a minute and a half of reading.
fn check_shared_strings<R: std::io::Read + std::io::Seek>(archive: &mut ::zip::ZipArchive<R>) -> Result<(), Problems> {
    use std::io::Read;
    let Ok(mut entry) = archive.by_name("xl/sharedStrings.xml") else { return Ok(()) };
    let (mut strings, mut buffer, mut carried) = (0usize, vec![0u8; 64 * 1024], Vec::with_capacity(8));
    loop {
        let read = entry.read(&mut buffer).unwrap_or(0);
        if read == 0 {
            return Ok(());
        }
        // `<si>` / `<si/>` may straddle two reads: the last bytes of one are looked at with the next.
        carried.extend_from_slice(&buffer[..read.min(3)]);
        strings += carried.windows(4).filter(|w| is_string_start(w)).count();
        strings += buffer[..read].windows(4).filter(|w| is_string_start(w)).count();
        carried.clear();
        carried.extend_from_slice(&buffer[read.saturating_sub(3)..read]);
        if strings > MAX_GRID_CELLS {
            return Err(sheet_problem(
                None,
                "grid_too_large",
                format!(
                    "the workbook declares more than {MAX_GRID_CELLS} texts; at most {MAX_GRID_CELLS} cells are read"
                ),
                format!("工作簿声明的文本超过 {MAX_GRID_CELLS} 个；最多读取 {MAX_GRID_CELLS} 个单元格"),
            ));
        }
    }
}

/// `<si>`, `<si/>` or `<si ` — the start of one shared string.
fn is_string_start(w: &[u8]) -> bool {
    w[..3] == *b"<si" && matches!(w[3], b'>' | b'/' | b' ')
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.trim().to_owned()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if d.is_datetime() => Cell::Date(dt.date()),
            _ => Cell::Number(d.as_f64()),
        },
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// A number shown as a percentage, as it is shown: 0.155 → `15.5%`.
fn as_percent(cell: Cell) -> Cell {
    match cell {
        // Rounded to a billionth of a point: 0.15 × 100 is 15.000000000000002 in binary.
        Cell::Number(fraction) => Cell::Text(format!("{}%", number_text((fraction * 100.0 * 1e9).round() / 1e9))),
        other => other,
    }
}

/// A date shown as its year: that year.
fn as_year(cell: Cell) -> Cell {
    match shown_date(&cell) {
        Some(d) => Cell::Text(d.year().to_string()),
        None => cell,
    }
}

/// A date shown as its month: that month.
fn as_month(cell: Cell) -> Cell {
    match shown_date(&cell) {
        Some(d) => Cell::Text(Period::Month(d.year(), d.month()).to_string()),
        None => cell,
    }
}

fn shown_date(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(v) if v.fract() == 0.0 && (10_000.0..=2_958_465.0).contains(v) => serial_date(*v),
        _ => None,
    }
}

/// A number as a clerk would type it: whole numbers without a decimal point.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// An Excel date serial (days since 1899-12-30).
fn serial_date(v: f64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(v as u64))
}

/// A cell read as a period: a year as a number, a date cell (the first of a month is the month
/// Excel made of "2016-3"), a date serial, or text.
fn period_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(t) => Some(t.clone()),
        Cell::Number(v) if v.fract() == 0.0 && (1000.0..=9999.0).contains(v) => Some(number_text(*v)),
        Cell::Number(v) if v.fract() == 0.0 && (10_000.0..=2_958_465.0).contains(v) => {
            serial_date(*v).map(|d| date_period(d).to_string())
        }
        Cell::Number(v) => Some(number_text(*v)),
        Cell::Date(d) => Some(date_period(*d).to_string()),
    }
}

fn date_period(d: NaiveDate) -> Period {
    if d.day() == 1 { Period::Month(d.year(), d.month()) } else { Period::Day(d) }
}

fn value_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(t) => Some(t.clone()),
        Cell::Number(v) => Some(number_text(*v)),
        Cell::Date(d) => Some(d.to_string()),
    }
}

/// A header cell as a period (a wide table's period column), in its canonical spelling.
fn header_period(cell: &Cell) -> Option<String> {
    let text = period_text(cell)?;
    super::validate::parse_period(&text).ok().map(|p| p.to_string())
}

/// What a header row says about its columns.
#[derive(Debug)]
struct Header {
    /// (column index in the row, canonical name) of the named columns.
    named: Vec<(usize, &'static str)>,
    /// (column index, period) of a wide table's period columns.
    periods: Vec<(usize, String)>,
    /// Non-empty cells that name nothing known: (column index, text).
    unknown: Vec<(usize, String)>,
    /// A column named twice: no header to go by.
    repeated: bool,
    /// The unit the value column's header states (`数值（亿元）`).
    values_unit: Option<String>,
}

impl Header {
    fn of(cells: &[Cell]) -> Header {
        let mut header =
            Header { named: Vec::new(), periods: Vec::new(), unknown: Vec::new(), repeated: false, values_unit: None };
        for (i, cell) in cells.iter().enumerate() {
            let text = match cell {
                Cell::Text(t) => t.clone(),
                Cell::Empty => continue,
                other => period_text(other).unwrap_or_default(),
            };
            if let Some((name, unit)) = column_and_unit(&text) {
                header.repeated |= header.named.iter().any(|(_, n)| *n == name);
                header.named.push((i, name));
                header.values_unit = header.values_unit.take().or(unit);
            } else if let Some(period) = header_period(cell) {
                header.repeated |= header.periods.iter().any(|(_, p)| *p == period);
                header.periods.push((i, period));
            } else if !super::parse::is_bookkeeping_column(&text) {
                header.unknown.push((i, text));
            }
        }
        header
    }

    fn has(&self, name: &str) -> bool {
        self.named.iter().any(|(_, n)| *n == name)
    }

    fn is_long(&self) -> bool {
        !self.repeated && REQUIRED_COLUMNS.iter().all(|c| self.has(c))
    }

    /// Indicators down, periods across: no period or value column, at least one period header.
    fn is_wide(&self) -> bool {
        !self.repeated && self.has("indicator") && !self.has("period") && !self.has("value") && !self.periods.is_empty()
    }
}

/// Where each record of a table read from a grid came from, for the problem list.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub sheet: Option<String>,
    /// The column letters of the named columns.
    pub letters: Vec<(&'static str, String)>,
    /// A wide table: the column of each record's value (its period's column).
    pub value_columns: Option<Vec<String>>,
}

impl Origin {
    /// The cell (`C7`) of `column` in record `record`, on sheet row `line`.
    pub fn cell(&self, record: usize, column: &str, line: usize) -> Option<String> {
        let letters = match (&self.value_columns, column) {
            (Some(columns), "value" | "period") => columns.get(record)?.clone(),
            _ => self.letters.iter().find(|(name, _)| *name == column)?.1.clone(),
        };
        Some(format!("{letters}{line}"))
    }
}

/// The long-form table a grid holds: its header found below any title rows, a wide table
/// unpivoted (an empty period cell is no record), every record with its row and cell.
pub fn table_from_grid(grid: Grid) -> Result<Table, Problems> {
    let sheet = grid.sheet.clone();
    let letter = |i: usize| column_letters(grid.first_column + i as u32);
    let found = grid
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(index, (line, cells))| (index, *line, Header::of(cells)))
        .find(|(_, _, h)| h.is_long() || h.is_wide());
    let Some((header_index, header_line, header)) = found else {
        if let Some(problem) = header_nearly_found(&grid) {
            return Err(problem);
        }
        let (required, optional) = (REQUIRED_COLUMNS.join(", "), OPTIONAL_COLUMNS.join(", "));
        return Err(sheet_problem(
            sheet.as_deref(),
            "header_not_found",
            format!(
                "no header row in the first {HEADER_SEARCH_ROWS} rows: a header names {required} (optionally {optional}), \
                 or an indicator column and one column per period (2016, 2016年, 2016年第一季度 …)"
            ),
            format!(
                "前 {HEADER_SEARCH_ROWS} 行中没有表头：表头应含 指标、期间、数值（可选 地区、单位、备注、来源），\
                 或者含 指标 列和每个期间一列（2016、2016年、2016年第一季度……）"
            ),
        ));
    };
    if !header.unknown.is_empty() {
        let errors: Vec<RowError> = header
            .unknown
            .iter()
            .map(|(i, text)| {
                let shown = clip(text);
                let mut e = RowError::at(
                    header_line,
                    Some(text),
                    None,
                    why(
                        "unknown_column",
                        format!("unknown column `{shown}`: the columns are indicator, period, value, region, unit, note, source, or periods (2016, 2016年 …) in a wide table"),
                        format!("未知的列“{shown}”：可用的列为 指标、期间、数值、地区、单位、备注、来源，宽表中每个期间一列（2016、2016年……）"),
                    ),
                );
                e.sheet = sheet.clone();
                e.cell = Some(format!("{}{header_line}", letter(*i)));
                e
            })
            .collect();
        return Err(Problems::from(errors));
    }
    let wide = !header.is_long();
    let data = &grid.rows[header_index + 1..];
    let columns: Vec<&'static str> =
        header.named.iter().map(|(_, n)| *n).filter(|n| !(wide && *n == "value")).collect();
    let mut texts: Vec<Vec<Option<String>>> = vec![Vec::new(); columns.len() + if wide { 2 } else { 0 }];
    let mut lines = Vec::new();
    let mut value_columns = Vec::new();
    let cell = |cells: &[Cell], i: usize| cells.get(i).cloned().unwrap_or(Cell::Empty);
    let mut ambiguous = Vec::new();
    // A second table below the first, headed alike (附表：2025年数据, then the header again):
    // its title and header are no figures, its rows are read like the first table's.
    let header_cells = &grid.rows[header_index].1;
    let heads_again = |cells: &[Cell]| cells == header_cells.as_slice();
    for (index, (line, cells)) in data.iter().enumerate() {
        let titles_next = cells.iter().filter(|c| **c != Cell::Empty).count() == 1
            && data.get(index + 1).is_some_and(|(_, next)| heads_again(next));
        if is_note_row(cells) || heads_again(cells) || titles_next {
            continue;
        }
        let mut named: Vec<Option<String>> = header
            .named
            .iter()
            .map(|(i, name)| {
                let here = cell(cells, *i);
                if *name != "period" {
                    return value_text(&here);
                }
                if is_ambiguous_period(&here) {
                    ambiguous.push((*line, format!("{}{line}", letter(*i))));
                }
                period_text(&here)
            })
            .collect();
        // 合计 written in the 序号 column, the 指标 cell left empty: still a total row.
        if let Some(k) = header.named.iter().position(|(_, name)| *name == "indicator")
            && named[k].is_none()
            && let Some(total) = cells.iter().find_map(|c| match c {
                Cell::Text(t) if super::validate::is_total_row(t) => Some(t.clone()),
                _ => None,
            })
        {
            named[k] = Some(total);
        }
        if wide {
            for (i, period) in &header.periods {
                let Some(value) = value_text(&cell(cells, *i)) else { continue };
                for (k, text) in named.iter().enumerate() {
                    texts[k].push(text.clone());
                }
                texts[columns.len()].push(Some(period.clone()));
                texts[columns.len() + 1].push(Some(value));
                lines.push(*line);
                value_columns.push(letter(*i));
            }
        } else if named.iter().any(Option::is_some) {
            for (k, text) in named.into_iter().enumerate() {
                texts[k].push(text);
            }
            lines.push(*line);
        }
    }
    if !ambiguous.is_empty() {
        return Err(ambiguous_periods(sheet.as_deref(), &ambiguous));
    }
    let mut names: Vec<&str> = columns.clone();
    if wide {
        names.extend(["period", "value"]);
    }
    // 数值（亿元）: the unit the header states is every row's, as if written in a 单位 column.
    let stated_unit = header.values_unit.as_ref().filter(|_| !header.has("unit"));
    if let Some(unit) = stated_unit {
        names.push("unit");
        texts.push(vec![Some(unit.clone()); lines.len()]);
    }
    let frame_columns: Vec<Column> =
        names.iter().zip(texts).map(|(name, values)| Column::new((*name).into(), values)).collect();
    let frame = DataFrame::new(lines.len(), frame_columns).map_err(|e| {
        sheet_problem(
            sheet.as_deref(),
            "csv_syntax",
            format!("cannot build the table: {e}"),
            format!("无法组成表格：{e}"),
        )
    })?;
    let mut letters: Vec<(&'static str, String)> = header.named.iter().map(|(i, name)| (*name, letter(*i))).collect();
    // A unit stated in the value column's header is found wrong in that column.
    if let (Some(_), Some((i, _))) = (stated_unit, header.named.iter().find(|(_, name)| *name == "value")) {
        letters.push(("unit", letter(*i)));
    }
    let origin = Origin { sheet, letters, value_columns: wide.then_some(value_columns) };
    Ok(Table { frame, lines, origin: Some(origin), format: grid.format })
}

/// A period typed as a number with one decimal (2019.1): Excel keeps 2019.10 as 2019.1, so
/// October and January cannot be told apart.
fn is_ambiguous_period(cell: &Cell) -> bool {
    matches!(cell, Cell::Number(v) if (1000.0..10_000.0).contains(v) && number_text(*v).ends_with(".1"))
}

fn ambiguous_periods(sheet: Option<&str>, cells: &[(usize, String)]) -> Problems {
    let errors: Vec<RowError> = cells
        .iter()
        .map(|(line, at)| {
            let mut e = RowError::at(
                *line,
                Some("period"),
                None,
                why(
                    "period_ambiguous",
                    "a period typed as a number (2019.1): Excel stores 2019.10 the same way, so January and October cannot be told apart; write it as text, 2019-10 or 2019年10月",
                    "期间写成了数字（如 2019.1）：Excel 把 2019.10 也存成 2019.1，无法分辨 1 月还是 10 月；请写成文字，如 2019-10 或 2019年10月",
                ),
            );
            e.sheet = sheet.map(str::to_owned);
            e.cell = Some(at.clone());
            e
        })
        .collect();
    Problems::from(errors)
}

/// The row of the first ones that names most of the columns, when it names some but not all that
/// are needed: which it found and which it did not, so the clerk sees which heading to change.
fn header_nearly_found(grid: &Grid) -> Option<Problems> {
    let (line, header) = grid
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .map(|(line, cells)| (*line, Header::of(cells)))
        .filter(|(_, h)| !h.named.is_empty())
        .max_by_key(|(_, h)| h.named.len())?;
    let found: Vec<&str> = header.named.iter().map(|(_, name)| column_zh(name).unwrap_or(name)).collect();
    let missing_columns: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| !header.has(c)).collect();
    let missing: Vec<&str> = missing_columns.iter().map(|c| column_zh(c).unwrap_or(c)).collect();
    let unknown: Vec<String> = header.unknown.iter().map(|(_, text)| format!("“{}”", clip(text))).collect();
    let unknown_en: Vec<String> = header.unknown.iter().map(|(_, text)| format!("`{}`", clip(text))).collect();
    let (found_zh, missing_zh) = (found.join("、"), missing.join("、"));
    let not_read_zh =
        if unknown.is_empty() { String::new() } else { format!("；未认出的列：{}", unknown.join("、")) };
    let not_read_en = if unknown_en.is_empty() {
        String::new()
    } else {
        format!("; columns not recognised: {}", unknown_en.join(", "))
    };
    let mut error = RowError::at(
        line,
        None,
        None,
        why(
            "header_incomplete",
            format!(
                "row {line} looks like the header but lacks the column(s) {}{not_read_en}: head them 指标, 期间, 数值 (a unit may follow in brackets: 数值（亿元）)",
                missing_columns.join(", ")
            ),
            format!(
                "第 {line} 行像是表头，认出了 {found_zh}，但缺少 {missing_zh} 列{not_read_zh}：各列请以 指标、期间、数值 为题（单位可写在括号中，如“数值（亿元）”）"
            ),
        ),
    );
    error.sheet = grid.sheet.clone();
    Some(Problems::from(vec![error]))
}

/// What a clerk writes under a table and no figure: a footnote (注：以上数据为初步数), who filled it
/// in or checked it and how to reach them (审核人：… 联系电话：…), where the data came from — each
/// cell of the row such a note, or one cell merged over the row (filled into every cell it covers).
fn is_note_row(cells: &[Cell]) -> bool {
    let mut texts = cells.iter().filter(|c| !matches!(c, Cell::Empty)).peekable();
    texts.peek().is_some() && texts.all(|c| matches!(c, Cell::Text(t) if is_note(t)))
}

/// 注：…, 注1: …, 审核人：…: a lead-in a note starts with, then a colon.
fn is_note(text: &str) -> bool {
    const LEAD_INS: [&str; 18] = [
        "注",
        "说明",
        "备注",
        "填表说明",
        "填报说明",
        "数据来源",
        "资料来源",
        "审核人",
        "填表人",
        "填报人",
        "制表人",
        "负责人",
        "联系人",
        "联系电话",
        "电话",
        "填报单位",
        "填报日期",
        "制表日期",
    ];
    LEAD_INS.iter().any(|lead| {
        text.trim().strip_prefix(lead).is_some_and(|rest| {
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
            rest.starts_with('：') || rest.starts_with(':')
        })
    })
}

/// A CSV whose first line is not a long-form header (a title row, or periods across) read as a
/// grid; `None` when no header row is found in its first rows either.
pub fn csv_grid(text: &str, separator: u8) -> Option<Result<Grid, Problems>> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(separator).from_reader(text.as_bytes());
    let mut lines = FileLines::of(text);
    // Look for a header in the first rows before reading the rest.
    let mut rows = Vec::new();
    let mut cells_kept = 0;
    let mut records = reader.records();
    for record in records.by_ref() {
        let record = record.ok()?;
        let line = lines.of_record(&record);
        if let Err(refused) = within_grid_bounds(&record, line, &mut cells_kept) {
            return Some(Err(refused));
        }
        rows.push((line, record.iter().map(text_cell).collect::<Vec<_>>()));
        if rows.len() >= HEADER_SEARCH_ROWS {
            break;
        }
    }
    rows.iter().map(|(_, cells)| Header::of(cells)).find(|h| h.is_long() || h.is_wide())?;
    for record in records {
        let record = record.ok()?;
        let line = lines.of_record(&record);
        if let Err(refused) = within_grid_bounds(&record, line, &mut cells_kept) {
            return Some(Err(refused));
        }
        let cells: Vec<Cell> = record.iter().map(text_cell).collect();
        if cells.iter().any(|c| *c != Cell::Empty) {
            rows.push((line, cells));
        }
    }
    rows.retain(|(_, cells)| cells.iter().any(|c| *c != Cell::Empty));
    Some(Ok(Grid { sheet: None, rows, first_column: 0, format: "csv" }))
}

/// The file line (from 1) each CSV record starts on, counted from the text itself: the csv
/// reader's own count starts a record at the blank lines before it and counts a CRLF file's
/// lines differently, and a clerk must be sent to the row as the editor numbers it. Records are
/// asked for in order, so the text is walked once.
struct FileLines<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
}

impl<'t> FileLines<'t> {
    fn of(text: &'t str) -> FileLines<'t> {
        FileLines { text: text.as_bytes(), at: 0, line: 1 }
    }

    fn of_record(&mut self, record: &csv::StringRecord) -> usize {
        let start = record.position().map_or(self.at, |p| p.byte() as usize).clamp(self.at, self.text.len());
        self.count_to(start);
        // A record's position may fall on the line ends (blank lines) the reader skipped first.
        while let Some(b'\r' | b'\n') = self.text.get(self.at) {
            self.count_to(self.at + 1);
        }
        self.line
    }

    /// Moves to `end`, counting the lines ended on the way (CRLF, LF or a lone CR each end one).
    fn count_to(&mut self, end: usize) {
        for i in self.at..end {
            match self.text[i] {
                b'\n' => self.line += 1,
                b'\r' if self.text.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.at = end;
    }
}

/// The most cells a CSV read as a grid (title rows above its header, or periods across) holds
/// in memory: a wide table of a thousand indicators by a hundred periods is a tenth of it. A
/// file in the upload format (its header on the first line) is read column by column instead
/// and has no such limit.
pub const MAX_GRID_CELLS: usize = 2_000_000;

/// Refuses a CSV row wider than [`MAX_COLUMNS`], or one that takes the grid past
/// [`MAX_GRID_CELLS`]: each cell held costs many times its bytes.
fn within_grid_bounds(record: &csv::StringRecord, line: usize, cells_kept: &mut usize) -> Result<(), Problems> {
    if record.len() > MAX_COLUMNS {
        return Err(Problems::from(vec![RowError::at(
            line,
            None,
            None,
            why(
                "too_many_columns",
                format!("this row has {} columns; at most {MAX_COLUMNS} are read", record.len()),
                format!("此行有 {} 列；最多读取 {MAX_COLUMNS} 列", record.len()),
            ),
        )]));
    }
    *cells_kept += record.len();
    if *cells_kept > MAX_GRID_CELLS {
        return Err(Problems::from(vec![RowError::at(
            line,
            None,
            None,
            why(
                "grid_too_large",
                format!(
                    "a CSV with title rows above its header, or periods across, is read whole, up to {MAX_GRID_CELLS} cells; \
                     this one goes past that here: put the header (指标, 期间, 数值 …) on the first line to upload a larger file"
                ),
                format!(
                    "表头上方有标题行、或期间横排的 CSV 须整表读入，最多 {MAX_GRID_CELLS} 个单元格，此文件到这一行已超过：\
                     更大的文件请把表头（指标、期间、数值……）放在第一行"
                ),
            ),
        )]));
    }
    Ok(())
}

fn text_cell(text: &str) -> Cell {
    let text = text.trim().trim_start_matches('\u{feff}');
    if text.is_empty() { Cell::Empty } else { Cell::Text(text.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        text_cell(s)
    }

    #[test]
    fn a_csv_grid_numbers_its_rows_by_file_line_whatever_ends_its_lines() {
        // Excel's "save as CSV" ends lines with CRLF: title rows above the header, as a clerk
        // leaves them, and a blank line between.
        let rows =
            ["报送单位：市发展改革委,,", "单位：吨,,", "指标,期间,数值", "煤炭消费总量,2020,1", "煤炭消费总量,2021,2"];
        for ending in ["\n", "\r\n", "\r"] {
            let lines = |text: String| -> Vec<usize> {
                let grid = csv_grid(&text, b',').expect("a header").expect("read");
                grid.rows.iter().map(|(line, _)| *line).collect()
            };
            assert_eq!(lines(rows.join(ending) + ending), [1, 2, 3, 4, 5], "lines ended by {ending:?}");
            let with_blank = [&rows[..2], &[""], &rows[2..]].concat().join(ending);
            assert_eq!(lines(with_blank), [1, 2, 4, 5, 6], "a blank line, lines ended by {ending:?}");
        }
    }

    #[test]
    fn merged_regions_are_cut_to_the_grid_and_overlapping_ones_refused() {
        let region = |start: (u32, u32), end: (u32, u32)| calamine::Dimensions { start, end };
        let whole_sheet = region((0, 0), (1_048_575, 16_383));
        // A 51 × 3 grid starting at B1: a whole-sheet merge starts left of it, and is left out.
        assert_eq!(merged_within(&[whole_sheet], 0, 1, 51, 3), Some(vec![]));
        // Starting at A1, it is cut to the grid; once fills it, twice is more than it holds.
        assert_eq!(merged_within(&[whole_sheet], 0, 0, 51, 3), Some(vec![(0..51, 0..3)]));
        assert_eq!(merged_within(&[whole_sheet, whole_sheet], 0, 0, 51, 3), None);
        // A title over five columns of a three-column grid, an indicator over two rows.
        let title = region((0, 0), (0, 4));
        let indicator = region((3, 0), (4, 0));
        assert_eq!(merged_within(&[title, indicator], 0, 0, 51, 3), Some(vec![(0..1, 0..3), (3..5, 0..1)]));
        // Below the grid: nothing to fill.
        assert_eq!(merged_within(&[region((60, 0), (70, 2))], 0, 0, 51, 3), Some(vec![]));
    }

    #[test]
    fn shared_strings_past_the_cells_read_are_refused_before_they_are_read() {
        use std::io::Write;
        let archive = |strings: usize| {
            let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
            let deflated =
                ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
            zip.start_file("xl/sharedStrings.xml", deflated).unwrap();
            zip.write_all(b"<sst>").unwrap();
            for i in 0..strings {
                // Both spellings, so some straddle the reads' edges.
                zip.write_all(if i % 2 == 0 { b"<si/>" } else { b"<si><t>x</t></si>" }).unwrap();
            }
            zip.write_all(b"</sst>").unwrap();
            ::zip::ZipArchive::new(Cursor::new(zip.finish().unwrap().into_inner())).unwrap()
        };
        assert!(check_shared_strings(&mut archive(MAX_GRID_CELLS)).is_ok());
        let refused = check_shared_strings(&mut archive(MAX_GRID_CELLS + 1)).unwrap_err();
        assert!(format!("{refused:?}").contains("grid_too_large"), "{refused:?}");
    }

    #[test]
    fn column_letters_run_past_z() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702].into_iter().map(column_letters).collect();
        assert_eq!(letters, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn title_rows_are_skipped_and_a_wide_table_is_unpivoted() {
        let grid = Grid {
            sheet: Some("Sheet1".to_owned()),
            rows: vec![
                (1, vec![text("2016—2018年光纤入户情况"), Cell::Empty, Cell::Empty, Cell::Empty]),
                (3, vec![text("指标名称"), text("区域"), text("2016年（基期）"), text("2017年")]),
                (4, vec![text("实际光纤入户率"), text("全市"), Cell::Number(58.0), text("62")]),
                (5, vec![text("实际光纤入户率"), text("浦东新区"), Cell::Empty, Cell::Number(61.5)]),
            ],
            first_column: 1,
            format: "xlsx",
        };
        let table = table_from_grid(grid).unwrap();
        assert_eq!(table.len(), 3, "the empty 2016 cell of 浦东新区 is no record");
        assert_eq!(table.lines, vec![4, 4, 5]);
        let periods: Vec<Option<&str>> = table.column("period").unwrap().iter().collect();
        assert_eq!(periods, [Some("2016"), Some("2017"), Some("2017")]);
        let values: Vec<Option<&str>> = table.column("value").unwrap().iter().collect();
        assert_eq!(values, [Some("58"), Some("62"), Some("61.5")]);
        let origin = table.origin.as_ref().unwrap();
        assert_eq!(origin.cell(1, "value", 4).as_deref(), Some("E4"));
        assert_eq!(origin.cell(2, "region", 5).as_deref(), Some("C5"));
    }

    #[test]
    fn a_wide_table_with_a_serial_number_and_the_clerks_name_is_read() {
        let grid = Grid {
            sheet: Some("Sheet1".to_owned()),
            rows: vec![
                (1, vec![text("序号"), text("指标名称"), Cell::Number(2020.0), text("填报人")]),
                (2, vec![Cell::Number(1.0), text("实际光纤入户率"), Cell::Number(58.0), text("张三")]),
            ],
            first_column: 0,
            format: "xlsx",
        };
        let table = table_from_grid(grid).unwrap();
        let values: Vec<Option<&str>> = table.column("value").unwrap().iter().collect();
        assert_eq!(values, [Some("58")]);
    }

    #[test]
    fn a_footnote_under_the_table_is_no_record() {
        let note = "注：以上数据为初步数，非正式统计数据。";
        let grid = Grid {
            sheet: Some("Sheet1".to_owned()),
            rows: vec![
                (1, vec![text("指标名称"), Cell::Number(2020.0), text("2021年")]),
                (2, vec![text("实际光纤入户率"), Cell::Number(58.0), Cell::Number(60.0)]),
                // One cell merged over the row: its text in every cell.
                (3, vec![text(note), text(note), text(note)]),
                (4, vec![text("审核人：王五"), Cell::Empty, text("联系电话：021-12345678")]),
                (5, vec![text("注1: 2021年为快报数"), Cell::Empty, Cell::Empty]),
            ],
            first_column: 0,
            format: "xlsx",
        };
        let table = table_from_grid(grid).unwrap();
        assert_eq!(table.lines, vec![2, 2], "{:?}", table.lines);
        // A row that only starts like a note but holds figures is still read (and checked).
        assert!(!is_note_row(&[text("注：以上数据为初步数"), Cell::Number(58.0)]));
        assert!(!is_note_row(&[text("注册企业数"), Cell::Number(2020.0)]), "注册… is a name, not a note");
    }

    #[test]
    fn dates_and_serials_in_a_period_column_are_periods() {
        assert_eq!(period_text(&Cell::Date(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap())).unwrap(), "2016-03");
        assert_eq!(period_text(&Cell::Date(NaiveDate::from_ymd_opt(2016, 3, 31).unwrap())).unwrap(), "2016-03-31");
        assert_eq!(period_text(&Cell::Number(42_460.0)).unwrap(), "2016-03-31");
        assert_eq!(period_text(&Cell::Number(2016.0)).unwrap(), "2016");
        assert_eq!(value_text(&Cell::Number(70.0)).unwrap(), "70");
        assert_eq!(value_text(&Cell::Number(0.125)).unwrap(), "0.125");
    }

    #[test]
    fn a_sheet_without_a_header_says_so() {
        let grid = Grid { rows: vec![(1, vec![text("a"), text("b")])], format: "xlsx", ..Grid::default() };
        let problems = table_from_grid(grid).unwrap_err();
        assert_eq!(problems.errors[0].code, "header_not_found");
        assert!(problems.errors[0].reason_zh.contains("没有表头"));
    }
}
