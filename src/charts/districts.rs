//! The districts of one indicator side by side: one bar per district (its latest figure), sorted
//! best first by the indicator's direction, with the goal as a line across them.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ChartError, FONT, Lang};
use crate::present::palette;

#[derive(Debug, Clone)]
pub struct DistrictChart {
    pub title: String,
    pub unit: String,
    pub lang: Lang,
    /// (district, latest figure), best first.
    pub rows: Vec<(String, f64)>,
    /// The city target's value (a band's near edge), drawn as a line.
    pub goal: Option<f64>,
    pub higher_is_better: bool,
}

const ROW: u32 = 22;
const HEADER: u32 = 40;
const FOOT: u32 = 26;
/// Bars that meet the goal and bars that do not: the palette's achieved green and a neutral grey.
const MET: RGBColor = palette_rgb(palette::DISTRICT_MET);
const NOT_MET: RGBColor = palette_rgb(palette::DISTRICT_NOT_MET);
const GOAL_INK: RGBColor = palette_rgb(palette::CHART_EXPECTED);

const fn palette_rgb(colour: crate::present::Colour) -> RGBColor {
    RGBColor(colour.0, colour.1, colour.2)
}

impl DistrictChart {
    pub fn new(
        title: String,
        unit: String,
        lang: Lang,
        mut rows: Vec<(String, f64)>,
        goal: Option<f64>,
        higher_is_better: bool,
    ) -> DistrictChart {
        rows.sort_by(|a, b| if higher_is_better { b.1.total_cmp(&a.1) } else { a.1.total_cmp(&b.1) });
        DistrictChart { title, unit, lang, rows, goal, higher_is_better }
    }

    /// The height that fits every district.
    pub fn natural_height(&self) -> u32 {
        HEADER + ROW * self.rows.len().max(1) as u32 + FOOT
    }

    pub fn svg(&self, width: u32) -> Result<String, ChartError> {
        super::svg(self, width, self.natural_height())
    }

    pub fn png(&self, width: u32) -> Result<Vec<u8>, ChartError> {
        super::png(self, width, self.natural_height())
    }

    /// Whether a district's figure meets the goal (every figure does when there is none).
    pub fn meets(&self, value: f64) -> bool {
        self.goal.is_none_or(|g| if self.higher_is_better { value >= g } else { value <= g })
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let (width, _) = root.dim_in_pixel();
        let width = width as i32;
        let title = (FONT, 15).into_font().style(FontStyle::Bold);
        root.draw(&Text::new(self.title.clone(), (10, 8), title))?;
        let name_font = (FONT, 12).into_font();
        let label_w = 78;
        let (x0, x1) = (10 + label_w, width - 70);
        // Bars start at zero: a district's figure is an amount or a share, read from nothing.
        let top = self.rows.iter().map(|r| r.1).chain(self.goal).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
        let at = |v: f64| x0 + ((x1 - x0) as f64 * (v.max(0.0) / top)) as i32;
        for (i, (district, value)) in self.rows.iter().enumerate() {
            let y = HEADER as i32 + i as i32 * ROW as i32;
            root.draw(&Text::new(district.clone(), (10, y + 3), name_font.clone()))?;
            let colour = if self.meets(*value) { MET } else { NOT_MET };
            root.draw(&Rectangle::new([(x0, y + 3), (at(*value).max(x0 + 1), y + ROW as i32 - 3)], colour.filled()))?;
            let shown = crate::present::figure(*value, &self.unit);
            root.draw(&Text::new(shown, (at(*value) + 4, y + 3), name_font.clone()))?;
        }
        let bottom = HEADER as i32 + ROW as i32 * self.rows.len() as i32;
        if let Some(goal) = self.goal {
            let x = at(goal);
            root.draw(&PathElement::new(vec![(x, HEADER as i32 - 4), (x, bottom + 2)], GOAL_INK.stroke_width(2)))?;
            let label = match self.lang {
                Lang::Zh => format!("目标 {}", crate::present::figure(goal, &self.unit)),
                Lang::En => format!("goal {}", crate::present::figure(goal, &self.unit)),
            };
            root.draw(&Text::new(label, (x.min(width - 90).max(x0), bottom + 6), name_font.clone()))?;
        }
        Ok(())
    }
}

impl super::Drawable for DistrictChart {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        self.draw(root)
    }

    const KIND: &'static str = "districts";

    fn text_alternative(&self) -> (String, String) {
        let meeting = self.goal.map(|goal| {
            let met = self.rows.iter().filter(|(_, v)| self.meets(*v)).count();
            (met, crate::present::figure(goal, &self.unit))
        });
        (self.title.clone(), crate::present::district_chart_description(self.rows.len(), meeting, self.lang))
    }
}
