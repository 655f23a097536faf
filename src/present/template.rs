//! Reporting templates: one row per figure owed — indicator, period, region, unit, an empty value
//! — in the upload format, as CSV (UTF-8 with a byte-order mark, so that Excel reads the Chinese)
//! or as .xlsx (a title, the header, a drop-down list of regions). Filled in, either uploads as is.

use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook, XlsxError};

use super::Lang;

/// One figure owed.
#[derive(Debug, Clone)]
pub struct TemplateRow {
    /// The indicator's Chinese name (its slug in English).
    pub indicator: String,
    pub period: String,
    pub region: String,
    pub unit: String,
    /// A running total since this day is wanted (a target totals it over its plan).
    pub total_since: Option<chrono::NaiveDate>,
}

fn header(lang: Lang) -> [&'static str; 6] {
    match lang {
        Lang::Zh => ["指标", "期间", "地区", "单位", "数值", "备注"],
        Lang::En => ["indicator", "period", "region", "unit", "value", "note"],
    }
}

pub fn csv(rows: &[TemplateRow], lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(header(lang))?;
    for r in rows {
        out.write_record([r.indicator.as_str(), &r.period, &r.region, &r.unit, "", ""])?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Extra rows the region list covers below the figures owed, for figures a clerk adds.
const SPARE_ROWS: u32 = 200;

/// The template as an .xlsx workbook: `title` in the first row, the header in the third, the
/// figures below; the region column offers the regions as a list (kept on a second sheet).
pub fn xlsx(rows: &[TemplateRow], regions: &[String], title: &str, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let note = Format::new().set_font_color(rust_xlsxwriter::Color::Gray);
    let sheet = workbook.add_worksheet();
    sheet.set_name(match lang {
        Lang::Zh => "报送数据",
        Lang::En => "figures",
    })?;
    sheet.merge_range(0, 0, 0, 5, title, &bold.clone().set_font_size(13))?;
    let hint = match lang {
        Lang::Zh => "请在“数值”列填写数据（按“单位”列的单位）；里程碑可填“完成”或完成百分比。其余各列请勿修改。",
        Lang::En => {
            "Fill in the value column (in the unit given); a milestone takes 完成 or a percentage. Leave the other columns as they are."
        }
    };
    sheet.write_string_with_format(1, 0, hint, &note)?;
    for (column, name) in header(lang).iter().enumerate() {
        sheet.write_string_with_format(2, column as u16, *name, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write_string(row, 0, &r.indicator)?;
        sheet.write_string(row, 1, &r.period)?;
        sheet.write_string(row, 2, &r.region)?;
        sheet.write_string(row, 3, &r.unit)?;
    }
    for (column, width) in [(0, 44.0), (1, 12.0), (2, 12.0), (3, 10.0), (4, 12.0), (5, 24.0)] {
        sheet.set_column_width(column, width)?;
    }
    sheet.set_freeze_panes(3, 0)?;
    let last = 3 + rows.len() as u32 + SPARE_ROWS;
    let list_sheet = match lang {
        Lang::Zh => "地区",
        Lang::En => "regions",
    };
    let list = Formula::new(format!("='{list_sheet}'!$A$1:$A${}", regions.len().max(1)));
    let validation = DataValidation::new().allow_list_formula(list);
    sheet.add_data_validation(3, 2, last, 2, &validation)?;
    // A total built up over a plan (新增, 累计 …): the clerk is told, on the cell, which number
    // is wanted — a year's own amount would read as far too little progress.
    for (i, r) in rows.iter().enumerate() {
        let Some(since) = r.total_since else { continue };
        let (title, message) = match lang {
            Lang::Zh => ("累计值", format!("请填写自 {since} 起至本期末的累计合计，不是本期新增量。")),
            Lang::En => (
                "Running total",
                format!("The total since {since} up to the period's end, not the period's own amount."),
            ),
        };
        let total = DataValidation::new().allow_any_value().set_input_title(title)?.set_input_message(message)?;
        sheet.add_data_validation(3 + i as u32, 4, 3 + i as u32, 4, &total)?;
    }
    let regions_sheet = workbook.add_worksheet();
    regions_sheet.set_name(list_sheet)?;
    for (i, region) in regions.iter().enumerate() {
        regions_sheet.write_string(i as u32, 0, region)?;
    }
    workbook.save_to_buffer()
}
