//! Report tests with real tools: poppler's pdftotext, pdffonts, pdfinfo and pdftoppm.

use std::process::Command;
use std::time::Duration;

use super::*;
use crate::judged::Judgement;
use crate::present::Lang;

fn seeded_db() -> (tempfile::TempDir, crate::db::DbPool) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = crate::config::Settings {
        database_url: format!("sqlite://{}", dir.path().join("r.db").display()),
        bind: "127.0.0.1:0".to_owned(),
        data_dir: dir.path().to_owned(),
        catalog_dir: root.join("targets"),
        documents_dir: root.join("seed/documents"),
        seed_actuals_dir: root.join("seed/actuals"),
        pool_size: 2,
        ..crate::config::Settings::defaults()
    };
    let (pool, _, _) = crate::prepare_database(&settings).unwrap();
    (dir, pool)
}

/// What a report of `options` is drawn from.
fn scope(conn: &mut crate::db::DbConn, options: &ReportOptions) -> Option<crate::judged::Scope> {
    let in_full = |scope: &crate::judged::Scope| crate::report::charted(scope, options);
    crate::judged::scope(conn, options.plan.as_deref(), &options.judgement, crate::judged::InFull::Chosen(&in_full))
        .unwrap()
}

/// The PDF of `options`, as the server makes it.
fn report(conn: &mut crate::db::DbConn, options: &ReportOptions) -> Result<Vec<u8>, ReportError> {
    generate(scope(conn, options).expect("the plan exists"), options, generated_at())
}

fn options(plan: Option<&str>, lang: Lang) -> ReportOptions {
    ReportOptions::new(
        plan.map(str::to_owned),
        Judgement::on(crate::judged::today(), crate::progress::Method::Linear),
        lang,
    )
}

/// Runs a poppler tool on `pdf` and returns its standard output.
fn poppler(tool: &str, args: &[&str], pdf: &std::path::Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed for this test (apt-get install poppler-utils): {e}"));
    assert!(out.status.success(), "{tool}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text, as poppler extracts it.
fn pdf_text(pdf: &std::path::Path) -> String {
    let out = Command::new("pdftotext").arg("-layout").arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn generated_at() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(8, 0, 0).unwrap()
}

#[test]
fn the_report_is_chinese_text_with_embedded_subset_fonts_and_numbered_pages() {
    let (dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let pdf = report(&mut conn, &options(Some("smart-city-13th-fyp"), Lang::Zh)).unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &pdf).unwrap();

    let text = pdf_text(&path);
    // (typst spaces Latin digits from Chinese, so 80号 is extracted as "80 号").
    for expected in [
        "规划目标进展情况报告",
        "上海市推进智慧城市建设",
        "沪府发〔2016〕80",
        "政府数据公开网站开放数据集",
        "实际光纤入户率",
        "到期未实现",
        "附录",
    ] {
        assert!(text.contains(expected), "«{expected}» not in the PDF text");
    }
    let fonts = poppler("pdffonts", &[], &path);
    let font_lines: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert!(!font_lines.is_empty());
    for line in &font_lines {
        assert!(line.contains("NotoSansSC"), "only the bundled font: {line}");
        let columns: Vec<&str> = line.split_whitespace().collect();
        // name type encoding emb sub uni …: embedded and subset
        assert!(columns.windows(2).any(|w| w == ["yes", "yes"]), "embedded subset: {line}");
        assert!(line.split_whitespace().next().unwrap().contains('+'), "subset prefix: {line}");
    }
    let info = poppler("pdfinfo", &[], &path);
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert!(pages >= 4, "cover, summary, the plan's table and its charts: {pages}");
    assert!(
        info.lines().any(|l| l.starts_with("Tagged:") && l.ends_with("yes")),
        "a report of one part is tagged: {info}"
    );
    let unspaced: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(unspaced.contains(&format!("共{pages}页")), "the footer counts the pages pdfinfo counts: {pages}");

    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "40", "-png", "-f", "1", "-l", "2"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(out.success());
    for page in ["page-1.png", "page-2.png"] {
        let png = std::fs::read(dir.path().join(page))
            .or_else(|_| std::fs::read(dir.path().join(page.replace('-', "-0"))))
            .unwrap();
        assert!(png.len() > 2000, "{page} renders");
    }
}

#[test]
fn the_same_inputs_give_the_same_report_and_english_is_available() {
    let (dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let one = report(&mut conn, &options(Some("big-data-2016"), Lang::En)).unwrap();
    let two = report(&mut conn, &options(Some("big-data-2016"), Lang::En)).unwrap();
    assert_eq!(one, two, "reproducible: same data, same as-of, same bytes");
    let path = dir.path().join("en.pdf");
    std::fs::write(&path, &one).unwrap();
    let text = pdf_text(&path);
    assert!(text.contains("Status report on plan targets"), "{text}");
    assert!(text.contains("Appendix: how status is computed"));
}

#[test]
fn a_chart_that_fails_becomes_a_placeholder_and_the_report_still_comes_out() {
    let (dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let failing = |job: &data::ChartJob| match job {
        data::ChartJob::Plan(_) => Err(crate::charts::ChartError::Draw("simulated failure".to_owned())),
        other => other.draw(),
    };
    let mut full = options(Some("smart-city-13th-fyp"), Lang::Zh);
    full.layout = super::Layout::Full;
    let (data, charts) = gather(scope(&mut conn, &full).unwrap(), &full, generated_at(), &failing);
    assert!(!charts.contains_key("plan:smart-city-13th-fyp:0"));
    let pdf = render(&data, charts).unwrap();
    let path = dir.path().join("placeholder.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdf_text(&path);
    assert!(text.contains("图表未能生成"), "the placeholder says so");
    assert!(text.contains("实际光纤入户率"), "the rest of the report is there");
}

#[test]
fn an_unknown_plan_is_an_error_not_an_empty_report() {
    let (_dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    assert!(scope(&mut conn, &options(Some("no-such-plan"), Lang::Zh)).is_none(), "no plan, no report");
}

#[test]
fn a_long_plan_overview_continues_on_the_next_page_and_loses_no_row() {
    let (_dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let mut options = options(Some("smart-city-13th-fyp"), Lang::Zh);
    options.layout = super::Layout::Full;
    let (data, charts) = gather(scope(&mut conn, &options).unwrap(), &options, generated_at(), &|job| job.draw());
    let plan = &data.plans[0];
    assert!(plan.targets.len() > 30, "the smart-city plan has {} targets", plan.targets.len());
    assert_eq!(plan.overview_charts, plan.targets.len().div_ceil(30));
    for i in 0..plan.overview_charts {
        let svg = String::from_utf8(charts[&format!("plan:smart-city-13th-fyp:{i}")].clone()).unwrap();
        if i > 0 {
            assert!(svg.contains("（续）"), "a later part says it continues");
        }
    }
    let rows: usize = (0..plan.overview_charts)
        .map(|i| {
            let svg = String::from_utf8(charts[&format!("plan:smart-city-13th-fyp:{i}")].clone()).unwrap();
            plan.targets.iter().filter(|t| svg.contains(&format!("\n{}\n", t.name))).count()
        })
        .sum();
    // Every row is drawn in some part (a name too long for its room is cut, so count the ones whole).
    let short = plan.targets.iter().filter(|t| t.name.chars().count() <= 14).count();
    assert!(rows >= short, "{rows} of {short} short names drawn");
    let pdf = render(&data, charts).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
}

#[test]
fn a_report_works_out_in_full_only_the_targets_it_charts() {
    let (_dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    for layout in [super::Layout::Compact, super::Layout::Full] {
        let mut options = options(None, Lang::Zh);
        options.layout = layout;
        let scope = scope(&mut conn, &options).unwrap();
        let in_full: std::collections::HashSet<String> =
            scope.full.iter().map(|one| one.target.target.slug.clone()).collect();
        let (data, charts) = gather(scope, &options, generated_at(), &|job| job.draw());
        let charted: std::collections::HashSet<String> =
            data.plans.iter().flat_map(|p| &p.targets).filter(|t| t.charted).map(|t| t.slug.clone()).collect();
        assert!(!charted.is_empty(), "{layout:?}: the seed data has targets to chart");
        assert_eq!(in_full, charted, "{layout:?}: in full exactly the charted targets");
        assert!(charted.iter().all(|slug| charts.contains_key(&format!("target:{slug}"))), "each one drawn");
        if layout == super::Layout::Compact {
            assert!(data.plans.iter().all(|p| p.targets.iter().filter(|t| t.charted).count() <= 6));
            assert!(in_full.len() < data.target_count / 4, "{} of {} in full", in_full.len(), data.target_count);
        }
    }
}

/// A stand-in layout program: a shell script with this body, in `dir`.
fn program(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("layout.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A small report's data, to send to a layout process.
fn small_report(conn: &mut crate::db::DbConn) -> ReportData {
    let options = options(Some("smart-city-13th-fyp"), Lang::Zh);
    gather(scope(conn, &options).unwrap(), &options, generated_at(), &|_| {
        Err(crate::charts::ChartError::Draw("-".into()))
    })
    .0
}

#[test]
fn a_layout_process_is_stopped_when_its_time_is_up_or_its_client_has_gone() {
    let (dir, pool) = seeded_db();
    let data = small_report(&mut pool.get().unwrap());
    let hangs = program(dir.path(), "cat > /dev/null; sleep 30");
    let started = std::time::Instant::now();
    let timed_out = render_apart(&hangs, &data, HashMap::new(), &Budget::within(Duration::from_millis(200)));
    assert!(matches!(timed_out, Err(ReportError::Stopped(Stopped::TimedOut))), "{timed_out:?}");
    let budget = Budget::unlimited();
    let cancel = budget.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        cancel.cancel();
    });
    let cancelled = render_apart(&hangs, &data, HashMap::new(), &budget);
    assert!(matches!(cancelled, Err(ReportError::Stopped(Stopped::Cancelled))), "{cancelled:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "neither waited for the 30 s child");
}

#[test]
fn a_layout_process_that_fails_says_why_one_that_answers_no_pdf_is_refused_and_none_lays_out_here() {
    let (dir, pool) = seeded_db();
    let data = small_report(&mut pool.get().unwrap());
    let apart = |program: std::path::PathBuf| Renderer::Apart { program, budget: Budget::unlimited() };
    let fails = program(dir.path(), "echo 'the font is missing' >&2; exit 3");
    let Err(ReportError::Layout(said)) = render_with(&apart(fails), &data, HashMap::new()) else {
        panic!("a failing child is an error");
    };
    assert!(said.contains("the font is missing"), "{said}");
    let babbles = program(dir.path(), "cat > /dev/null; echo 'not a PDF'");
    assert!(matches!(render_with(&apart(babbles), &data, HashMap::new()), Err(ReportError::Layout(_))));
    // No program to start (replaced under a running server): laid out here instead.
    let missing = render_with(&apart(dir.path().join("no-such-program")), &data, HashMap::new()).unwrap();
    assert!(missing.starts_with(b"%PDF"));
}

#[test]
fn the_layout_command_reads_a_job_and_writes_the_pdf_that_render_makes() {
    let (_dir, pool) = seeded_db();
    let data = small_report(&mut pool.get().unwrap());
    let job = serde_json::to_vec(&LayoutJob {
        data: serde_json::to_string(&data).unwrap(),
        charts: HashMap::from([("target:x".to_owned(), "<svg xmlns='http://www.w3.org/2000/svg'/>".to_owned())]),
    })
    .unwrap();
    let mut piped = Vec::new();
    render_piped(job.as_slice(), &mut piped).unwrap();
    assert_eq!(
        piped,
        render(&data, HashMap::from([("target:x".to_owned(), b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec())]))
            .unwrap()
    );
    assert!(matches!(render_piped(&b"{not json"[..], Vec::new()), Err(ReportError::Data(_))));
}

/// The seed catalog's report of every plan, cut into parts after every `every` plans.
fn report_in_parts(conn: &mut crate::db::DbConn, layout: super::Layout, every: usize) -> (ReportData, Vec<u8>) {
    let mut options = options(None, Lang::Zh);
    options.layout = layout;
    let (mut data, charts) = gather(scope(conn, &options).unwrap(), &options, generated_at(), &|job| job.draw());
    assert!(data.plans.iter().all(|p| !p.new_part), "{layout:?}: the seed catalog's report is one document");
    for (i, plan) in data.plans.iter_mut().enumerate() {
        plan.new_part = i > 0 && i % every == 0;
    }
    let pdf = render(&data, charts).unwrap();
    (data, pdf)
}

#[test]
fn a_report_laid_out_in_parts_is_one_pdf_with_every_page_numbered_in_order_and_every_plan_in_its_outline() {
    let (dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    for layout in [super::Layout::Compact, super::Layout::Full] {
        let (data, pdf) = report_in_parts(&mut conn, layout, 4);
        let path = dir.path().join(format!("{layout:?}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        let info = poppler("pdfinfo", &[], &path);
        let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
        assert!(!info.contains("Tagged:         yes"), "the joined parts are not tagged as one tree: {info}");
        // pdftotext ends each page with a form feed.
        let text = pdf_text(&path);
        let page_texts: Vec<String> =
            text.split('\u{c}').map(|p| p.chars().filter(|c| !c.is_whitespace()).collect()).collect();
        for (i, page) in page_texts.iter().take(pages).enumerate() {
            assert!(
                page.contains(&format!("第{}页/共{pages}页", i + 1)),
                "{layout:?} page {} of {pages}: {page}",
                i + 1
            );
            assert_eq!(page.matches("页/共").count(), 1, "one footer on page {}", i + 1);
        }
        // Every plan once, in order, and every target's row.
        let unspaced: String = page_texts.concat();
        let mut at = 0;
        for plan in &data.plans {
            let title: String = plan.title.chars().filter(|c| !c.is_whitespace()).collect();
            let found = unspaced[at..].find(&title).unwrap_or_else(|| panic!("{layout:?}: {title} after byte {at}"));
            at += found + title.len();
        }
        assert_eq!(unspaced.matches("附录").count(), 1, "the method once, at the end");
        // A compact report's plans under the list of plans, a full one's at the top, as in a
        // report of one part.
        let outline = outline(&path);
        let depth = if layout == super::Layout::Compact { 2 } else { 1 };
        for plan in &data.plans {
            let title = plan.title.replace('&', "&amp;");
            assert!(outline.contains(&(depth, title)), "{layout:?}: {} at depth {depth}: {outline:?}", plan.title);
        }
        assert!(outline.contains(&(1, "附录：进度与状态的计算方法".to_owned())), "{outline:?}");
        let fonts = poppler("pdffonts", &[], &path);
        for line in fonts.lines().skip(2).filter(|l| !l.trim().is_empty()) {
            assert!(line.contains("NotoSansSC"), "only the bundled font: {line}");
        }
        // The last page (of the last part) draws: its footer and its content.
        let prefix = dir.path().join(format!("{layout:?}-last"));
        let drawn = Command::new("pdftoppm")
            .args(["-r", "30", "-png", "-singlefile", "-f", &pages.to_string(), "-l", &pages.to_string()])
            .arg(&path)
            .arg(&prefix)
            .status()
            .unwrap();
        assert!(drawn.success() && std::fs::metadata(prefix.with_extension("png")).unwrap().len() > 1000);
    }
}

/// The PDF's outline (bookmarks) as poppler reads it: each item's depth and title.
fn outline(pdf: &std::path::Path) -> Vec<(usize, String)> {
    let xml = Command::new("pdftohtml").args(["-xml", "-stdout", "-i", "-q"]).arg(pdf).output().unwrap();
    let xml = String::from_utf8(xml.stdout).unwrap();
    let mut depth = 0;
    let mut items = Vec::new();
    for tag in xml.split('<').skip_while(|t| !t.starts_with("outline>")) {
        if tag.starts_with("outline>") {
            depth += 1;
        } else if tag.starts_with("/outline>") {
            depth -= 1;
        } else if let Some(item) = tag.strip_prefix("item ") {
            items.push((depth, item.split_once('>').unwrap().1.to_owned()));
        }
        if depth == 0 {
            break;
        }
    }
    items
}

#[test]
fn the_parts_of_a_report_take_only_their_own_charts_and_the_first_lists_every_plan() {
    let (_dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let mut options = options(None, Lang::Zh);
    options.layout = super::Layout::Full;
    let (mut data, charts) = gather(scope(&mut conn, &options).unwrap(), &options, generated_at(), &|job| job.draw());
    for (i, plan) in data.plans.iter_mut().enumerate() {
        plan.new_part = i % 2 == 1;
    }
    let charts: HashMap<String, Bytes> = charts.into_iter().map(|(name, svg)| (name, Bytes::new(svg))).collect();
    let parts = cut(&serde_json::to_string(&data).unwrap(), &charts).unwrap().parts;
    assert_eq!(parts.len(), data.plans.len().div_ceil(2));
    let mut seen = 0;
    for (i, PartData { json, charts: part_charts, nested }) in parts.iter().enumerate() {
        let part: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(*nested, 0, "a full report's plans are headings of the first level");
        assert_eq!(part["part"]["front"], i == 0);
        assert_eq!(part["part"]["end"], i + 1 == parts.len());
        assert_eq!(part["part"]["footer"], "none", "the footers are laid over the joined parts");
        let index = part["index"].as_array().unwrap();
        assert_eq!(index.len(), if i == 0 { data.plans.len() } else { 0 });
        for (name, _) in part_charts.iter() {
            let own = match name.strip_prefix("plan:") {
                Some(plan) => part["overviews"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| plan.starts_with(&format!("{}:", p["slug"].as_str().unwrap()))),
                None => part["plans"].as_array().unwrap().iter().any(|p| {
                    p["targets"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|t| name.as_str() == format!("target:{}", t["slug"].as_str().unwrap()))
                }),
            };
            assert!(own, "part {i} holds {name}");
        }
        seen += part_charts.len();
    }
    assert_eq!(seen, charts.len(), "each chart in one part");
    // With no plan starting a part: one part, with its own footer.
    for plan in &mut data.plans {
        plan.new_part = false;
    }
    let whole = cut(&serde_json::to_string(&data).unwrap(), &charts).unwrap();
    assert_eq!(whole.parts.len(), 1);
    let part: serde_json::Value = serde_json::from_str(&whole.parts[0].json).unwrap();
    assert_eq!(part["part"], serde_json::json!({"front": true, "end": true, "footer": "page", "pages": 0}));
    assert_eq!(whole.parts[0].charts.len(), charts.len());
}

#[test]
fn parts_and_footers_that_do_not_match_page_for_page_are_an_error_not_a_pdf() {
    let (_dir, pool) = seeded_db();
    let data = small_report(&mut pool.get().unwrap());
    let json = serde_json::to_string(&data).unwrap();
    let whole = cut(&json, &HashMap::new()).unwrap();
    let (part, pages) = lay_out_part(whole.parts[0].json.clone(), Dict::new(), false).unwrap();
    let (footers, _) =
        lay_out_part(with_part(&whole.common, Vec::new(), Part::footers(pages + 1)).unwrap(), Dict::new(), false)
            .unwrap();
    let joined = join::join(&[part.clone(), part.clone()], &[0, 0], &footers);
    assert!(joined.is_err_and(|e| e.contains("could not be joined")));
    assert!(join::join(&[], &[], &footers).is_err());
    assert!(join::join(&[b"%PDF-1.7 not really".to_vec(), part], &[0, 0], &footers).is_err());
}

#[test]
fn many_plan_overviews_take_parts_of_their_own_after_the_first_page() {
    let index: Vec<serde_json::Value> = (0..120)
        .map(|i| serde_json::json!({"slug": format!("p{i}"), "title": "-", "counts": [], "overview_charts": 1 + i % 2}))
        .collect();
    let runs = overview_runs(&index);
    let per_part = data::ROWS_PER_RUN / data::ROWS_PER_CHART;
    let drawn = |run: &Vec<serde_json::Value>| {
        run.iter().map(|p| p["overview_charts"].as_u64().unwrap() as usize).sum::<usize>()
    };
    assert!(runs.len() > 1 && runs.iter().all(|run| drawn(run) <= per_part + 1), "{}", runs.len());
    let order: Vec<&str> = runs.iter().flatten().map(|p| p["slug"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        index.iter().map(|p| p["slug"].as_str().unwrap()).collect::<Vec<_>>(),
        "every plan once, in order"
    );
    assert!(overview_runs(&index[..3]).len() == 1 && overview_runs(&[]).is_empty());

    let data = serde_json::json!({"layout": "full", "plans": index.iter().map(|p| {
        let mut plan = p.clone();
        plan["new_part"] = false.into();
        plan["targets"] = serde_json::json!([]);
        plan
    }).collect::<Vec<_>>()});
    let cut = cut(&data.to_string(), &HashMap::new()).unwrap();
    assert_eq!(cut.parts.len(), runs.len() + 1, "the overviews' parts, then the plans'");
    for (i, part) in cut.parts.iter().enumerate() {
        let part: serde_json::Value = serde_json::from_str(&part.json).unwrap();
        let (overviews, plans) = (part["overviews"].as_array().unwrap(), part["plans"].as_array().unwrap());
        assert_eq!(part["part"]["front"], i == 0);
        assert_eq!((overviews.is_empty(), plans.is_empty()), (i == runs.len(), i < runs.len()), "part {i}");
    }
}

#[test]
fn a_report_says_how_many_targets_came_and_went_since_the_previous_one() {
    let (_dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let now = scope(&mut conn, &options(Some("smart-city-13th-fyp"), Lang::Zh)).unwrap().assessed;
    let today = crate::judged::today();
    let unchanged = summary::changes(&summary::Snapshot::of(&now, today), "第1号".to_owned(), &now, Lang::Zh);
    assert_eq!((unchanged.new_targets, unchanged.dropped_targets), (0, 0));
    assert!(unchanged.words.starts_with("上次报告：第1号。状态变化 0 项"), "{}", unchanged.words);
    assert!(!unchanged.words.contains("新纳入"), "{}", unchanged.words);

    // Since the previous report two targets came (a plan revised) and one went (repealed).
    let mut previous = summary::Snapshot::of(&now, today);
    for a in &now[..2] {
        previous.targets.remove(&a.target.slug);
    }
    let mark = previous.targets.values().next().unwrap().clone();
    previous.targets.insert("a-repealed-target".to_owned(), mark);
    let changed = summary::changes(&previous, "第1号".to_owned(), &now, Lang::Zh);
    assert_eq!((changed.new_targets, changed.dropped_targets, changed.transitions), (2, 1, 0));
    assert!(changed.words.contains("另有 2 个目标为本次新纳入、1 个上次的目标不再纳入"), "{}", changed.words);
    // A figure revised for the same period counts as new data; a report kept before values were
    // recorded (no value) counts only newer periods.
    let mut revised = summary::Snapshot::of(&now, today);
    let with_figure = now.iter().find(|a| a.summary.latest.is_some()).expect("a seed figure");
    let mark = revised.targets.get_mut(&with_figure.target.slug).unwrap();
    mark.value = mark.value.map(|v| v + 1.0);
    let counted = summary::changes(&revised, "第1号".to_owned(), &now, Lang::Zh);
    assert_eq!(counted.new_figures, 1, "{}", counted.words);
    assert!(counted.words.contains("1 个目标有了新数据或数据修订"), "{}", counted.words);
    // A base or reference year's figure that came since (the latest unchanged) is new data too.
    let mut no_base = summary::Snapshot::of(&now, today);
    let measured = now.iter().find(|a| a.summary.baseline.is_some()).expect("a target with a baseline");
    no_base.targets.get_mut(&measured.target.slug).unwrap().measured_from =
        Some(summary::MeasuredFrom { figure: None });
    assert_eq!(summary::changes(&no_base, "第1号".to_owned(), &now, Lang::Zh).new_figures, 1);
    let old: summary::Snapshot =
        serde_json::from_str(&serde_json::to_string(&unchanged_snapshot(&now, today)).unwrap()).unwrap();
    assert_eq!(summary::changes(&old, "第1号".to_owned(), &now, Lang::Zh).new_figures, 0);
    let english = summary::changes(&previous, "No. 1".to_owned(), &now, Lang::En);
    assert!(english.words.contains("2 targets are new to this report and 1 of the previous one"), "{}", english.words);
}

#[test]
fn the_changes_listed_put_news_first_and_say_how_many_were_left_out() {
    let (_dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let now = scope(&mut conn, &options(None, Lang::Zh)).unwrap().assessed;
    let today = crate::judged::today();
    // Every target was "at risk" last time: each of them changed status since.
    let mut previous = summary::Snapshot::of(&now, today);
    for mark in previous.targets.values_mut() {
        mark.status = "at_risk".to_owned();
    }
    let changed = summary::changes(&previous, "第1号".to_owned(), &now, Lang::Zh);
    assert!(changed.transitions > changed.listed.len(), "more changes than are listed");
    let achieved = now.iter().filter(|a| a.summary.status == crate::progress::Status::Achieved).count();
    assert!(achieved > 0, "the seed figures achieve some targets");
    let listed_achieved = changed.listed.iter().filter(|t| t.status == "achieved").count();
    let listed_missed = changed.listed.iter().filter(|t| t.status == "missed").count();
    assert_eq!(
        listed_achieved,
        achieved.min(changed.listed.len() - listed_missed),
        "newly achieved come right after newly missed, before figures gone overdue"
    );
    assert!(changed.listed.iter().all(|t| !t.plan.is_empty()), "each with its plan");
}

/// A snapshot as reports kept before figures' values were recorded wrote it: statuses and dates.
fn unchanged_snapshot(now: &[crate::judged::Assessed], as_of: chrono::NaiveDate) -> serde_json::Value {
    let mut json = serde_json::to_value(summary::Snapshot::of(now, as_of)).unwrap();
    for mark in json["targets"].as_object_mut().unwrap().values_mut() {
        mark.as_object_mut().unwrap().remove("value");
        mark.as_object_mut().unwrap().remove("measured_from");
    }
    json
}

#[test]
fn a_goal_whose_unit_the_catalog_reads_otherwise_is_shown_in_the_unit_it_is_judged_in() {
    let (_dir, pool) = seeded_db();
    let mut conn = pool.get().unwrap();
    let now = scope(&mut conn, &options(Some("smart-city-13th-fyp"), Lang::Zh)).unwrap().assessed;
    let find = |slug: &str| now.iter().find(|a| a.target.slug == slug).unwrap();
    // The plan wrote 25MB/s; the catalog reads it as 25 Mbps, the unit its figures come in.
    let speed = find("sc13-fixed-broadband-download-speed");
    assert_eq!(crate::present::goal_of(Lang::Zh, &speed.target, &speed.indicator.unit), "> 25Mbps（原文单位 MB/s）");
    assert_eq!(crate::present::goal_of(Lang::En, &speed.target, &speed.indicator.unit), "> 25Mbps (written MB/s)");
    assert!(super::data::target_line(speed, Lang::Zh).goal.contains("原文单位 MB/s"), "the report says so too");
    // A goal in the indicator's own unit is shown as written.
    let fibre = find("sc13-ftth-takeup");
    assert_eq!(crate::present::goal_of(Lang::Zh, &fibre.target, &fibre.indicator.unit), "≥ 70%");
}
