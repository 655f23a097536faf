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

/// Reads a file with a byte progress bar (shown only on a terminal, for files over 1 MB), refusing
/// it once it passes `limit` bytes (the upload limit: `/dev/zero` is not a file to load).
fn read_with_progress(path: &PathBuf, limit: usize) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit as u64 {
        anyhow::bail!("{} is {size} bytes, more than the upload limit of {limit} bytes", path.display());
    }
    let mut file = file.take(limit as u64 + 1);
    let bar = if size > 1 << 20 { ProgressBar::new(size) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("reading {}", path.display()));
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
            anyhow::bail!("{} is larger than the upload limit of {limit} bytes", path.display());
        }
    }
    bar.finish_and_clear();
    Ok(bytes)
}

/// The problems of a file: the counts by kind when not all are listed, then the listed ones.
pub fn error_table(problems: &Problems) -> String {
    let mut out = String::new();
    if problems.truncated {
        out.push_str(&format!(
            "{} problems; the first {} are listed. By kind:\n",
            problems.total,
            problems.errors.len()
        ));
        for c in &problems.summary {
            out.push_str(&format!("  {} × {} {}: {}\n", c.count, c.column.as_deref().unwrap_or("-"), c.code, c.reason));
        }
    }
    out.push_str(&rows_table(&problems.errors));
    out
}

fn rows_table(errors: &[RowError]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["行 line", "列 column", "值 value", "原因 reason"]);
    for e in errors {
        table.add_row(vec![
            if e.line == 0 { "file".to_owned() } else { e.line.to_string() },
            e.column.clone().unwrap_or_default(),
            e.value.clone().unwrap_or_default(),
            e.reason.clone(),
        ]);
    }
    table.to_string()
}

fn summary(path: &std::path::Path, report: &IngestReport) -> String {
    let verb = if report.dry_run { "would write" } else { "wrote" };
    if report.duplicate {
        return format!(
            "{}: already uploaded as upload {} (same bytes): nothing changed",
            path.display(),
            report.upload_id.unwrap_or_default()
        );
    }
    let mut out = format!(
        "{}: {} rows — {verb} {} new, {} revised; {} unchanged{}",
        path.display(),
        report.rows_total,
        report.rows_new,
        report.rows_revised,
        report.rows_unchanged,
        report.upload_id.map(|id| format!(" (upload {id})")).unwrap_or_default()
    );
    for change in report.changes.iter().filter(|c| c.change == "revised").take(20) {
        out.push_str(&format!(
            "\n  line {}: {} {} {}: {} → {}",
            change.line,
            change.indicator,
            change.region,
            change.period,
            change.old_value.map(|v| v.to_string()).unwrap_or_default(),
            change.value
        ));
    }
    out
}

/// Ingests each file in turn; the exit code is non-zero if any file was refused.
pub fn run(
    settings: &Settings,
    files: &[PathBuf],
    dry_run: bool,
    encoding: Option<Encoding>,
    uploaded_by: &str,
) -> anyhow::Result<ExitCode> {
    let (pool, catalog, _) = crate::prepare_database(settings)?;
    let mut conn = pool.get()?;
    let mut failed = false;
    for path in files {
        let bytes = read_with_progress(path, settings.upload_limit_bytes)?;
        let request = UploadRequest {
            file_name: path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            bytes,
            uploaded_by: uploaded_by.to_owned(),
            channel: "cli".to_owned(),
            encoding,
            dry_run,
            inbox_claim: None,
        };
        let spinner = ProgressBar::new_spinner().with_message(format!("checking {}", path.display()));
        spinner.enable_steady_tick(Duration::from_millis(120));
        let result = ingest::ingest(&mut conn, &request, &catalog.regions, crate::now(), &Budget::unlimited());
        spinner.finish_and_clear();
        match result {
            Ok(report) => println!("{}", summary(path, &report)),
            Err(IngestError::Invalid { upload_id, problems }) => {
                failed = true;
                eprintln!("{}", error_table(&problems));
                eprintln!(
                    "{}: {} problem(s); nothing was written{}",
                    path.display(),
                    problems.total,
                    upload_id.map(|id| format!(" (recorded as upload {id})")).unwrap_or_default()
                );
            }
            Err(e) => return Err(anyhow::Error::new(e).context(format!("{}: nothing was written", path.display()))),
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
