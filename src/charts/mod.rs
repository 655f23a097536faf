//! Charts with plotters: one per target (where are we, where should we be, will we make it) and
//! an overview per plan. SVG and PNG, Chinese labels in Noto Sans SC loaded from bytes.

mod build;
mod districts;
mod overview;
mod target;

pub use build::{Rendered, district_chart, expected_share, plan_overview, render_all, target_chart, title};

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor};

pub use districts::DistrictChart;
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

pub use crate::present::Lang;

/// A status's colour for plotters.
pub fn status_color(status: Status) -> RGBColor {
    rgb(crate::present::status_colour(status))
}

/// A colour of the one palette (`present::palette`) for plotters.
pub fn rgb(colour: crate::present::Colour) -> RGBColor {
    let crate::present::Colour(r, g, b) = colour;
    RGBColor(r, g, b)
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

    /// The chart's kind, for the ids of its title and description ("target", "plan" …).
    const KIND: &'static str;

    /// The chart's title and what it shows in words, in its language (its `<title>` and `<desc>`).
    fn text_alternative(&self) -> (String, String);
}

/// Draws `chart` as SVG text.
fn svg<C: Drawable>(chart: &C, width: u32, height: u32) -> Result<String, ChartError> {
    use plotters::prelude::*;
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        chart.draw_on(&root)?;
        root.present()?;
    }
    let (title, description) = chart.text_alternative();
    Ok(with_text_alternative(&out, &format!("{}-chart-{width}", C::KIND), &title, &description))
}

/// The SVG with its `<title>` and `<desc>` as its first children, named from the `<svg>` element
/// (an image labelled by the one and described by the other). The ids start with `id`, so the
/// charts of one page (each drawn at two widths) never share one.
pub fn with_text_alternative(svg: &str, id: &str, title: &str, description: &str) -> String {
    let Some(open) = svg.find("<svg") else { return svg.to_owned() };
    let Some(close) = svg[open..].find('>').map(|i| open + i) else { return svg.to_owned() };
    let (head, rest) = svg.split_at(close);
    format!(
        r#"{head} role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc">
<title id="{id}-title">{}</title>
<desc id="{id}-desc">{}</desc>{}"#,
        xml_text(title),
        xml_text(description),
        &rest[1..]
    )
}

/// Text escaped for an XML element or attribute.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
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
/// The most pixels a PNG is drawn with (a plan's tallest overview at the default width, 800 ×
/// 8000): each costs 3 bytes while drawing, and any size asked for is drawn anew.
pub const MAX_PNG_PIXELS: u32 = 6_400_000;

#[cfg(test)]
mod tests;
