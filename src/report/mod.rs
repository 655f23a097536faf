//! The PDF status report: typst with the bundled fonts, one template
//! (`templates/status.typ`), data passed as inputs, charts embedded as SVG (vector, selectable
//! text; drawn in parallel). The engine is built once and reused. A chart that fails to draw becomes a placeholder
//! and a logged error; the report still comes out.

mod data;

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use typst::foundations::{Bytes, Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

pub(crate) use data::target_line;
pub use data::{ReportData, ReportOptions, TargetLine, gather};

use crate::judged::Scope;

static TEMPLATE: &str = include_str!("templates/status.typ");

/// The typst engine with the template and fonts, built on first use.
fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder().main_file(TEMPLATE).fonts([crate::charts::REGULAR, crate::charts::BOLD]).build()
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report could not be laid out: {0}")]
    Layout(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error(transparent)]
    Data(#[from] anyhow::Error),
}

/// Lays out the data and charts (SVG bytes by name) as a PDF.
pub fn render(data: &ReportData, charts: HashMap<String, Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    let json = serde_json::to_string(data).map_err(|e| ReportError::Data(e.into()))?;
    let mut chart_dict = Dict::new();
    for (name, svg) in charts {
        chart_dict.insert(name.into(), Bytes::new(svg).into_value());
    }
    let mut inputs = Dict::new();
    inputs.insert("data".into(), json.into_value());
    inputs.insert("charts".into(), chart_dict.into_value());
    let started = std::time::Instant::now();
    let document: PagedDocument =
        engine().compile_with_input(inputs).output.map_err(|e| ReportError::Layout(format!("{e:?}")))?;
    tracing::debug!(elapsed = ?started.elapsed(), "report laid out");
    let pdf =
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|e| ReportError::Pdf(format!("{e:?}")));
    tracing::debug!(elapsed = ?started.elapsed(), "report written");
    pdf
}

/// Draws the charts of the judged `scope` and renders the PDF.
pub fn generate(scope: Scope, options: &ReportOptions, generated_at: NaiveDateTime) -> Result<Vec<u8>, ReportError> {
    let started = std::time::Instant::now();
    let (data, charts) = gather(scope, options, generated_at, &|job| job.draw());
    tracing::debug!(elapsed = ?started.elapsed(), charts = charts.len(), "report data and charts");
    render(&data, charts)
}

#[cfg(test)]
mod tests;
