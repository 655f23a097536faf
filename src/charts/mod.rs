//! Charts with plotters: one per target (where are we, where should we be, will we make it) and
//! an overview per plan. SVG and PNG, Chinese labels in Noto Sans SC loaded from bytes.

mod build;
mod overview;
mod target;

pub use build::{Rendered, plan_overview, render_all, target_chart, title};

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor};

pub use overview::{OverviewRow, PlanOverview};
pub use target::{ChartGoal, TargetChart};

use crate::progress::Status;

/// The family every chart names; registered from the bundled font (also as "sans-serif").
pub const FONT: &str = "Noto Sans SC";

pub(crate) static REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular.ttf");
pub(crate) static BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold.ttf");

/// Registers the bundled font with plotters once per process. No system font is ever looked up.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for name in [FONT, "sans-serif"] {
            for (style, bytes) in [(FontStyle::Normal, REGULAR), (FontStyle::Bold, BOLD)] {
                if plotters::style::register_font(name, style, bytes).is_err() {
                    tracing::error!(name, "the bundled font could not be registered");
                }
            }
        }
    });
}

/// Chinese first; English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en`, as in `?lang=`.
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`: use zh or en")),
        }
    }
}

/// Status colours, the same everywhere (charts, PDF, pages).
pub fn status_color(status: Status) -> RGBColor {
    match status {
        Status::Achieved => RGBColor(0x1b, 0x7f, 0x3b),
        Status::OnTrack => RGBColor(0x43, 0xa0, 0x47),
        Status::AtRisk => RGBColor(0xe0, 0x9b, 0x00),
        Status::OffTrack => RGBColor(0xe6, 0x5c, 0x00),
        Status::Regressing => RGBColor(0xc6, 0x28, 0x28),
        Status::Missed => RGBColor(0x8e, 0x1b, 0x1b),
        Status::NoData => RGBColor(0x9e, 0x9e, 0x9e),
        Status::NotAssessable => RGBColor(0x75, 0x75, 0x75),
    }
}

pub fn status_hex(status: Status) -> String {
    let RGBColor(r, g, b) = status_color(status);
    format!("#{r:02x}{g:02x}{b:02x}")
}

pub fn status_label(status: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => match status {
            Status::Achieved => "achieved",
            Status::OnTrack => "on track",
            Status::AtRisk => "at risk",
            Status::OffTrack => "off track",
            Status::Regressing => "regressing",
            Status::Missed => "missed",
            Status::NoData => "no data",
            Status::NotAssessable => "not assessable",
        },
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("PNG encoding failed: {0}")]
    Encode(#[from] png::EncodingError),
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(e.to_string())
    }
}

/// A chart that can draw itself on any plotters backend.
pub(crate) trait Drawable {
    fn draw_on<DB: plotters::prelude::DrawingBackend>(
        &self,
        root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static;
}

/// Draws `chart` as SVG text.
fn svg(chart: &impl Drawable, width: u32, height: u32) -> Result<String, ChartError> {
    use plotters::prelude::*;
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        chart.draw_on(&root)?;
        root.present()?;
    }
    Ok(out)
}

/// Draws `chart` into an RGB buffer and encodes it as PNG.
fn png(chart: &impl Drawable, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    use plotters::prelude::*;
    register_fonts();
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        chart.draw_on(&root)?;
        root.present()?;
    }
    encode_png(&rgb, width, height)
}

/// Encodes an RGB buffer as PNG.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// Sizes a chart may be drawn at; anything else is refused before drawing.
pub const WIDTH_RANGE: std::ops::RangeInclusive<u32> = 200..=4000;
pub const HEIGHT_RANGE: std::ops::RangeInclusive<u32> = 150..=8000;

#[cfg(test)]
mod tests;
