//! The overview of a plan: one bar per target for the share of the distance covered, coloured by
//! status, sorted by status then name, with a legend.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ChartError, FONT, Lang, status_color};
use crate::present::{attention_rank, plan_chart_description, status_label};
use crate::progress::{ALL_STATUSES, Status};

#[derive(Debug, Clone)]
pub struct OverviewRow {
    pub name: String,
    pub status: Status,
    /// Share of the distance covered (may be < 0 or > 1; drawn clipped with a mark).
    pub progress: Option<f64>,
    /// Share of the distance the straight path has covered by the view's date (a tick).
    pub expected: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct PlanOverview {
    pub title: String,
    pub lang: Lang,
    pub rows: Vec<OverviewRow>,
}

const ROW: u32 = 24;
/// The "expected by now" tick: near black, apart from every status colour.
const EXPECTED_INK: RGBColor = {
    let ink = crate::present::palette::CHART_EXPECTED;
    RGBColor(ink.0, ink.1, ink.2)
};
const HEADER: u32 = 74;
/// The height of a second title line.
pub(super) const TITLE_LINE: u32 = 24;

impl PlanOverview {
    pub fn new(title: String, lang: Lang, mut rows: Vec<OverviewRow>) -> PlanOverview {
        rows.sort_by(|a, b| attention_rank(a.status).cmp(&attention_rank(b.status)).then_with(|| a.name.cmp(&b.name)));
        PlanOverview { title, lang, rows }
    }

    /// The overview cut into parts of at most `rows` rows each, in order, each a chart of its own
    /// (a page holds one part; the rest continue on the next). Later parts say they continue.
    pub fn parts(&self, rows: usize) -> Vec<PlanOverview> {
        let rows = rows.max(1);
        let continued = match self.lang {
            Lang::Zh => "（续）",
            Lang::En => " (continued)",
        };
        let mut parts: Vec<PlanOverview> = self
            .rows
            .chunks(rows)
            .enumerate()
            .map(|(i, chunk)| PlanOverview {
                title: if i == 0 { self.title.clone() } else { format!("{}{continued}", self.title) },
                lang: self.lang,
                rows: chunk.to_vec(),
            })
            .collect();
        if parts.is_empty() {
            parts.push(self.clone());
        }
        parts
    }

    /// The height that fits every row.
    pub fn natural_height(&self) -> u32 {
        HEADER + ROW * self.rows.len().max(1) as u32 + 16 + if self.title_is_long() { TITLE_LINE } else { 0 }
    }

    /// Whether the title may take two lines at the report's width (800), estimated generously
    /// (Chinese characters run about twice as wide as Latin letters): room is kept for the
    /// second line, so a wrapped title never pushes a row off the chart.
    fn title_is_long(&self) -> bool {
        let em: f64 = self.title.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum();
        em * 18.0 > 800.0 * 0.86
    }

    pub fn svg(&self, width: u32, height: u32) -> Result<String, ChartError> {
        super::svg(self, width, height)
    }

    pub fn png(&self, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
        super::png(self, width, height)
    }

    fn draw<DB: DrawingBackend>(&self, page: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        page.fill(&WHITE)?;
        let (width, _) = page.dim_in_pixel();
        let title = (FONT, 18).into_font().style(FontStyle::Bold);
        // A long title takes a second line; everything below moves down by it.
        let lines = wrap(page, &self.title, &title, (width as f64 * 0.86) as i32, 2)?;
        for (i, line) in lines.iter().enumerate() {
            page.draw(&Text::new(line.clone(), (10, 8 + i as i32 * TITLE_LINE as i32), title.clone()))?;
        }
        let root = &page.margin(TITLE_LINE * (lines.len().max(1) as u32 - 1), 0, 0, 0);
        let (width, height) = root.dim_in_pixel();
        let (width, height) = (width as i32, height as i32);

        // Legend: every status present, with its count.
        let legend_font = (FONT, 12).into_font();
        let mut x = 10;
        for status in ALL_STATUSES.iter().copied().filter(|s| self.rows.iter().any(|r| r.status == *s)) {
            let count = self.rows.iter().filter(|r| r.status == status).count();
            let label = format!("{} {count}", status_label(status, self.lang));
            let (w, _) = root.estimate_text_size(&label, &legend_font.clone().into())?;
            if x + 18 + w as i32 > width - 10 {
                break;
            }
            root.draw(&Rectangle::new([(x, 40), (x + 12, 52)], status_color(status).filled()))?;
            root.draw(&Text::new(label, (x + 16, 39), legend_font.clone()))?;
            x += 30 + w as i32;
        }
        // The tick every bar carries, explained once.
        if self.rows.iter().any(|r| r.expected.is_some()) {
            let label = match self.lang {
                Lang::Zh => "按计划在最新数据时应达到",
                Lang::En => "due at the latest figure",
            };
            let (w, _) = root.estimate_text_size(label, &legend_font.clone().into())?;
            if x + 18 + w as i32 <= width - 10 {
                root.draw(&Rectangle::new([(x + 4, 37), (x + 7, 55)], EXPECTED_INK.filled()))?;
                root.draw(&Text::new(label, (x + 14, 39), legend_font.clone()))?;
            }
        }

        // Rows: the name on the left (cut with an ellipsis to fit, with room to spare for a
        // renderer whose font runs wider than the measure), the bar on the right.
        let label_w = (width as f64 * 0.42) as i32;
        let name_room = label_w - 12;
        let name_font = (FONT, 13).into_font();
        let small = (FONT, 11).into_font();
        // Each bar's status in words after its share, so colour is never the only sign of it:
        // the bars end where the longest share and status still fit.
        let mut tail = 0;
        for row in &self.rows {
            let words = format!("▶ 100% {}", status_label(row.status, self.lang));
            tail = tail.max(root.estimate_text_size(&words, &small.clone().into())?.0 as i32);
        }
        let (bar_x0, bar_x1) = (label_w + 16, (width - 14 - tail).max(label_w + 60));
        let rows_fit = ((height - HEADER as i32 - 8) / ROW as i32).max(0) as usize;
        for (i, row) in self.rows.iter().take(rows_fit).enumerate() {
            let y = HEADER as i32 + i as i32 * ROW as i32;
            let color = status_color(row.status);
            root.draw(&Text::new(fit(root, &row.name, &name_font, name_room)?, (10, y + 4), name_font.clone()))?;
            root.draw(&Rectangle::new(
                [(bar_x0, y + 5), (bar_x1, y + ROW as i32 - 5)],
                super::rgb(crate::present::palette::CHART_TRACK).filled(),
            ))?;
            match row.progress {
                Some(p) => {
                    let shown = p.clamp(0.0, 1.0);
                    let end = bar_x0 + ((bar_x1 - bar_x0) as f64 * shown) as i32;
                    root.draw(&Rectangle::new(
                        [(bar_x0, y + 5), (end.max(bar_x0 + 2), y + ROW as i32 - 5)],
                        color.filled(),
                    ))?;
                    // Past the goal or behind the start: a mark at the end it overflows.
                    let share = match p {
                        p if p > 1.0 => format!("▶ {:.0}%", p * 100.0),
                        p if p < 0.0 => format!("◀ {:.0}%", p * 100.0),
                        p => format!("{:.0}%", p * 100.0),
                    };
                    let label = format!("{share} {}", status_label(row.status, self.lang));
                    root.draw(&Text::new(label, (bar_x1 + 4, y + 5), small.clone()))?;
                }
                None => {
                    let label = status_label(row.status, self.lang);
                    root.draw(&Text::new(label, (bar_x0 + 6, y + 5), small.clone().color(&color)))?;
                }
            }
            if let Some(expected) = row.expected {
                let x = bar_x0 + ((bar_x1 - bar_x0) as f64 * expected.clamp(0.0, 1.0)) as i32;
                root.draw(&Rectangle::new([(x - 1, y + 2), (x + 1, y + ROW as i32 - 2)], EXPECTED_INK.filled()))?;
            }
        }
        if rows_fit < self.rows.len() {
            let more = format!("… +{}", self.rows.len() - rows_fit);
            root.draw(&Text::new(more, (10, height - 18), small))?;
        }
        Ok(())
    }
}

/// `text` in lines of at most `max_width` pixels (English breaks between words, Chinese between
/// characters), at most `max_lines` of them, the last cut with an ellipsis if it must be.
pub(super) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &FontDesc,
    max_width: i32,
    max_lines: usize,
) -> Result<Vec<String>, ChartError>
where
    DB::ErrorType: 'static,
{
    let style: TextStyle = font.clone().into();
    let fits = |s: &str| -> Result<bool, ChartError> { Ok(area.estimate_text_size(s, &style)?.0 as i32 <= max_width) };
    let mut lines = Vec::new();
    let mut rest: &str = text.trim();
    while !rest.is_empty() && lines.len() + 1 < max_lines.max(1) {
        if fits(rest)? {
            break;
        }
        // The longest prefix that fits, moved back to a space when the line has one.
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            let next = i + c.len_utf8();
            if !fits(&rest[..next])? {
                break;
            }
            end = next;
        }
        if end == 0 {
            break;
        }
        if let Some(space) = rest[..end].rfind(' ').filter(|s| *s > 0 && !rest[end..].starts_with(' ')) {
            end = space;
        }
        lines.push(rest[..end].trim_end().to_owned());
        rest = rest[end..].trim_start();
    }
    if !rest.is_empty() {
        lines.push(fit(area, rest, font, max_width)?);
    }
    Ok(lines)
}

/// `text`, cut with an ellipsis so it fits `max_width` pixels in `font`.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &FontDesc,
    max_width: i32,
) -> Result<String, ChartError>
where
    DB::ErrorType: 'static,
{
    let style: TextStyle = font.clone().into();
    if area.estimate_text_size(text, &style)?.0 as i32 <= max_width {
        return Ok(text.to_owned());
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + "…";
        if area.estimate_text_size(&candidate, &style)?.0 as i32 <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(chars[..lo].iter().collect::<String>() + "…")
}

impl super::Drawable for PlanOverview {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        self.draw(root)
    }

    const KIND: &'static str = "plan";

    fn text_alternative(&self) -> (String, String) {
        let counts: Vec<(Status, usize)> =
            ALL_STATUSES.iter().map(|s| (*s, self.rows.iter().filter(|r| r.status == *s).count())).collect();
        (self.title.clone(), plan_chart_description(&counts, self.lang))
    }
}
