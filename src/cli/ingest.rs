//! `plantrack ingest`: files through the same path as uploads, with a progress bar while a large
//! file is read and checked, and every problem as a table.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::domain::Budget;
use crate::ingest::{self, Encoding, IngestError, IngestReport, Problems, RowError, UploadRequest};
use crate::present::Lang;

/// Reads a file with a byte progress bar (shown only on a terminal, for files over 1 MB), refusing
/// it once it passes `limit` bytes (the upload limit: `/dev/zero` is not a file to load).
fn read_with_progress(path: &PathBuf, limit: usize, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| {
        anyhow::anyhow!("{}", say(lang, format!("无法打开 {shown}：{e}"), format!("cannot open {shown}: {e}")))
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit as u64 {
        anyhow::bail!(
            "{}",
            say(
                lang,
                format!("{shown} 有 {size} 字节，超过上传上限 {limit} 字节"),
                format!("{shown} is {size} bytes, more than the upload limit of {limit} bytes")
            )
        );
    }
    let mut file = file.take(limit as u64 + 1);
    let bar = if size > 1 << 20 { ProgressBar::new(size) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(say(lang, format!("读取 {shown}"), format!("reading {shown}")));
    let mut bytes = Vec::with_capacity(size as usize);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        bar.inc(n as u64);
        if bytes.len() > limit {
            bar.finish_and_clear();
            anyhow::bail!(
                "{}",
                say(
                    lang,
                    format!("{shown} 超过上传上限 {limit} 字节"),
                    format!("{shown} is larger than the upload limit of {limit} bytes")
                )
            );
        }
    }
    bar.finish_and_clear();
    Ok(bytes)
}

/// The problems of a file: the counts by kind when not all are listed, then the listed ones.
pub fn error_table(problems: &Problems, lang: Lang) -> String {
    let mut out = String::new();
    if problems.truncated {
        let (total, listed) = (problems.total, problems.errors.len());
        out.push_str(&say(
            lang,
            format!("共 {total} 处问题，列出前 {listed} 处。按类别：\n"),
            format!("{total} problems; the first {listed} are listed. By kind:\n"),
        ));
        for c in &problems.summary {
            let reason = if lang == Lang::Zh { &c.reason_zh } else { &c.reason };
            out.push_str(&format!("  {} × {} {}: {reason}\n", c.count, c.column.as_deref().unwrap_or("-"), c.code));
        }
    }
    out.push_str(&rows_table(&problems.errors, lang));
    out
}

fn rows_table(errors: &[RowError], lang: Lang) -> String {
    let mut table = Table::new();
    let header = match lang {
        Lang::Zh => vec!["行", "列", "值", "原因"],
        Lang::En => vec!["line", "column", "value", "reason"],
    };
    table.load_preset(UTF8_FULL_CONDENSED).set_header(header);
    for e in errors {
        table.add_row(vec![
            where_in_file(e, lang),
            e.column.clone().unwrap_or_default(),
            e.value.clone().unwrap_or_default(),
            if lang == Lang::Zh && !e.reason_zh.is_empty() { e.reason_zh.clone() } else { e.reason.clone() },
        ]);
    }
    table.to_string()
}

/// "月报 B4", "12" or "整个文件": where a clerk finds the problem.
fn where_in_file(e: &crate::ingest::RowError, lang: Lang) -> String {
    let at = match (&e.cell, e.line) {
        (Some(cell), _) => cell.clone(),
        (None, 0) => say(lang, "整个文件", "file"),
        (None, line) => line.to_string(),
    };
    match &e.sheet {
        Some(sheet) => format!("{sheet} {at}"),
        None => at,
    }
}

fn summary(path: &std::path::Path, report: &IngestReport, lang: Lang) -> String {
    let shown = path.display();
    let id = report.upload_id.unwrap_or_default();
    if report.duplicate {
        return say(
            lang,
            format!("{shown}：已作为第 {id} 次上传载入（内容相同），没有变化"),
            format!("{shown}: already uploaded as upload {id} (same bytes): nothing changed"),
        );
    }
    let (total, new, revised, unchanged) =
        (report.rows_total, report.rows_new, report.rows_revised, report.rows_unchanged);
    let mut out = match (lang, report.dry_run) {
        (Lang::Zh, dry) => format!(
            "{shown}：{total} 行 — {}新增 {new}，修订 {revised}；不变 {unchanged}{}",
            if dry { "将" } else { "已" },
            report.upload_id.map(|id| format!("（第 {id} 次上传）")).unwrap_or_default()
        ),
        (Lang::En, dry) => format!(
            "{shown}: {total} rows — {} {new} new, {revised} revised; {unchanged} unchanged{}",
            if dry { "would write" } else { "wrote" },
            report.upload_id.map(|id| format!(" (upload {id})")).unwrap_or_default()
        ),
    };
    if report.rows_unfilled > 0 {
        let unfilled = report.rows_unfilled;
        out.push_str(&say(
            lang,
            format!("；{unfilled} 行未填数值，已略过"),
            format!("; {unfilled} rows without a value passed over"),
        ));
    }
    if report.rows_doubtful > 0 {
        let doubtful = report.rows_doubtful;
        out.push_str(&say(lang, format!("\n{doubtful} 个数值请核对："), format!("\n{doubtful} values to check:")));
        for (change, doubt) in report.changes.iter().filter_map(|c| c.doubt.as_ref().map(|d| (c, d))).take(20) {
            let why = say(lang, &doubt.reason_zh, &doubt.reason);
            out.push_str(&say(
                lang,
                format!("\n  第 {} 行（{} {}）：{why}", change.line, change.indicator_name, change.period),
                format!("\n  line {} ({} {}): {why}", change.line, change.indicator, change.period),
            ));
        }
    }
    for change in report.changes.iter().filter(|c| c.change == "revised").take(20) {
        let old = change.old_value.map(|v| v.to_string()).unwrap_or_default();
        let what = format!("{} {} {}: {old} → {}", change.indicator, change.region, change.period, change.value);
        out.push_str(&say(
            lang,
            format!("\n  第 {} 行：{what}", change.line),
            format!("\n  line {}: {what}", change.line),
        ));
    }
    out
}

/// One of two texts, by the CLI's language.
fn say(lang: Lang, zh: impl Into<String>, en: impl Into<String>) -> String {
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

/// Ingests each file in turn; the exit code is non-zero if any file was refused.
pub fn run(
    settings: &Settings,
    files: &[PathBuf],
    dry_run: bool,
    encoding: Option<Encoding>,
    sheet: Option<&str>,
    uploaded_by: &str,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let (pool, catalog, _) = crate::prepare_database(settings)?;
    let mut conn = pool.get()?;
    let mut failed = false;
    for path in files {
        let bytes = read_with_progress(path, settings.upload_limit_bytes, lang)?;
        let request = UploadRequest {
            file_name: path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            bytes,
            uploaded_by: uploaded_by.to_owned(),
            channel: "cli".to_owned(),
            encoding,
            sheet: sheet.map(str::to_owned),
            dry_run,
            inbox_claim: None,
            allowed_indicators: None,
        };
        let shown = path.display();
        let spinner =
            ProgressBar::new_spinner().with_message(say(lang, format!("检查 {shown}"), format!("checking {shown}")));
        spinner.enable_steady_tick(Duration::from_millis(120));
        let result = ingest::ingest(&mut conn, &request, &catalog.regions, crate::now(), &Budget::unlimited());
        spinner.finish_and_clear();
        match result {
            Ok(report) => outln!("{}", summary(path, &report, lang)),
            Err(IngestError::Invalid { upload_id, problems }) => {
                failed = true;
                eprintln!("{}", error_table(&problems, lang));
                let total = problems.total;
                eprintln!(
                    "{}",
                    say(
                        lang,
                        format!(
                            "{shown}：{total} 处问题，未写入任何数据{}",
                            upload_id.map(|id| format!("（记录为第 {id} 次上传）")).unwrap_or_default()
                        ),
                        format!(
                            "{shown}: {total} problem(s); nothing was written{}",
                            upload_id.map(|id| format!(" (recorded as upload {id})")).unwrap_or_default()
                        )
                    )
                );
            }
            Err(e) => {
                let context = say(lang, format!("{shown}：未写入任何数据"), format!("{shown}: nothing was written"));
                return Err(anyhow::Error::new(e).context(context));
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
