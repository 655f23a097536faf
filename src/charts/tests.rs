use chrono::NaiveDate;

use super::*;
use crate::progress::{Point, Progress, Status};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn progress(status: Status, baseline: Option<Point>, latest: Option<Point>) -> Progress {
    Progress {
        status,
        method: crate::progress::Method::Linear,
        as_of: d(2018, 6, 30),
        achieved_late: false,
        baseline,
        latest,
        target_value: Some(70.0),
        progress: Some(0.375),
        elapsed: Some(0.4),
        pace: Some(0.9375),
        cagr_ratio: None,
        expected: Some(64.0),
        expected_on: Some(d(2018, 6, 30)),
        band: None,
        projection: None,
        reason: None,
    }
}

fn fibre() -> TargetChart {
    let base = Point { date: d(2015, 12, 31), value: 54.0 };
    let latest = Point { date: d(2017, 12, 31), value: 60.0 };
    TargetChart::new(
        "实际光纤入户率 ≥ 70%（2020）".to_owned(),
        "%".to_owned(),
        Lang::Zh,
        ChartGoal::Line(70.0),
        d(2020, 12, 31),
        &progress(Status::AtRisk, Some(base), Some(latest)),
        vec![base, latest],
    )
}

/// The contents of an SVG's text elements.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim().to_owned()))
        .collect()
}

/// Decodes a PNG: (width, height, share of pixels that are not white).
fn decode(png_bytes: &[u8]) -> (u32, u32, f64) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let pixels = &buf[..info.buffer_size()];
    let inked = pixels.chunks(3).filter(|p| p != &[255, 255, 255]).count();
    (info.width, info.height, inked as f64 / (info.width * info.height) as f64)
}

#[test]
fn the_svg_carries_the_title_the_target_and_the_verdict() {
    let svg = fibre().svg(800, 480).unwrap();
    assert!(svg.contains("实际光纤入户率 ≥ 70%（2020）"), "title");
    assert!(svg.contains("存在风险"), "the status in Chinese");
    assert!(svg.contains("应有进度") && svg.contains("实际值") && svg.contains("目标"), "legend");
    assert!(svg.contains("按计划应达到"), "the mark on the expected path is in the legend");
    assert!(texts(&svg).iter().any(|t| t == "70"), "the y axis reaches 70: {:?}", texts(&svg));
    assert!(svg.contains(FONT), "the bundled font is named");
}

#[test]
fn the_png_has_the_asked_size_and_is_drawn() {
    for (w, h) in [(800, 480), (400, 300), (1600, 900)] {
        let (width, height, inked) = decode(&fibre().png(w, h).unwrap());
        assert_eq!((width, height), (w, h));
        assert!(inked > 0.02, "{inked} of the pixels are not white");
    }
}

#[test]
fn english_and_milestones_and_bands_and_empty_charts_draw() {
    let mut english = fibre();
    english.lang = Lang::En;
    assert!(english.svg(800, 480).unwrap().contains("expected path"));
    let done = Point { date: d(2018, 3, 31), value: 100.0 };
    let milestone = TargetChart::new(
        "建成大数据平台（2020）".to_owned(),
        "%".to_owned(),
        Lang::Zh,
        ChartGoal::Milestone,
        d(2020, 12, 31),
        &progress(Status::Achieved, Some(Point { date: d(2016, 1, 1), value: 0.0 }), Some(done)),
        vec![done],
    );
    assert!(milestone.svg(800, 480).unwrap().contains("完成"));
    let band = TargetChart::new(
        "大数据产业基地 3—5个（2020）".to_owned(),
        "个".to_owned(),
        Lang::Zh,
        ChartGoal::Band(3.0, 5.0),
        d(2020, 12, 31),
        &progress(Status::Awaiting, None, None),
        vec![],
    );
    assert!(band.svg(800, 480).unwrap().contains("目标区间"));
    assert!(decode(&band.png(800, 480).unwrap()).2 > 0.01);
}

#[test]
fn the_overview_sorts_by_status_and_cuts_long_names() {
    let rows = vec![
        OverviewRow {
            name: "乙 achieved".to_owned(),
            status: Status::Achieved,
            progress: Some(1.4),
            expected: Some(0.8),
        },
        OverviewRow {
            name: "甲 missed".to_owned(), status: Status::Missed, progress: Some(0.76), expected: Some(1.0)
        },
        OverviewRow { name: "很长的名字".repeat(20), status: Status::Awaiting, progress: None, expected: None },
    ];
    let overview = PlanOverview::new("上海市推进智慧城市建设“十三五”规划".to_owned(), Lang::Zh, rows);
    assert_eq!(overview.rows[0].status, Status::Missed, "what needs attention first");
    let svg = overview.svg(800, overview.natural_height()).unwrap();
    assert!(svg.contains("▶ 140%"), "overflow is marked");
    assert!(svg.contains('…'), "a long name is cut with an ellipsis");
    assert!(svg.contains("到期未实现 1"), "legend with counts");
    assert!(svg.contains("按计划在最新数据时应达到"), "the expected tick is explained");
    let (w, h, inked) = decode(&overview.png(800, overview.natural_height()).unwrap());
    assert_eq!((w, h), (800, overview.natural_height()));
    assert!(inked > 0.01);
}

#[test]
fn a_target_without_figures_is_drawn_over_its_plans_years() {
    let awaiting =
        Progress { target_value: Some(500.0), ..Progress::unjudged(crate::progress::Method::Linear, d(2025, 3, 1)) };
    let chart = |start| {
        TargetChart::new(
            "低空经济".to_owned(),
            "亿元".to_owned(),
            Lang::Zh,
            ChartGoal::Line(500.0),
            d(2027, 12, 31),
            &awaiting,
            vec![],
        )
        .from_plan_start(start)
    };
    // Without the plan's start only the months around the deadline show; with it, 2024 on.
    assert!(chart(None).x_range().0 > 2025.0, "{:?}", chart(None).x_range());
    let (from, to) = chart(Some(d(2024, 1, 1))).x_range();
    assert!(from < 2024.0 && to > 2027.9, "{from}–{to}");
    assert!(chart(Some(d(2024, 1, 1))).svg(800, 480).is_ok());
}

#[test]
fn a_change_with_no_reference_figure_draws_no_goal_line() {
    let chart = TargetChart::new(
        "单位GDP能耗 比2020年≤ -14%（2025）".to_owned(),
        "吨标准煤/万元".to_owned(),
        Lang::Zh,
        ChartGoal::Unknown,
        d(2025, 12, 31),
        &Progress { target_value: None, ..progress(Status::NotAssessable, None, None) },
        vec![],
    );
    let svg = chart.svg(800, 480).unwrap();
    assert!(!texts(&svg).iter().any(|t| t == "-14"), "no goal on the indicator's axis");
    assert!(!svg.contains(">目标<") && !texts(&svg).iter().any(|t| t == "目标"));
}

#[test]
fn a_long_title_wraps_instead_of_being_cut() {
    let mut chart = fibre();
    chart.title = "Average household broadband access bandwidth (Shanghai Information Infrastructure Improvement Plan (2016-2020))".to_owned();
    // The text element holding `start` does not hold `end`: the title is on two lines, both drawn.
    let on_two_lines = |svg: &str, start: &str, end: &str| {
        // (The text elements only: the `<title>` before them holds the whole title.)
        let texts: Vec<&str> = svg.split("<text").skip(1).collect();
        let first = texts.iter().position(|t| t.contains(start));
        let last = texts.iter().position(|t| t.contains(end));
        matches!((first, last), (Some(a), Some(b)) if a < b)
    };
    for (width, height) in [(800, 400), (400, 340)] {
        let svg = chart.svg(width, height).unwrap();
        assert!(on_two_lines(&svg, "Average household", "2016-2020))"), "{width}px: {svg}");
    }
    chart.title = "实际光纤入户率（上海市推进智慧城市建设“十三五”规划与上海市信息基础设施提升行动计划）".to_owned();
    let svg = chart.svg(400, 340).unwrap();
    assert!(on_two_lines(&svg, "实际光纤入户率", "行动计划）"), "a Chinese title wraps between characters");
}

#[test]
fn a_long_plan_title_wraps_and_every_row_still_fits() {
    let rows: Vec<OverviewRow> = (0..5)
        .map(|i| OverviewRow {
            name: format!("target {i}"),
            status: Status::OnTrack,
            progress: Some(0.5),
            expected: None,
        })
        .collect();
    let title = "Shanghai action plan for improving the information infrastructure, the digital economy and the services of government online (2016-2020)";
    let long = PlanOverview::new(title.to_owned(), Lang::En, rows.clone());
    let short = PlanOverview::new("Short".to_owned(), Lang::En, rows);
    assert_eq!(long.natural_height(), short.natural_height() + super::overview::TITLE_LINE, "room for the second line");
    let svg = long.svg(800, long.natural_height()).unwrap();
    let texts: Vec<&str> = svg.split("<text").skip(1).collect();
    let first = texts.iter().position(|t| t.contains("Shanghai action plan")).unwrap();
    let last = texts.iter().position(|t| t.contains("(2016-2020)")).expect("the title's end is drawn");
    assert!(first < last, "on two lines");
    assert!(svg.contains("target 4"), "the last row is drawn");
    assert!(!svg.contains('…'), "nothing is cut");
}

#[test]
fn every_svg_has_a_title_and_a_description_in_its_language_that_name_it() {
    let svg = fibre().svg(800, 480).unwrap();
    let root = &svg[svg.find("<svg").unwrap()..];
    let root = &root[..root.find('>').unwrap()];
    assert!(
        root.contains(
            r#"role="img" aria-labelledby="target-chart-800-title" aria-describedby="target-chart-800-desc""#
        ),
        "{root}"
    );
    let title = svg.split(r#"<title id="target-chart-800-title">"#).nth(1).unwrap().split("</title>").next().unwrap();
    assert_eq!(title, "实际光纤入户率 ≥ 70%（2020）");
    let desc = svg.split(r#"<desc id="target-chart-800-desc">"#).nth(1).unwrap().split("</desc>").next().unwrap();
    for said in
        ["目标 70%", "最新实际值 60%（2017-12-31）", "按计划 2018-06-30 应达到 64%", "状态：存在风险", "“实际值”表"]
    {
        assert!(desc.contains(said), "{said}: {desc}");
    }
    // Another width, another id: a page shows the chart twice (wide and narrow).
    assert!(fibre().svg(400, 300).unwrap().contains(r#"<title id="target-chart-400-title">"#));
    let mut english = fibre();
    english.lang = Lang::En;
    english.title = "FTTH take-up >= 70% (2020)".to_owned();
    let svg = english.svg(800, 480).unwrap();
    assert!(svg.contains("<title id=\"target-chart-800-title\">FTTH take-up &gt;= 70% (2020)</title>"), "escaped");
    assert!(svg.contains("Status: at risk") && svg.contains("the latest actual is 60% (2017-12-31)"), "{svg}");
}

#[test]
fn a_plan_chart_names_each_bar_s_status_in_words_and_describes_itself() {
    let rows = vec![
        OverviewRow { name: "甲".to_owned(), status: Status::OnTrack, progress: Some(0.5), expected: Some(0.4) },
        OverviewRow { name: "乙".to_owned(), status: Status::AtRisk, progress: Some(0.3), expected: Some(0.4) },
    ];
    let svg = PlanOverview::new("规划：目标进度".to_owned(), Lang::Zh, rows).svg(800, 200).unwrap();
    let texts = texts(&svg);
    assert!(texts.iter().any(|t| t == "50% 进度正常") && texts.iter().any(|t| t == "30% 存在风险"), "{texts:?}");
    assert!(svg.contains(r#"<title id="plan-chart-800-title">规划：目标进度</title>"#), "{svg}");
    assert!(svg.contains("2 个目标：进度正常 1，存在风险 1。"), "{svg}");
}

#[test]
fn a_long_daily_series_is_drawn_thinned_keeping_its_extremes_and_its_latest_figure() {
    use crate::progress::Observation;
    let start = d(2000, 1, 1);
    let series: Vec<Observation> = (0..160_000u64)
        .map(|i| Observation {
            date: start + chrono::Days::new(i),
            value: if i == 77_777 {
                1e6
            } else if i == 12_345 {
                -5.0
            } else {
                (i % 1000) as f64
            },
        })
        .collect();
    let drawn = build::thinned(&series);
    assert!(drawn.len() <= 402, "{} points", drawn.len());
    assert!(drawn.windows(2).all(|w| w[0].date < w[1].date), "in date order");
    assert!(drawn.iter().any(|p| p.value == 1e6) && drawn.iter().any(|p| p.value == -5.0), "the extremes");
    assert_eq!(drawn.last().map(|p| p.date), series.last().map(|o| o.date), "the latest figure");
    let short = &series[..300];
    assert_eq!(build::thinned(short).len(), 300, "a short series is drawn whole");
    let chart = TargetChart::new(
        "长序列".to_owned(),
        "个".to_owned(),
        Lang::Zh,
        ChartGoal::Line(70.0),
        d(2450, 12, 31),
        &progress(Status::OnTrack, None, None),
        drawn,
    );
    let svg = chart.svg(800, 400).unwrap();
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
}

#[test]
fn the_share_due_beside_a_share_covered_is_the_one_the_status_weighs() {
    use crate::progress::{Method, Point, Progress};
    // 83 % covered by the 2025 figure, two thirds of the time used then (on track); by the view's
    // date at the end of 2026, 98 % would be due — not what the status was judged against.
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let progress = Progress {
        status: crate::progress::Status::OnTrack,
        method: Method::Linear,
        as_of: day(2026, 12, 7),
        achieved_late: false,
        baseline: Some(Point { date: day(2023, 12, 31), value: 0.0 }),
        latest: Some(Point { date: day(2025, 12, 31), value: 83.0 }),
        target_value: Some(100.0),
        progress: Some(0.83),
        elapsed: Some(2.0 / 3.0),
        pace: Some(1.245),
        cagr_ratio: None,
        expected: Some(98.0),
        expected_on: None,
        band: None,
        projection: None,
        reason: None,
    };
    let summary = crate::judged::ProgressSummary::from(&progress);
    let due = crate::charts::expected_share(&summary).unwrap();
    assert!((due - 2.0 / 3.0).abs() < 1e-9, "{due}");
    // No figure measured yet: the share due by the view's date.
    let waiting = Progress { progress: None, elapsed: None, latest: None, ..progress };
    let due = crate::charts::expected_share(&crate::judged::ProgressSummary::from(&waiting)).unwrap();
    assert!((due - 0.98).abs() < 1e-9, "{due}");
}

#[test]
fn a_figure_near_the_limit_of_f64_does_not_hang_the_chart() {
    // 1.7e308 made the axis span overflow, and laying out its ticks never ended.
    let base = Point { date: d(2015, 12, 31), value: 54.0 };
    let huge = Point { date: d(2017, 12, 31), value: 1.7e308 };
    let chart = TargetChart::new(
        "实际光纤入户率 ≥ 70%（2020）".to_owned(),
        "%".to_owned(),
        Lang::Zh,
        ChartGoal::Line(70.0),
        d(2020, 12, 31),
        &progress(Status::Achieved, Some(base), Some(huge)),
        vec![base, huge, Point { date: d(2018, 12, 31), value: f64::INFINITY }],
    );
    let (sent, drawn) = std::sync::mpsc::channel();
    std::thread::spawn(move || sent.send(chart.svg(800, 480).is_ok()));
    let finished = drawn.recv_timeout(std::time::Duration::from_secs(60));
    assert_eq!(finished, Ok(true), "drawn, and in bounded time");
}
