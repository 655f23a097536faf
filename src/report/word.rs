//! The report as an editable Word file (docx-rs): the same first page (identity, totals, changes,
//! problems, overdue figures), one table per plan with its header row repeated on every page,
//! the charts as PNG images, page numbers in the footer, and Chinese fonts named the way Word and
//! WPS find them (宋体 for text, 黑体 for headings).

use std::collections::HashMap;
use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Footer, NumPages, PageMargin, PageNum, Paragraph, Pic, Run, RunFonts, Table, TableCell,
    TableRow, WidthType,
};

use super::ReportError;
use super::data::ReportData;

/// A4 in twentieths of a point, and the text width inside 2 cm margins.
const A4: (u32, u32) = (11_906, 16_838);
const MARGIN: i32 = 1_134;
const TEXT_WIDTH: usize = 11_906 - 2 * 1_134;
/// One centimetre in English Metric Units (images are sized in EMU).
const EMU_PER_CM: u32 = 360_000;

fn fonts() -> RunFonts {
    RunFonts::new().east_asia("宋体").ascii("Arial").hi_ansi("Arial")
}

fn heading_fonts() -> RunFonts {
    RunFonts::new().east_asia("黑体").ascii("Arial").hi_ansi("Arial")
}

fn text(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s).fonts(fonts()).size(21))
}

/// A note of how many there are ({n}) and how many are listed ({k}).
fn counted(note: &str, all: usize, listed: usize) -> String {
    note.replace("{n}", &all.to_string()).replace("{k}", &listed.to_string())
}

fn small(s: &str) -> Paragraph {
    Paragraph::new().add_run(
        Run::new()
            .add_text(s)
            .fonts(fonts())
            .size(17)
            .color(crate::present::palette::REPORT_MUTED.hex().trim_start_matches('#')),
    )
}

fn heading(s: &str, level: usize) -> Paragraph {
    let size = if level == 1 { 32 } else { 26 };
    Paragraph::new()
        .add_run(Run::new().add_text(s).fonts(heading_fonts()).bold().size(size))
        .outline_lvl(level - 1)
        .keep_next(true)
}

fn cell(s: &str, bold: bool) -> TableCell {
    let mut run = Run::new().add_text(s).fonts(fonts()).size(17);
    if bold {
        run = run.bold();
    }
    TableCell::new().add_paragraph(Paragraph::new().add_run(run))
}

/// A table whose first row is its header; `widths` in parts of the text width.
fn table(header: &[&str], rows: Vec<Vec<String>>, widths: &[usize]) -> Table {
    let total: usize = widths.iter().sum();
    let grid: Vec<usize> = widths.iter().map(|w| TEXT_WIDTH * w / total.max(1)).collect();
    let mut all = vec![TableRow::new(header.iter().map(|h| cell(h, true)).collect()).cant_split()];
    all.extend(rows.into_iter().map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect()).cant_split()));
    Table::new(all).set_grid(grid).width(TEXT_WIDTH, WidthType::Dxa)
}

fn label<'a>(data: &'a ReportData, key: &str) -> &'a str {
    data.labels.get(key).and_then(|v| v.as_str()).unwrap_or_default()
}

/// The Word file; `charts` holds PNG bytes (and pixel size) by the names the PDF uses.
pub fn docx(data: &ReportData, charts: &HashMap<String, (Vec<u8>, u32, u32)>) -> Result<Vec<u8>, ReportError> {
    let t = |key: &str| label(data, key);
    let mut doc = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(PageMargin::new().top(MARGIN).bottom(MARGIN).left(MARGIN).right(MARGIN))
        .default_fonts(fonts())
        // Else Word's 文件 → 属性 says the file was made in 1970.
        .created_at(&data.made_utc)
        .updated_at(&data.made_utc);
    if !data.sender.is_empty() {
        doc = doc.add_paragraph(text(&data.sender).align(AlignmentType::Right));
    }
    doc = doc.add_paragraph(heading(&data.title, 1).align(AlignmentType::Center));
    if !data.number.is_empty() {
        doc = doc.add_paragraph(text(&data.number).align(AlignmentType::Center));
    }
    doc = doc.add_paragraph(text(&data.scope).align(AlignmentType::Center)).add_paragraph(small(&format!(
        "{} {} · {} {} · {} {} · {} {}",
        t("as_of"),
        data.as_of,
        t("generated"),
        data.generated_at,
        t("vintage"),
        data.vintage,
        t("method"),
        data.method_label
    )));
    // 总体情况
    let totals: Vec<String> = data
        .statuses
        .iter()
        .zip(&data.totals)
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{} {n}", s.label))
        .collect();
    doc = doc.add_paragraph(heading(t("summary"), 2)).add_paragraph(text(&format!(
        "{}{}",
        t("total_words").replace("{n}", &data.target_count.to_string()),
        totals.join(t("list_sep"))
    )));
    // 与上次报告相比
    doc = doc.add_paragraph(heading(t("changes_heading"), 2));
    match &data.summary.changes {
        None => doc = doc.add_paragraph(text(t("no_previous"))),
        Some(c) => {
            doc = doc.add_paragraph(text(&c.words));
            if !c.counts.is_empty() {
                let counts: Vec<String> = c.counts.iter().map(|(w, n)| format!("{w} {n}")).collect();
                doc = doc.add_paragraph(text(&counts.join(t("list_sep"))));
            }
            if !c.listed.is_empty() {
                if c.transitions > c.listed.len() {
                    let note = counted(t("listed_note"), c.transitions, c.listed.len());
                    doc = doc.add_paragraph(small(&note));
                }
                let rows = c
                    .listed
                    .iter()
                    .map(|x| vec![x.name.clone(), x.plan.clone(), x.from.clone(), x.to.clone()])
                    .collect();
                doc = doc.add_table(table(&[t("indicator"), t("plan"), t("was"), t("now")], rows, &[5, 4, 2, 2]));
            }
        }
    }
    // 主要问题
    doc = doc.add_paragraph(heading(t("problems_heading"), 2));
    if data.summary.problems.is_empty() {
        doc = doc.add_paragraph(text(t("no_problems")));
    } else {
        let note = counted(t("problems_note"), data.summary.problems_total, data.summary.problems.len());
        let rows = data
            .summary
            .problems
            .iter()
            .map(|p| {
                let name = if p.binding { format!("★ {}", p.name) } else { p.name.clone() };
                vec![name, p.plan.clone(), p.label.to_owned(), p.deadline.clone(), p.owner.clone()]
            })
            .collect();
        doc = doc
            .add_paragraph(small(&note))
            .add_table(table(
                &[t("indicator"), t("plan"), t("status"), t("deadline"), t("owner")],
                rows,
                &[5, 4, 2, 2, 2],
            ))
            .add_paragraph(small(t("binding_note")));
    }
    if !data.summary.owing.is_empty() {
        let rows = data
            .summary
            .owing
            .iter()
            .map(|o| vec![o.name.clone(), o.due.to_string(), o.missing.to_string(), o.rate.clone()])
            .collect();
        doc = doc.add_paragraph(heading(t("owing_heading"), 2));
        if data.summary.owing_total > data.summary.owing.len() {
            let note = counted(t("owing_note"), data.summary.owing_total, data.summary.owing.len());
            doc = doc.add_paragraph(small(&note));
        }
        doc = doc.add_table(table(&[t("department"), t("due"), t("missing"), t("rate")], rows, &[4, 1, 1, 1]));
    }
    // The status counts of each plan (or department), as on the PDF's first page.
    if data.plans.len() > 1 {
        let by_department = data.group == super::Group::Department;
        let mut header = vec![if by_department { t("department") } else { t("plan") }];
        header.extend(data.statuses.iter().map(|s| s.label));
        let mut rows =
            vec![std::iter::once(t("all_plans").to_owned()).chain(data.totals.iter().map(usize::to_string)).collect()];
        rows.extend(
            data.plans
                .iter()
                .map(|p| std::iter::once(p.title.clone()).chain(p.counts.iter().map(usize::to_string)).collect()),
        );
        let mut widths = vec![8];
        widths.extend(std::iter::repeat_n(2, data.statuses.len()));
        doc = doc
            .add_paragraph(heading(if by_department { t("by_department") } else { t("by_plan") }, 2))
            .add_table(table(&header, rows, &widths));
    }
    // One section per plan: its table, then its charts. A compact report runs its plans on (as
    // the PDF does); a full one starts each on a new page.
    let full = data.layout == super::Layout::Full;
    for plan in &data.plans {
        let facts = &plan.facts;
        let rows = plan
            .targets
            .iter()
            .map(|x| {
                vec![
                    format!("{} {}{} {}{}", x.name, cited(&x.cited_in), t("line"), x.line, t("line_suffix")),
                    x.baseline.clone(),
                    x.latest.clone(),
                    x.goal.clone(),
                    x.deadline.clone(),
                    x.progress.clone(),
                    x.label.to_owned(),
                ]
            })
            .collect();
        doc = doc.add_paragraph(heading(&plan.title, 2).page_break_before(full)).add_paragraph(small(facts)).add_table(
            table(
                &[t("indicator"), t("baseline"), t("latest"), t("target"), t("deadline"), t("progress"), t("status")],
                rows,
                &[10, 4, 5, 4, 3, 4, 4],
            ),
        );
        for x in plan.targets.iter().filter(|x| x.charted) {
            let Some((png, w, h)) = charts.get(&format!("target:{}", x.slug)) else { continue };
            let width_cm = 16;
            let height_cm_emu = (width_cm * EMU_PER_CM) as u64 * u64::from(*h) / u64::from((*w).max(1));
            let pic = Pic::new_with_dimensions(png.clone(), *w, *h).size(width_cm * EMU_PER_CM, height_cm_emu as u32);
            doc = doc
                .add_paragraph(
                    Paragraph::new()
                        .add_run(
                            Run::new().add_text(format!("{} · {}", x.name, x.label)).fonts(fonts()).bold().size(19),
                        )
                        .keep_next(true),
                )
                .add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic)).keep_next(true))
                .add_paragraph(small(&format!(
                    "{} {} {}{}：「{}」",
                    x.doc,
                    t("line"),
                    x.line,
                    t("line_suffix"),
                    x.quote
                )));
            if !x.counted.is_empty() {
                doc = doc.add_paragraph(small(&x.counted));
            }
        }
    }
    // 附录
    doc = doc.add_paragraph(heading(t("method_heading"), 2).page_break_before(true));
    if let Some(paragraphs) = data.labels.get("method_text").and_then(|v| v.as_array()) {
        for p in paragraphs.iter().filter_map(|p| p.as_str()) {
            doc = doc.add_paragraph(text(p));
        }
    }
    let legend = data.statuses.iter().map(|s| vec![s.label.to_owned(), s.meaning.clone()]).collect();
    doc = doc.add_table(table(&[t("status"), ""], legend, &[1, 5]));
    let (page, of) = if data.lang == "zh" { (("第 ", " 页，共 "), " 页") } else { (("Page ", " of "), "") };
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Right)
            .add_run(Run::new().add_text(format!("{} · {}", data.title, page.0)).fonts(fonts()).size(16))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(page.1).fonts(fonts()).size(16))
            .add_num_pages(NumPages::new())
            .add_run(Run::new().add_text(of).fonts(fonts()).size(16)),
    );
    doc = doc.footer(footer);
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| ReportError::Pdf(format!("docx: {e}")))?;
    repeat_header_rows(out.into_inner())
}

/// Marks every table's first row as its header, repeated at the top of each page it runs onto
/// (`w:tblHeader`, which docx-rs does not write itself).
fn repeat_header_rows(docx: Vec<u8>) -> Result<Vec<u8>, ReportError> {
    use std::io::{Read, Write};
    let failed = |e: String| ReportError::Pdf(format!("docx: {e}"));
    let mut archive = ::zip::ZipArchive::new(Cursor::new(docx)).map_err(|e| failed(e.to_string()))?;
    let mut out = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| failed(e.to_string()))?;
        let name = entry.name().to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| failed(e.to_string()))?;
        if name == "word/document.xml" {
            let xml = String::from_utf8(bytes).map_err(|e| failed(e.to_string()))?;
            bytes = mark_first_rows(&xml).into_bytes();
        }
        out.start_file(name, options).map_err(|e| failed(e.to_string()))?;
        out.write_all(&bytes).map_err(|e| failed(e.to_string()))?;
    }
    Ok(out.finish().map_err(|e| failed(e.to_string()))?.into_inner())
}

/// In each `<w:tbl>`, the first row's `<w:trPr>` gains `<w:tblHeader/>`.
fn mark_first_rows(xml: &str) -> String {
    let mut result = String::with_capacity(xml.len() + 1024);
    let mut rest = xml;
    while let Some(table) = rest.find("<w:tbl>") {
        let (before, after) = rest.split_at(table);
        result.push_str(before);
        match after.find("<w:trPr>") {
            Some(row) if after[..row].matches("<w:tr>").count() + after[..row].matches("<w:tr ").count() == 1 => {
                let at = row + "<w:trPr>".len();
                result.push_str(&after[..at]);
                result.push_str("<w:tblHeader/>");
                rest = &after[at..];
            }
            _ => {
                result.push_str("<w:tbl>");
                rest = &after["<w:tbl>".len()..];
            }
        }
    }
    result.push_str(rest);
    result
}

/// The plan a line is in, with a space after it, where the section is not the plan's own.
fn cited(plan: &str) -> String {
    if plan.is_empty() { String::new() } else { format!("{plan} ") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_tables_first_row_is_its_header() {
        let xml = "<w:body><w:tbl><w:tblPr/><w:tr><w:trPr><w:cantSplit/></w:trPr></w:tr><w:tr><w:trPr><w:cantSplit/></w:trPr></w:tr></w:tbl><w:tbl><w:tr><w:trPr/></w:tr></w:tbl></w:body>";
        let marked = super::mark_first_rows(xml);
        assert_eq!(marked.matches("<w:tblHeader/>").count(), 1, "{marked}");
        assert!(marked.starts_with("<w:body><w:tbl><w:tblPr/><w:tr><w:trPr><w:tblHeader/><w:cantSplit/>"));
    }
}
