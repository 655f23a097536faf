//! The chart of one target: actuals, baseline, the expected path to the goal, the goal at the
//! deadline (a line for ≥ / ≤, a band for ranges and ≈), the projection, and the "as of" date.

use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ChartError, FONT, Lang, status_color};
use crate::present::{figure, palette, status_label, target_chart_description, verdict_label};
use crate::progress::{Point, Progress, Status, decimal_year};

/// The goal as drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartGoal {
    /// A threshold (≥, >, ≤, <): a line at the value.
    Line(f64),
    /// A range or an approximate value: a band.
    Band(f64, f64),
    /// A deliverable in percent complete: 100 = done.
    Milestone,
    /// Not known yet: a change against a year with no figure for that year.
    Unknown,
}

/// Everything a target chart shows, already in the indicator's unit.
#[derive(Debug, Clone)]
pub struct TargetChart {
    /// "实际光纤入户率 ≥ 70%（2020）"
    pub title: String,
    pub unit: String,
    pub lang: Lang,
    pub series: Vec<Point>,
    pub baseline: Option<Point>,
    pub goal: ChartGoal,
    /// The value aimed at (a band's near edge), for the expected path.
    pub aim: Option<f64>,
    /// Where the target should be at the "as of" date on the expected path.
    pub expected: Option<Point>,
    pub deadline: NaiveDate,
    /// From the latest actual to the trend's value at the deadline.
    pub projection: Option<(Point, Point)>,
    pub as_of: NaiveDate,
    pub status: Status,
    /// Achieved, but only after the deadline.
    pub late: bool,
    pub pace: Option<f64>,
    /// The first day of the plan: the span shown starts there at the latest, so a target without
    /// figures is seen against its plan's years, not a few months around its deadline.
    pub plan_start: Option<NaiveDate>,
}

/// The largest magnitude a value axis spans (far past any figure an upload can hold, 10^15).
const CHARTED_MAGNITUDE: f64 = 1e17;

impl TargetChart {
    /// The chart of an assessed target. `goal` comes from the target's kind and comparator.
    pub fn new(
        title: String,
        unit: String,
        lang: Lang,
        goal: ChartGoal,
        deadline: NaiveDate,
        progress: &Progress,
        series: Vec<Point>,
    ) -> TargetChart {
        let projection = match (&progress.projection, progress.latest) {
            (Some(p), Some(latest)) if deadline > latest.date => {
                Some((latest, Point { date: deadline, value: p.value_at_deadline }))
            }
            _ => None,
        };
        let aim = match goal {
            ChartGoal::Milestone => Some(100.0),
            ChartGoal::Unknown => None,
            ChartGoal::Line(_) | ChartGoal::Band(..) => progress.target_value,
        };
        // The mark sits on the path where the target is weighed: beside its latest figure when
        // judged by its pace, else at the view's date (the deadline once past).
        let expected = progress
            .expected
            .map(|value| Point { date: progress.expected_on.unwrap_or(progress.as_of).min(deadline), value });
        TargetChart {
            title,
            unit,
            lang,
            series,
            baseline: progress.baseline,
            goal,
            aim,
            expected,
            deadline,
            projection,
            as_of: progress.as_of,
            status: progress.status,
            late: progress.achieved_late,
            pace: progress.cagr_ratio.or(progress.pace),
            plan_start: None,
        }
    }

    /// The chart over its plan's years, from `start` on.
    pub fn from_plan_start(self, start: Option<NaiveDate>) -> TargetChart {
        TargetChart { plan_start: start.filter(|s| *s < self.deadline), ..self }
    }

    pub fn svg(&self, width: u32, height: u32) -> Result<String, ChartError> {
        super::svg(self, width, height)
    }

    pub fn png(&self, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
        super::png(self, width, height)
    }

    /// Whether the goal lies above where the series starts.
    fn rising(&self) -> bool {
        let start = self.baseline.or(self.series.first().copied()).map(|p| p.value);
        match (start, self.aim) {
            (Some(start), Some(aim)) => aim >= start,
            _ => true,
        }
    }

    fn text(&self, zh: &'static str, en: &'static str) -> &'static str {
        if self.lang == Lang::Zh { zh } else { en }
    }

    /// Time span shown: from the first thing drawn to past the deadline and the "as of" date.
    pub(super) fn x_range(&self) -> (f64, f64) {
        let dates = self.series.iter().map(|p| p.date).chain(self.baseline.map(|b| b.date)).chain([self.deadline]);
        let dates = dates.chain(self.plan_start);
        let first = dates.clone().min().unwrap_or(self.deadline);
        // The "as of" date is shown unless it lies far past the deadline.
        let latest_shown = self.deadline.with_year(self.deadline.year() + 3).unwrap_or(self.deadline);
        let last = dates.max().unwrap_or(self.deadline).max(self.as_of.min(latest_shown));
        let (x0, x1) = (decimal_year(first), decimal_year(last));
        let pad = ((x1 - x0) * 0.06).max(0.3);
        (x0 - pad, x1 + pad)
    }

    fn y_range(&self) -> (f64, f64) {
        if self.goal == ChartGoal::Milestone {
            return (0.0, 110.0);
        }
        let mut values: Vec<f64> = self.series.iter().map(|p| p.value).collect();
        values.extend(self.baseline.map(|b| b.value));
        match self.goal {
            ChartGoal::Line(v) => values.push(v),
            ChartGoal::Band(lo, hi) => values.extend([lo, hi]),
            ChartGoal::Milestone | ChartGoal::Unknown => {}
        }
        values.extend(self.projection.map(|(_, p)| p.value));
        // The axis's ticks are laid out over its span: one that overflows (a figure of 1.7e308)
        // would never be laid out. Such a figure is left off the axis, drawn at its edge.
        values.retain(|v| v.abs() <= CHARTED_MAGNITUDE);
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
        // Start at zero when the data sits well above it: amounts read truer from zero.
        let floor = if lo >= 0.0 && lo < span * 1.5 { 0.0 } else { lo - span * 0.15 };
        (floor, hi + span * 0.15)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let (width, _) = root.dim_in_pixel();
        let title_size = if width < 500 { 15 } else { 19 };
        // A long title wraps onto a second line rather than running off the chart.
        let font = (FONT, title_size).into_font().style(FontStyle::Bold);
        // (With room to spare: a viewer's font may run wider than the measure.)
        let lines = super::overview::wrap(root, &self.title, &font, (width as f64 * 0.86) as i32, 2)?;
        let line_height = title_size + 6;
        for (i, line) in lines.iter().enumerate() {
            let (w, _) = root.estimate_text_size(line, &font.clone().into())?;
            let x = ((width as i32 - w as i32) / 2).max(10);
            root.draw(&Text::new(line.clone(), (x, 6 + i as i32 * line_height), font.clone()))?;
        }
        let (_, area) = root.split_vertically(10 + lines.len() as u32 * line_height as u32);
        let color = status_color(self.status);
        let (x0, x1) = self.x_range();
        let (y0, y1) = self.y_range();
        // The unit stands upright above the value axis: CJK set sideways reads badly (个 turned
        // on its side looks like an arrow).
        if !self.unit.is_empty() {
            let shown = format!("{}{}", self.text("单位：", "unit: "), self.unit);
            area.draw(&Text::new(shown, (10, 2), (FONT, 12).into_font().color(&super::rgb(palette::CHART_TEXT))))?;
        }
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .margin_top(22)
            .margin_right(20)
            .x_label_area_size(30)
            .y_label_area_size(62)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let span = x1 - x0;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(220, 220, 220))
            .x_labels(if span > 12.0 { 8 } else { 10 })
            .x_label_formatter(&|x| year_label(*x, span))
            .y_labels(6)
            .y_label_formatter(&|y| crate::present::format_number((y * 100.0).round() / 100.0))
            .label_style((FONT, 12))
            .draw()?;

        let t = |p: &Point| decimal_year(p.date);
        let deadline_x = decimal_year(self.deadline);
        let goal_color = super::rgb(palette::CHART_GOAL);

        // The goal: a band, or a threshold line (100 % for a milestone), marked at the deadline.
        match self.goal {
            ChartGoal::Band(lo, hi) => {
                chart
                    .draw_series([Rectangle::new([(x0, lo), (x1, hi)], goal_color.mix(0.12).filled())])?
                    .label(self.text("目标区间", "target band"))
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], goal_color.mix(0.25).filled()));
            }
            ChartGoal::Unknown => {}
            ChartGoal::Line(_) | ChartGoal::Milestone => {
                let v = v_of(&self.goal);
                chart
                    .draw_series(DashedLineSeries::new([(x0, v), (x1, v)], 8, 5, goal_color.stroke_width(1)))?
                    .label(self.text("目标", "target"))
                    .legend(move |(x, y)| dashed_key((x, y), goal_color.stroke_width(1)));
            }
        }
        if let Some(aim) = self.aim {
            chart.draw_series([TriangleMarker::new((deadline_x, aim), 7, goal_color.filled())])?;
        }
        // Deadline.
        chart.draw_series(DashedLineSeries::new(
            [(deadline_x, y0), (deadline_x, y1)],
            3,
            4,
            goal_color.mix(0.5).stroke_width(1),
        ))?;

        // Where we should be: a straight line from the baseline to the goal at the deadline.
        if let (Some(base), Some(aim)) = (self.baseline, self.aim) {
            let grey = super::rgb(palette::CHART_EXPECTED_PATH);
            chart
                .draw_series(DashedLineSeries::new(
                    [(t(&base), base.value), (deadline_x, aim)],
                    6,
                    4,
                    grey.stroke_width(2),
                ))?
                .label(self.text("应有进度", "expected path"))
                .legend(move |(x, y)| dashed_key((x, y), grey.stroke_width(2)));
            chart.draw_series([Cross::new((t(&base), base.value), 5, grey.stroke_width(2))])?;
            if let Some(by_now) = self.expected.filter(|e| e.date > base.date) {
                let ink = super::rgb(palette::CHART_EXPECTED);
                chart
                    .draw_series([Circle::new((t(&by_now), by_now.value), 6, ink.stroke_width(2))])?
                    .label(self.text("按计划应达到", "expected on the path"))
                    .legend(move |(x, y)| Circle::new((x + 8, y), 5, ink.stroke_width(2)));
            }
        }

        // Actuals, coloured by status.
        if !self.series.is_empty() {
            // A line needs two points; a single figure is the dot alone.
            let line = if self.series.len() >= 2 { self.series.as_slice() } else { &[] };
            chart
                .draw_series(LineSeries::new(line.iter().map(|p| (t(p), p.value)), color.stroke_width(3)))?
                .label(self.text("实际值", "actual"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
            chart.draw_series(self.series.iter().map(|p| Circle::new((t(p), p.value), 4, color.filled())))?;
            if self.goal == ChartGoal::Milestone {
                let font = (FONT, 12).into_font().color(&color);
                chart.draw_series(self.series.iter().map(|p| {
                    let label = match p.value {
                        v if v >= 100.0 => self.text("完成", "done").to_owned(),
                        v if v <= 0.0 => self.text("未完成", "not done").to_owned(),
                        v => format!("{}%", crate::present::format_number(v)),
                    };
                    Text::new(label, (t(p), p.value + 5.0), font.clone())
                }))?;
            }
        }

        // Where the trend leads.
        if let Some((from, to)) = self.projection {
            chart
                .draw_series(DashedLineSeries::new(
                    [(t(&from), from.value), (t(&to), to.value)],
                    5,
                    5,
                    color.mix(0.7).stroke_width(2),
                ))?
                .label(self.text("趋势外推", "projection"))
                .legend(move |(x, y)| dashed_key((x, y), color.mix(0.7).stroke_width(2)));
        }

        // As of.
        let as_of_x = decimal_year(self.as_of);
        if as_of_x > x0 && as_of_x < x1 {
            let blue = super::rgb(palette::CHART_AS_OF);
            chart.draw_series(DashedLineSeries::new(
                [(as_of_x, y0), (as_of_x, y1)],
                2,
                3,
                blue.mix(0.6).stroke_width(1),
            ))?;
            let label = format!("{} {}", self.text("截至", "as of"), self.as_of);
            // Across the plot from the legend (which sits low beside a rising path, high beside
            // a falling one), and to the left of the line in the plot's right half, so it is
            // neither cut at the edge nor under the legend.
            let y = if self.rising() { y1 - (y1 - y0) * 0.04 } else { y0 + (y1 - y0) * 0.04 };
            let right_half = as_of_x > x0 + (x1 - x0) / 2.0;
            let anchor = Pos::new(if right_half { HPos::Right } else { HPos::Left }, VPos::Center);
            let font = (FONT, 11).into_font().color(&blue).pos(anchor);
            chart.draw_series([Text::new(label, (as_of_x, y), font)])?;
        }

        chart
            .configure_series_labels()
            // Out of the way of the lines: below a rising path, above a falling one.
            .position(if self.rising() { SeriesLabelPosition::LowerRight } else { SeriesLabelPosition::UpperRight })
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(210, 210, 210))
            .label_font((FONT, 12))
            .draw()?;

        // The verdict, in its colour.
        let verdict = match self.pace {
            // A closed target is judged by its deadline, not by its pace.
            Some(p)
                if !matches!(
                    self.status,
                    Status::Achieved | Status::Missed | Status::Awaiting | Status::NotAssessable
                ) =>
            {
                let word = self.text("进度时间比", "pace");
                format!("{}  {word} {:.2}", status_label(self.status, self.lang), p)
            }
            _ => verdict_label(self.status, self.late, self.lang).to_owned(),
        };
        // Top left, inside the plot, where the series rarely is (the legend is on the right).
        let style = (FONT, 15).into_font().style(FontStyle::Bold).color(&color);
        area.draw(&Text::new(verdict, (80, 14), style))?;
        Ok(())
    }
}

fn v_of(goal: &ChartGoal) -> f64 {
    match goal {
        ChartGoal::Line(v) => *v,
        ChartGoal::Band(lo, hi) => (lo + hi) / 2.0,
        ChartGoal::Milestone | ChartGoal::Unknown => 100.0,
    }
}

/// Tick labels: years on long spans, year-month on short ones.
fn year_label(x: f64, span: f64) -> String {
    match crate::progress::date_from_decimal_year(x) {
        // Annual values are read at the year's end, so the tick at the end of 2015 says 2015,
        // right under the 2015 figure.
        // Ticks between year ends stay unlabelled, so a year is never named twice.
        Some(d) if span > 3.0 && (x - x.round()).abs() < 0.02 => d.year().to_string(),
        Some(_) if span > 3.0 => String::new(),
        Some(d) => d.format("%Y-%m").to_string(),
        None => String::new(),
    }
}

impl super::Drawable for TargetChart {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        self.draw(root)
    }

    const KIND: &'static str = "target";

    fn text_alternative(&self) -> (String, String) {
        let value = |v: f64| figure(v, &self.unit);
        let goal = match self.goal {
            ChartGoal::Line(v) => Some(value(v)),
            ChartGoal::Band(lo, hi) => Some(format!("{}—{}", figure(lo, "").trim_end(), value(hi))),
            ChartGoal::Milestone => Some(self.text("完成", "done").to_owned()),
            ChartGoal::Unknown => None,
        };
        let latest = self.series.last().map(|p| (value(p.value), p.date));
        let expected = self.expected.map(|p| (value(p.value), p.date));
        let description =
            target_chart_description(goal.as_deref(), latest, expected, self.status, self.late, self.lang);
        (self.title.clone(), description)
    }
}

/// A legend key for a dashed line: two dashes, as the line is drawn.
fn dashed_key<'a, DB: DrawingBackend + 'a>(
    at: (i32, i32),
    style: ShapeStyle,
) -> impl IntoDynElement<'a, DB, (i32, i32)> {
    EmptyElement::at(at)
        + PathElement::new(vec![(0, 0), (6, 0)], style)
        + PathElement::new(vec![(10, 0), (16, 0)], style)
}
