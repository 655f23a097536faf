use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn the_status_report_comes_as_a_pdf_over_http() {
    let app = spawn_app(&Backend::Sqlite).await;
    let response = app.get("/reports/status.pdf?plan=smart-city-13th-fyp&lang=zh&method=cagr").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    for (path, status, parameter) in [
        ("/reports/status.pdf?plan=no-such-plan", 404, None),
        ("/reports/status.pdf?lang=fr", 400, Some("lang")),
        ("/reports/status.pdf?as_of=2020-02-30", 400, Some("as_of")),
        // The hotline office leads no target of this plan: said so, not an empty report of "every plan".
        ("/reports/status.pdf?plan=ip-protection-use-14th-fyp&department=hotline-office", 400, Some("department")),
    ] {
        let (got, body) = app.get_json(path).await;
        assert_eq!(got, status, "{path}: {body}");
        if let Some(parameter) = parameter {
            assert_eq!(body["error"]["details"]["parameter"], parameter);
        }
        if parameter == Some("department") {
            assert!(body["error"]["message"].as_str().unwrap().contains("不牵头规划"), "{body}");
        }
    }
    // Opened from the reports page's form, a refusal is a page in the browser, not JSON.
    let page = app
        .client
        .get(format!("{}/reports/status.pdf?plan=ip-protection-use-14th-fyp&department=hotline-office", app.address))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = page.text().await.unwrap();
    assert!(page.contains("请求有误") && page.contains("不牵头规划"), "{page}");
}

#[tokio::test]
async fn a_scheduled_report_is_written_once_even_with_two_replicas() {
    for backend in crate::helpers::backends() {
        let db = crate::helpers::TestDb::new(&backend);
        let data = tempfile::tempdir().unwrap();
        let mut apps = Vec::new();
        for _ in 0..2 {
            let mut s = crate::helpers::settings(&db, None);
            s.data_dir = data.path().to_owned();
            s.report_schedule = Some("daily".to_owned());
            s.report_hour = 0;
            s.report_check_seconds = 0.2;
            apps.push(tokio::task::spawn_blocking(move || plantrack::Application::build(&s)).await.unwrap().unwrap());
        }
        let port = apps[0].port();
        let handles: Vec<_> = apps.into_iter().map(|a| tokio::spawn(a.run_until_stopped())).collect();
        let client = reqwest::Client::new();
        let start = std::time::Instant::now();
        let listed = loop {
            let list: serde_json::Value = client
                .get(format!("http://127.0.0.1:{port}/api/v1/reports"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if list.as_array().unwrap().iter().any(|r| r["status"] == "done") {
                break list;
            }
            assert!(start.elapsed() < std::time::Duration::from_secs(120), "no report was written: {list}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let again: serde_json::Value =
            client.get(format!("http://127.0.0.1:{port}/api/v1/reports")).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            again.as_array().unwrap().len(),
            1,
            "{backend:?}: one report for today, not one per replica: {again}"
        );
        let id = listed[0]["id"].as_i64().unwrap();
        let pdf = client.get(format!("http://127.0.0.1:{port}/api/v1/reports/{id}")).send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
        assert_eq!(std::fs::read_dir(data.path().join("reports")).unwrap().count(), 1);
        let missing = client.get(format!("http://127.0.0.1:{port}/api/v1/reports/999")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        for h in handles {
            h.abort();
        }
    }
}

/// The text of a PDF, as pdftotext reads it (in the order it was laid out: a table cell's
/// wrapped lines follow each other).
pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext").args(["-raw"]).arg(&path).arg("-").output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pages(bytes: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdfinfo").arg(&path).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap()
}

fn unspaced(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test]
async fn a_report_says_what_changed_since_the_previous_one() {
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_configured(&backend, |s| {
            s.report_sender = "上海市某规划处（测试）".to_owned();
            s.report_number = "沪规划报〔{year}〕{n}号".to_owned();
        })
        .await;
        // The planning office (an administrator) makes the reports that are kept and numbered.
        let admin = app.token(plantrack::server::auth::Role::Admin);
        let office = |path: &str| {
            let request = app.client.get(format!("{}{path}", app.address)).bearer_auth(&admin);
            async move { request.send().await.unwrap() }
        };
        let year = chrono::Datelike::year(&plantrack::judged::today());
        // A visitor's report, or a viewer's, compares and is not kept: it takes no number.
        let visitor = pdf_text(&app.get("/reports/status.pdf").await.bytes().await.unwrap());
        assert!(!unspaced(&visitor).contains("沪规划报"), "a visitor's report is not numbered");
        let viewer = app.token(plantrack::server::auth::Role::Viewer);
        for path in ["/reports/status.pdf", "/reports/status.pdf?as_of=1990-01-01&known_at=1990-01-01"] {
            let request = app.client.get(format!("{}{path}", app.address)).bearer_auth(&viewer);
            let read = pdf_text(&request.send().await.unwrap().bytes().await.unwrap());
            assert!(!unspaced(&read).contains("沪规划报"), "a viewer's report is not numbered: {path}");
        }
        assert_eq!(app.get_json("/api/v1/reports").await.1.as_array().unwrap().len(), 0, "nor kept");
        let first = office("/reports/status.pdf").await;
        assert_eq!(first.status(), 200);
        let first = pdf_text(&first.bytes().await.unwrap());
        assert!(unspaced(&first).contains(&format!("沪规划报〔{year}〕1号")), "numbered");
        assert!(first.contains("上海市某规划处（测试）"), "the sending unit");
        assert!(first.contains("没有可比较的上次报告"), "nothing to compare with yet");
        assert!(first.contains("主要问题") && first.contains("逾期未报的数据（按报送单位）"));

        // A figure comes in: the next report names the change and the report it compares with.
        let token = app.token(plantrack::server::auth::Role::Uploader);
        let (status, _) =
            app.upload(&token, "", "indicator,period,value\naigs-remote-window-platform,2025,完成\n").await;
        assert_eq!(status, 201);
        // A report on one plan compares with the last one on that plan, not with the all-plans one.
        let plan = pdf_text(&office("/reports/status.pdf?plan=ai-gov-services-2025").await.bytes().await.unwrap());
        assert!(plan.contains("没有可比较的上次报告"), "the first on this plan: {plan}");
        // An administrator's look at another time is kept, but no later report compares with it.
        let past = pdf_text(&office("/reports/status.pdf?as_of=2019-06-30").await.bytes().await.unwrap());
        assert!(unspaced(&past).contains(&format!("沪规划报〔{year}〕3号")), "{past}");
        assert!(past.contains("没有可比较的上次报告"), "nothing kept judged 2019 or before: {past}");
        let second = pdf_text(&office("/reports/status.pdf").await.bytes().await.unwrap());
        let flat = unspaced(&second);
        assert!(flat.contains(&format!("沪规划报〔{year}〕4号")), "the next number");
        assert!(flat.contains(&format!("上次报告：沪规划报〔{year}〕1号")), "{second}");
        assert!(flat.contains("逾期未报→已实现1"), "the transition counted");
        assert!(flat.contains("构建本市“远程虚拟窗口”平台"), "and named");
        // The same report asked for again is kept once, with its number.
        let again = pdf_text(&office("/reports/status.pdf").await.bytes().await.unwrap());
        assert!(unspaced(&again).contains(&format!("沪规划报〔{year}〕4号")));
        let (_, reports) = app.get_json("/api/v1/reports").await;
        let reports = reports.as_array().unwrap();
        assert_eq!(reports.len(), 4, "the visitor's report is not kept: {reports:?}");
        assert_eq!(reports[0]["number"], format!("沪规划报〔{year}〕4号"));
        assert_eq!(reports[0]["name"], reports[0]["number"]);
        // Its file as it was made, linked from the reports page.
        let kept_id = reports[0]["id"].as_i64().unwrap();
        let kept = app.get(&format!("/api/v1/reports/{kept_id}")).await;
        assert_eq!(kept.headers()["content-type"], "application/pdf");
        let kept = pdf_text(&kept.bytes().await.unwrap());
        assert!(unspaced(&kept).contains(&format!("沪规划报〔{year}〕4号")), "{kept}");
        let page = office("/reports").await.text().await.unwrap();
        assert!(page.contains(&format!("href=\"/api/v1/reports/{kept_id}\"")), "the reports page links it");
        // Compared with a chosen report instead: the first by its id.
        let first_id = reports[3]["id"].as_i64().unwrap();
        let since =
            pdf_text(&app.get(&format!("/reports/status.pdf?since={first_id}&lang=en")).await.bytes().await.unwrap());
        assert!(since.contains("Previous report"), "{since}");
        // A report of another scope, another method or a later date is nothing to compare with.
        for (query, reason) in [
            (format!("plan=big-data-2016&since={first_id}"), "范围"),
            (format!("method=cagr&since={first_id}"), "方法"),
            (format!("as_of=2016-06-30&since={kept_id}"), "晚于"),
        ] {
            let (status, body) = app.get_json(&format!("/reports/status.pdf?{query}")).await;
            assert_eq!(
                (status, body["error"]["details"]["parameter"].as_str()),
                (400, Some("since")),
                "{query}: {body}"
            );
            assert!(body["error"]["message"].as_str().unwrap_or_default().contains(reason), "{query}: {body}");
        }
        // Grouped by lead department: a section per department, its targets counted.
        let grouped = pdf_text(&app.get("/reports/status.pdf?group=department").await.bytes().await.unwrap());
        assert!(grouped.contains("各牵头单位目标状态") && grouped.contains("市数据局"), "sections per department");
        assert!(grouped.contains("牵头 "), "each department's count");
        assert!(unspaced(&grouped).contains("号第"), "a line cited with its plan's 文号: {grouped}");
        // A report asked for again is the report numbered then, word for word: a later report of
        // its scope (the full layout) is not what it compares with, and its time is its first.
        let plan_query = "/reports/status.pdf?plan=ai-gov-services-2025";
        let full = pdf_text(&office(&format!("{plan_query}&layout=full")).await.bytes().await.unwrap());
        assert!(unspaced(&full).contains(&format!("上次报告：沪规划报〔{year}〕2号")), "{full}");
        let again = pdf_text(&office(plan_query).await.bytes().await.unwrap());
        assert!(unspaced(&again).contains(&format!("沪规划报〔{year}〕2号")), "{again}");
        assert!(again.contains("没有可比较的上次报告"), "compared as when it was made: {again}");
        assert_eq!(unspaced(&again), unspaced(&plan), "the same words as the first time");
        for (query, parameter) in
            [("since=99999", "since"), ("since=yesterday", "since"), ("layout=tiny", "layout"), ("group=team", "group")]
        {
            let (status, body) = app.get_json(&format!("/reports/status.pdf?{query}")).await;
            assert_eq!(
                (status, body["error"]["details"]["parameter"].as_str()),
                (400, Some(parameter)),
                "{query}: {body}"
            );
        }
        // A report as figures stood known yesterday compares with none made since: each of them
        // knew more (sent upward, "已实现 → 逾期未报" would read as targets falling back).
        let yesterday = plantrack::clock::today().pred_opt().unwrap();
        let known = office(&format!("/reports/status.pdf?known_at={yesterday}")).await;
        let known = pdf_text(&known.bytes().await.unwrap());
        assert!(known.contains("没有可比较的上次报告"), "{known}");
        // Nor with one named, made since.
        let (status, body) = app.get_json(&format!("/reports/status.pdf?known_at={yesterday}&since={first_id}")).await;
        assert_eq!((status, body["error"]["details"]["parameter"].as_str()), (400, Some("since")), "{body}");
        assert!(body["error"]["message"].as_str().unwrap_or_default().contains("晚于本报告所按已知数据"), "{body}");
    }
}

#[tokio::test]
async fn the_compact_report_is_short_and_loses_no_target() {
    let app = crate::helpers::spawn_app(&crate::helpers::Backend::Sqlite).await;
    let all = app.get("/reports/status.pdf").await.bytes().await.unwrap();
    let count = pages(&all);
    assert!(count <= 30, "the compact all-plans report has {count} pages");
    let full = app.get("/reports/status.pdf?layout=full").await.bytes().await.unwrap();
    assert!(pages(&full) > count, "the full layout has every overview chart");
    // Every target of the smart-city plan is in the text, however its name wraps.
    let plan = pdf_text(&app.get("/reports/status.pdf?plan=smart-city-13th-fyp").await.bytes().await.unwrap());
    let flat = unspaced(&plan);
    let (_, targets) = app.get_json("/api/v1/targets?plan=smart-city-13th-fyp").await;
    let targets = targets.as_array().unwrap();
    assert!(targets.len() > 50);
    for t in targets {
        let name = unspaced(t["name"].as_str().unwrap());
        assert!(flat.contains(&name), "«{name}» is not in the report");
    }
}

#[tokio::test]
async fn the_word_copy_has_the_same_report_and_survives_libreoffice() {
    let app = crate::helpers::spawn_app(&crate::helpers::Backend::Sqlite).await;
    let response = app.get("/reports/status.docx?plan=smart-city-13th-fyp").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    for expected in ["规划目标进展情况报告", "总体情况", "主要问题", "实际光纤入户率", "<w:tblHeader/>", "宋体"]
    {
        assert!(xml.contains(expected), "«{expected}» not in document.xml");
    }
    // File → Properties tells when it was made (not 1970).
    let mut core = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("docProps/core.xml").unwrap(), &mut core).unwrap();
    let year = chrono::Utc::now().format(">%Y-").to_string();
    assert!(core.contains(&year) && !core.contains("1970"), "{core}");
    let images: Vec<usize> =
        (0..archive.len()).filter(|i| archive.by_index(*i).unwrap().name().starts_with("word/media/")).collect();
    let images: Vec<usize> =
        images.into_iter().filter(|&i| archive.by_index(i).unwrap().name().ends_with(".png")).collect();
    assert!(!images.is_empty(), "the charts are images");
    // A compact report's target charts, two to a row, are drawn 480 pixels wide (their text
    // printed at ~6.5 pt; at 800 it was ~4 pt).
    let widths: Vec<u32> = images
        .iter()
        .map(|&i| {
            let mut png = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_index(i).unwrap(), &mut png).unwrap();
            u32::from_be_bytes([png[16], png[17], png[18], png[19]])
        })
        .collect();
    assert!(widths.iter().all(|&w| w == 480), "{widths:?}");
    let mut footer = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/footer1.xml").unwrap(), &mut footer).unwrap();
    assert!(footer.contains("PAGE") && footer.contains("NUMPAGES"), "numbered pages: {footer}");

    // A report of many plans: their status counts in one table, as on the PDF's first page; a
    // compact one runs its plans on (only the method starts a page), a full one starts each anew.
    let document = |query: &'static str| {
        let app = &app;
        async move {
            let bytes = app.get(&format!("/reports/status.docx?{query}")).await.bytes().await.unwrap();
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
            xml
        }
    };
    let compact = document("department=transport").await;
    assert!(compact.contains("各规划目标状态") && compact.contains("全部规划"), "the counts of each plan");
    assert_eq!(compact.matches("pageBreakBefore").count(), 1, "only the method starts a page");
    let full = document("department=transport&layout=full").await;
    assert!(full.matches("pageBreakBefore").count() > 2, "each plan on a page of its own");

    // An office opens it: LibreOffice turns it into a PDF, and every target's name is there.
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("report.docx");
    std::fs::write(&docx, &bytes).unwrap();
    let converted = std::process::Command::new("soffice")
        .args(["--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&docx)
        .env("HOME", dir.path())
        .output()
        .expect("LibreOffice (soffice) is installed");
    assert!(converted.status.success(), "{}", String::from_utf8_lossy(&converted.stderr));
    let text = pdf_text(&std::fs::read(dir.path().join("report.pdf")).unwrap());
    let flat = unspaced(&text);
    let (_, targets) = app.get_json("/api/v1/targets?plan=smart-city-13th-fyp").await;
    for t in targets.as_array().unwrap() {
        let name = unspaced(t["name"].as_str().unwrap());
        assert!(flat.contains(&name), "«{name}» did not survive the conversion");
    }
}

#[tokio::test]
async fn a_report_past_its_time_budget_is_stopped_with_503_and_the_server_goes_on() {
    let app = crate::helpers::spawn_app_configured(&Backend::Sqlite, |s| s.work_budget_seconds = 0.1).await;
    // Every plan at the seed scale takes its layout process longer than a tenth of a second.
    let (status, body) = app.get_json("/reports/status.pdf?layout=full").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "too_slow");
    assert!(body["error"]["message"].as_str().unwrap().contains("处理时间超过上限"), "{body}");
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn without_its_layout_program_the_server_still_makes_the_report_itself() {
    let app =
        crate::helpers::spawn_app_configured(&Backend::Sqlite, |s| s.report_worker = Some("/no/such/plantrack".into()))
            .await;
    let response = app.get("/reports/status.pdf?plan=smart-city-13th-fyp").await;
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF"));
}

/// The processes whose command line starts with `program`.
fn processes_of(program: &std::path::Path) -> usize {
    let wanted = program.as_os_str().as_encoded_bytes();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| std::fs::read(entry.ok()?.path().join("cmdline")).ok())
        .filter(|cmdline| cmdline.starts_with(wanted))
        .count()
}

#[tokio::test]
async fn a_report_whose_reader_leaves_stops_its_layout_process() {
    use std::io::Write;
    // A name of this test's own for the layout program, to find its process among the others.
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("plantrack-layout-watched");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_plantrack"), &program).unwrap();
    let worker = program.clone();
    let app = crate::helpers::spawn_app_configured(&Backend::Sqlite, move |s| s.report_worker = Some(worker)).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut client = std::net::TcpStream::connect(&address).unwrap();
    write!(client, "GET /reports/status.pdf?layout=full HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let waited = std::time::Instant::now();
    while processes_of(&program) == 0 {
        assert!(waited.elapsed() < std::time::Duration::from_secs(60), "the layout process never started");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(client);
    let left = std::time::Instant::now();
    while processes_of(&program) > 0 {
        assert!(left.elapsed() < std::time::Duration::from_secs(3), "the layout process outlived its reader by 3 s");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The server goes on: the same report for a reader who stays.
    let response = app.get("/reports/status.pdf?plan=smart-city-13th-fyp").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_kept_report_without_a_numbering_format_carries_the_number_the_list_gives_it() {
    let app = crate::helpers::spawn_app(&crate::helpers::Backend::Sqlite).await;
    let admin = app.token(plantrack::server::auth::Role::Admin);
    let request =
        app.client.get(format!("{}/reports/status.pdf?plan=smart-city-13th-fyp", app.address)).bearer_auth(&admin);
    let text = pdf_text(&request.send().await.unwrap().bytes().await.unwrap());
    let (_, reports) = app.get_json("/api/v1/reports").await;
    let id = reports[0]["id"].as_i64().unwrap();
    assert!(unspaced(&text).contains(&format!("第{id}号报告")), "{text}");
    assert_eq!(reports[0]["name"], format!("第 {id} 号报告"), "the API calls it as the report does");
    // A visitor's report is not kept: it names no number.
    let visitor = pdf_text(&app.get("/reports/status.pdf?plan=smart-city-13th-fyp").await.bytes().await.unwrap());
    assert!(!unspaced(&visitor).contains("号报告"), "{visitor}");
}

/// A kept report's file is found by its name in the data folder (a folder restored elsewhere
/// keeps its reports), is never handed out changed (a half-written file is not the numbered
/// report), and one lost is made again when the report is asked for again.
#[tokio::test]
async fn a_kept_report_is_found_where_the_data_folder_is_and_never_handed_out_changed() {
    use diesel::RunQueryDsl;
    let app = crate::helpers::spawn_app(&crate::helpers::Backend::Sqlite).await;
    let admin = app.token(plantrack::server::auth::Role::Admin);
    let path = "/reports/status.pdf?plan=smart-city-13th-fyp&as_of=2025-06-30";
    let first = app.get_as(path, &admin).await.bytes().await.unwrap();
    let (_, reports) = app.get_json("/api/v1/reports").await;
    let id = reports[0]["id"].as_i64().unwrap();
    let pool = plantrack::db::connect(&app.db_url, 1).unwrap();
    let stored: Vec<String> = diesel::sql_query(format!("SELECT file_path FROM reports WHERE id = {id}"))
        .load::<FilePath>(&mut pool.get().unwrap())
        .unwrap()
        .into_iter()
        .map(|r| r.file_path)
        .collect();
    assert_eq!(stored, [format!("made-{id}.pdf")], "the name alone is stored");
    let file = app.data_dir().join("reports").join(format!("made-{id}.pdf"));
    assert_eq!(std::fs::read(&file).unwrap(), first);
    let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "nothing written aside is left: {leftovers:?}");
    // A row from a database kept at another path still finds its file here.
    diesel::sql_query(format!(
        "UPDATE reports SET file_path = '/srv/old-host/data/reports/made-{id}.pdf' WHERE id = {id}"
    ))
    .execute(&mut pool.get().unwrap())
    .unwrap();
    let kept = app.get_as(&format!("/api/v1/reports/{id}"), &admin).await;
    assert_eq!(kept.status(), 200);
    assert_eq!(kept.bytes().await.unwrap(), first);
    // Cut short (a disk that filled while it was written by another program): not handed out.
    std::fs::write(&file, &first[..100]).unwrap();
    assert_eq!(app.get_as(&format!("/api/v1/reports/{id}"), &admin).await.status(), 500);
    // Lost: asking for the report again makes the same file again.
    std::fs::remove_file(&file).unwrap();
    assert_eq!(app.get_as(&format!("/api/v1/reports/{id}"), &admin).await.status(), 500);
    let again = app.get_as(path, &admin).await.bytes().await.unwrap();
    assert_eq!(again.len(), first.len());
    assert_eq!(app.get_as(&format!("/api/v1/reports/{id}"), &admin).await.status(), 200);
}

#[derive(diesel::QueryableByName)]
struct FilePath {
    #[diesel(sql_type = diesel::sql_types::Text)]
    file_path: String,
}

/// A report as known on a day names the newest upload known then, and the same report asked for
/// again after a reporting duty changed what it counts as owed is a new report, not the old
/// number over new figures.
#[tokio::test]
async fn a_report_is_kept_once_only_while_everything_it_says_is_the_same() {
    let app = crate::helpers::spawn_app_configured(&crate::helpers::Backend::Sqlite, |s| {
        s.report_number = "沪规划报〔{year}〕{n}号".to_owned();
    })
    .await;
    let admin = app.token(plantrack::server::auth::Role::Admin);
    let office = |path: String| {
        let request = app.client.get(format!("{}{path}", app.address)).bearer_auth(&admin);
        async move { pdf_text(&request.send().await.unwrap().bytes().await.unwrap()) }
    };
    let known_then = office("/reports/status.pdf?as_of=2025-12-31&known_at=2026-01-01".to_owned()).await;
    let flat = unspaced(&known_then);
    assert!(flat.contains("数据截至（最新上传，北京时间）—"), "no upload was known on 2026-01-01: {known_then}");
    let listed = app.client.get(format!("{}/reports", app.address)).bearer_auth(&admin).send().await.unwrap();
    let listed = listed.text().await.unwrap();
    assert!(listed.contains("按 2026-01-01 时已知"), "the list says which view it was: {listed}");
    let year = chrono::Datelike::year(&plantrack::judged::today());
    let path = "/reports/status.pdf?plan=ai-gov-services-2025&as_of=2026-06-01".to_owned();
    let first = unspaced(&office(path.clone()).await);
    assert!(first.contains(&format!("沪规划报〔{year}〕2号")), "{first}");
    assert!(unspaced(&office(path.clone()).await).contains(&format!("沪规划报〔{year}〕2号")), "asked again: the same");
    let body = serde_json::json!({"frequency": "quarterly", "due_days": 15, "reporter": "data-bureau"});
    let changed = app
        .client
        .put(format!("{}/api/v1/indicators/aigs-remote-window-platform/duty", app.address))
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let after = unspaced(&office(path).await);
    assert!(after.contains(&format!("沪规划报〔{year}〕3号")), "what is owed changed: a new report: {after}");
}
