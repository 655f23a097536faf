//! What a stranger or a careless client can send: every spelling of every route with reads closed,
//! odd methods, odd paths by the thousand, floods of bad rows, huge headers and cells, slow bodies
//! and too many reports at once. Each answer is refused, bounded, or served as it should be.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use plantrack::server::Access;
use plantrack::server::auth::Role;
use reqwest::Method;

use crate::helpers::{Backend, TestApp, backends, spawn_app, spawn_app_configured};

/// A real instance for each path parameter of the route table.
fn concrete(path: &str) -> String {
    let with = |slug: &str| path.replace("{slug}", slug);
    match path {
        p if p.starts_with("/charts/plans/") => p.replace("{file}", "smart-city-13th-fyp.svg"),
        p if p.starts_with("/charts/targets/") => p.replace("{file}", "sc13-it-industrialization-index.svg"),
        p if p.contains("/plans/") => with("smart-city-13th-fyp"),
        p if p.contains("/targets/") => with("sc13-it-industrialization-index"),
        p if p.contains("/indicators/") => with("open-data-sets"),
        p if p.starts_with("/static/fonts/") => p.replace("{file}", "NotoSansSC-Regular.ttf"),
        p => p.replace("{id}", "1"),
    }
}

/// The same path spelled as a router decodes it but a prefix check would not see it.
fn spellings(path: &str) -> Vec<String> {
    let mut spelled = vec![path.to_owned(), format!("/{path}"), format!("{path}/")];
    if let Some(first) = path[1..].chars().next().filter(char::is_ascii_alphabetic) {
        spelled.push(format!("/%{:02X}{}", first as u32, &path[2..]));
        spelled.push(format!("/%{:02x}{}", first as u32, &path[2..]));
    }
    if let Some((head, tail)) = path.rsplit_once('/')
        && let Some(c) = tail.chars().next().filter(char::is_ascii_alphabetic)
    {
        spelled.push(format!("{head}/%{:02X}{}", c as u32, &tail[1..]));
        spelled.push(format!("{head}//{tail}"));
    }
    spelled
}

async fn send(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn with_reads_closed_no_spelling_of_any_route_reaches_data_without_a_token() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.public_read = false).await;
    let app = app.without_redirects();
    let viewer = app.token(Role::Viewer);
    let admin = app.token(Role::Admin);
    let routes = plantrack::server::declared_routes(plantrack::routes);
    assert!(routes.len() > 20, "{routes:?}");
    let mut checked = 0;
    for route in routes.iter().filter(|r| r.method == actix_web::http::Method::GET) {
        let path = concrete(route.path);
        for (n, spelled) in spellings(&path).into_iter().enumerate() {
            let anonymous = send(&app, Method::GET, &spelled, None).await;
            let status = anonymous.status().as_u16();
            match route.access {
                Access::Read | Access::Restricted | Access::Metrics => assert_eq!(status, 401, "{spelled}"),
                Access::Page => {
                    assert_eq!(status, 303, "{spelled}");
                    assert!(
                        anonymous.headers()["location"].to_str().unwrap().starts_with("/signin?next="),
                        "{spelled}"
                    );
                }
                Access::Public => assert!(status < 500, "{spelled}: {status}"),
                // The plan drafts' JSON: an administrator's token, never a sign-in.
                Access::Token(_) => assert_eq!(status, 401, "{spelled}"),
                other => panic!("a GET route with {other:?}"),
            }
            checked += 1;
            if n > 0 && !spelled.contains('%') {
                continue;
            }
            // The same spelling with a token reaches the route: it was routed, not lost.
            let token = if route.access == Access::Metrics { &admin } else { &viewer };
            let allowed = send(&app, Method::GET, &spelled, Some(token)).await;
            let status = allowed.status().as_u16();
            let body = allowed.text().await.unwrap_or_default();
            // A 404 may only be the data's (no report 1 yet), never the router's.
            assert!(
                status != 401 && status < 500 && !body.contains("no route for"),
                "{spelled}: {status} with a token"
            );
        }
    }
    assert!(checked > 100, "{checked} spellings checked");
    // Writes: the upload route wants an uploader's header, never less.
    for spelled in spellings("/api/v1/uploads") {
        let anonymous = send(&app, Method::POST, &spelled, None).await;
        assert_eq!(anonymous.status(), 401, "{spelled}");
        let as_viewer = send(&app, Method::POST, &spelled, Some(&viewer)).await;
        assert_eq!(as_viewer.status(), 403, "{spelled}");
    }
}

#[tokio::test]
async fn head_answers_wherever_get_does_and_other_methods_get_405_with_allow() {
    let app = spawn_app(&Backend::Sqlite).await;
    for route in plantrack::server::declared_routes(plantrack::routes)
        .iter()
        .filter(|r| r.method == actix_web::http::Method::GET)
    {
        let path = concrete(route.path);
        let get = send(&app, Method::GET, &path, None).await.status();
        let head = send(&app, Method::HEAD, &path, None).await;
        assert_eq!(head.status(), get, "HEAD {path}");
        assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path} has no body");
        for method in [Method::PUT, Method::DELETE, Method::PATCH, Method::TRACE] {
            let wrong = send(&app, method.clone(), &path, None).await;
            assert_eq!(wrong.status(), 405, "{method} {path}");
            let allow = wrong.headers()["allow"].to_str().unwrap().to_owned();
            assert!(allow.contains("GET") && allow.contains("HEAD"), "{method} {path}: {allow}");
            let body: serde_json::Value = wrong.json().await.unwrap();
            assert_eq!(body["error"]["code"], "method_not_allowed");
        }
    }
    assert_eq!(send(&app, Method::HEAD, "/healthz", None).await.status(), 200);
}

/// Lines of the metrics text that are samples (not comments).
async fn metric_samples(app: &TestApp) -> usize {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines().filter(|l| !l.starts_with('#')).count()
}

#[tokio::test]
async fn metrics_stay_the_same_size_whatever_paths_and_methods_arrive() {
    let app = spawn_app(&Backend::Sqlite).await;
    // Every kind of answer once, so that the label sets that can exist exist.
    for path in ["/healthz", "/nothing/here", "/api/v1/plans"] {
        app.get(path).await;
        send(&app, Method::from_bytes(b"BREW").unwrap(), path, None).await;
    }
    let before = metric_samples(&app).await;
    for n in 0..3_000 {
        let path = format!("/random/{n}/{}", "x".repeat(n % 50));
        let method = Method::from_bytes(format!("M{n}").as_bytes()).unwrap();
        send(&app, if n % 2 == 0 { Method::GET } else { method }, &path, None).await;
    }
    let after = metric_samples(&app).await;
    assert!(after <= before + 40, "{before} samples before, {after} after 3000 odd requests");
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("endpoint=\"unmatched\""), "{text}");
    assert!(text.contains("method=\"OTHER\""), "{text}");
    assert!(text.contains("endpoint=\"/api/v1/plans\""), "{text}");
}

#[tokio::test]
async fn metrics_and_the_api_description_follow_their_settings() {
    let closed = spawn_app_configured(&Backend::Sqlite, |s| s.public_read = false).await;
    assert_eq!(closed.get("/metrics").await.status(), 401);
    assert_eq!(closed.get("/api/openapi.json").await.status(), 401);
    let admin = closed.token(Role::Admin);
    assert_eq!(send(&closed, Method::GET, "/metrics", Some(&admin)).await.status(), 200);
    let viewer = closed.token(Role::Viewer);
    assert_eq!(send(&closed, Method::GET, "/metrics", Some(&viewer)).await.status(), 403);
    let open_metrics = spawn_app_configured(&Backend::Sqlite, |s| {
        s.public_read = false;
        s.metrics_public = Some(true);
    })
    .await;
    assert_eq!(open_metrics.get("/metrics").await.status(), 200);
    let closed_metrics = spawn_app_configured(&Backend::Sqlite, |s| s.metrics_public = Some(false)).await;
    assert_eq!(closed_metrics.get("/metrics").await.status(), 401);
    assert_eq!(closed_metrics.get("/api/openapi.json").await.status(), 200);
}

#[tokio::test]
async fn a_flood_of_bad_rows_answers_briefly_and_is_stored_briefly() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let mut csv = String::from("indicator,period,value,note\n");
    for n in 0..200_000 {
        csv.push_str(&format!("open-data-sets,20x{n},1,{}\n", "很长的备注".repeat(5)));
    }
    // A dry run: the answer lists the first 1000 problems and counts them all.
    let response = app
        .client
        .post(format!("{}/api/v1/uploads?dry_run=true", app.address))
        .bearer_auth(&token)
        .header("Content-Type", "text/csv")
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body = response.bytes().await.unwrap();
    assert!(body.len() < 1_000_000, "{} bytes", body.len());
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let details = &body["error"]["details"];
    assert_eq!(details["total"], 200_000);
    assert_eq!(details["truncated"], true);
    assert_eq!(details["errors"].as_array().unwrap().len(), 1000);
    assert_eq!(details["errors"][0]["line"], 2);
    assert_eq!(details["summary"][0]["code"], "period_invalid");
    assert_eq!(details["summary"][0]["count"], 200_000);
    // Committed (rejected): the list stays small and the problems are fetched on their own.
    let (status, body) = app.upload(&token, "", csv).await;
    assert_eq!(status, 422);
    let id = body["error"]["details"]["upload_id"].as_i64().unwrap();
    let list = app.get("/api/v1/uploads").await.bytes().await.unwrap();
    assert!(list.len() < 20_000, "the list is {} bytes", list.len());
    let (_, upload) = app.get_json(&format!("/api/v1/uploads/{id}")).await;
    assert_eq!(upload["error_count"], 200_000);
    assert_eq!(upload["problem_summary"][0]["count"], 200_000);
    let viewer = app.token(Role::Viewer);
    let problems = app.get_as(&format!("/api/v1/uploads/{id}/problems"), &viewer).await.bytes().await.unwrap();
    assert!(problems.len() < 1_000_000, "{} bytes", problems.len());
    let page = app.get(&format!("/uploads/{id}")).await.bytes().await.unwrap();
    assert!(page.len() < 2_000_000, "the page is {} bytes", page.len());
}

#[tokio::test]
async fn huge_headers_cells_and_column_counts_are_refused_in_a_few_lines() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let cases = [
        (format!("indicator,period,value,{}\nopen-data-sets,2021,1,1\n", "列".repeat(2_000_000)), "header_too_long"),
        (format!("indicator,period,value{}\nopen-data-sets,2021,1\n", ",".repeat(100_000)), "header_too_long"),
        (format!("indicator,period,value{}\nopen-data-sets,2021,1\n", ",x".repeat(500)), "too_many_columns"),
        (format!("indicator,period,value,note\nopen-data-sets,2021,1,{}\n", "备".repeat(4000)), "cell_too_long"),
        (format!("indicator,period,value\n{},2021,1\n", "x".repeat(1_000_000)), "cell_too_long"),
    ];
    for (csv, code) in cases {
        let (status, body) = app.upload(&token, "?dry_run=true", csv).await;
        assert_eq!(status, 422, "{code}");
        let text = body.to_string();
        assert!(text.len() < 20_000, "{code}: {} bytes", text.len());
        assert_eq!(body["error"]["details"]["errors"][0]["code"], code, "{body}");
    }
}

#[tokio::test]
async fn control_characters_are_refused_with_their_line_and_column_on_both_databases() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let csv = "indicator,period,value,note,source\nopen-data-sets,2021,4500,ok,\nopen-data-sets,2022,4600,a\u{0}b,\nopen-data-sets,2023,4700,,x\u{1b}[31m\n";
        for query in ["?dry_run=true", ""] {
            let (status, body) = app.upload(&token, query, csv).await;
            assert_eq!(status, 422, "{backend:?} {query}: {body}");
            let errors = body["error"]["details"]["errors"].as_array().unwrap();
            let found: Vec<(i64, &str)> =
                errors.iter().map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap())).collect();
            assert_eq!(found, vec![(3, "note"), (4, "source")], "{backend:?}");
            assert!(errors.iter().all(|e| e["code"] == "control_character"));
        }
    }
}

#[tokio::test]
async fn too_many_reports_at_once_get_503_with_retry_after_and_health_still_answers() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| {
        s.heavy_jobs = 1;
        s.queue_wait_seconds = 0.2;
    })
    .await;
    let requests: Vec<_> = (0..6)
        .map(|_| {
            let (client, url) = (app.client.clone(), format!("{}/reports/status.pdf", app.address));
            tokio::spawn(async move { client.get(url).send().await.unwrap() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2), "health answered in {:?}", started.elapsed());
    let mut statuses = Vec::new();
    for request in requests {
        let response = request.await.unwrap();
        if response.status() == 503 {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push(response.status().as_u16());
    }
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&503), "{statuses:?}");
}

/// A server with one heavy slot (so two receiving and two sending ones) whose requests wait half a
/// second for a slot before 503, configured further by `more`.
async fn one_heavy_slot(more: impl FnOnce(&mut plantrack::config::Settings)) -> TestApp {
    spawn_app_configured(&Backend::Sqlite, |s| {
        s.heavy_jobs = 1;
        s.queue_wait_seconds = 0.5;
        more(s);
    })
    .await
}

/// `n` uploads with this token whose bodies start and never finish (1000 bytes announced, 10 sent).
fn trickling_uploads(app: &TestApp, token: &str, n: usize) -> Vec<std::net::TcpStream> {
    let address = app.address.trim_start_matches("http://").to_owned();
    (0..n)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            let head = format!(
                "POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nindicator,"
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream
        })
        .collect()
}

/// A file still arriving waits in a receiving slot, not in one of the heavy slots reports use: two
/// uploads trickling in keep no report waiting.
#[tokio::test]
async fn uploads_still_arriving_keep_no_report_waiting() {
    let app = one_heavy_slot(|_| {}).await;
    let token = app.token(Role::Uploader);
    let trickling = trickling_uploads(&app, &token, 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let report = app.get("/reports/status.pdf?plan=smart-city-13th-fyp").await;
    assert_eq!(report.status(), 200);
    drop(trickling);
}

/// One token's files arrive one at a time: a sender trickling several bodies in holds one
/// receiving slot, its further files get 503 once they have waited, and another token's upload
/// is taken meanwhile.
#[tokio::test]
async fn one_token_sending_slowly_keeps_no_other_token_waiting() {
    let app = one_heavy_slot(|_| {}).await;
    let slow = app.token(Role::Uploader);
    let other = app.token(Role::Uploader);
    let trickling = trickling_uploads(&app, &slow, 2);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (status, body) = app.upload(&other, "?dry_run=true", "指标,期间,数值\nopen-data-sets,2021,4500\n").await;
    assert_eq!(status, 200, "another token's upload is taken: {body}");

    // The slow token's second body waited for its first, then was told so.
    let mut answers = Vec::new();
    for mut stream in trickling {
        stream.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let mut answer = [0u8; 512];
        let read = std::io::Read::read(&mut stream, &mut answer).unwrap_or(0);
        answers.push(String::from_utf8_lossy(&answer[..read]).into_owned());
    }
    let refused: Vec<&String> = answers.iter().filter(|a| a.starts_with("HTTP/1.1 503")).collect();
    assert_eq!(refused.len(), 1, "{answers:?}");
    assert!(refused[0].contains("retry-after"), "{}", refused[0]);
}

/// Visitors' reports (no token, on a public server) are made one at a time in a slot of their
/// own: a crowd of them gets 503, and an uploader's file and a viewer's report are taken meanwhile.
#[tokio::test]
async fn visitors_and_viewers_reports_keep_no_upload_waiting() {
    let app = one_heavy_slot(|_| {}).await;
    let token = app.token(Role::Uploader);
    let reports: Vec<_> = (0..3)
        .map(|i| {
            let url = format!("{}/reports/status.pdf?layout=full&as_of=2026-0{}-01", app.address, i + 1);
            let client = app.client.clone();
            tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) =
        app.upload(&token, "?dry_run=true", "indicator,period,value\nopen-data-sets,2021,4500\n").await;
    assert_eq!(status, 200, "the upload is not kept waiting by visitors' reports: {body}");
    // Nor is a viewer's report: the office's own readers do not queue behind strangers.
    let viewer = app.token(Role::Viewer);
    let asked = app.client.get(format!("{}/reports/status.pdf?as_of=2026-05-01", app.address)).bearer_auth(&viewer);
    assert_eq!(asked.send().await.unwrap().status(), 200, "a viewer's report beside the visitors'");
    let mut statuses = Vec::new();
    for report in reports {
        statuses.push(report.await.unwrap());
    }
    assert!(statuses.contains(&200) && statuses.contains(&503), "{statuses:?}");

    // A viewer asking for reports in a loop keeps no upload waiting either.
    let viewers_reports: Vec<_> = (0..3)
        .map(|i| {
            let url = format!("{}/reports/status.pdf?layout=full&as_of=2026-0{}-01", app.address, i + 1);
            let asked = app.client.get(url).bearer_auth(&viewer);
            tokio::spawn(async move { asked.send().await.unwrap().status().as_u16() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) =
        app.upload(&token, "?dry_run=true", "indicator,period,value\nopen-data-sets,2021,4600\n").await;
    assert_eq!(status, 200, "the upload is not kept waiting by a viewer's reports: {body}");
    let mut statuses = Vec::new();
    for report in viewers_reports {
        statuses.push(report.await.unwrap());
    }
    assert!(statuses.contains(&200) && statuses.contains(&503), "one at a time: {statuses:?}");
}

/// A large stored upload is sent back a few at a time, each for at most the body timeout: clients
/// that do not read hold their slot (and its memory) no longer, others get 503 meanwhile, and a
/// small file is sent to anyone at once.
#[tokio::test]
async fn stored_files_are_sent_a_few_at_a_time_and_not_held_by_clients_that_do_not_read() {
    let app = one_heavy_slot(|s| s.body_timeout_seconds = 2.0).await;
    let token = app.token(Role::Uploader);
    let big = "不是表头\n".repeat(2_000_000);
    let (status, body) = app.upload(&token, "", big.clone()).await;
    assert_eq!(status, 422, "refused, and kept as received: {body}");
    let raw = format!("/api/v1/uploads/{}/raw", body["error"]["details"]["upload_id"]);
    let (_, small) = app.upload(&token, "", "不是表头\n".to_owned()).await;
    let small_raw = format!("/api/v1/uploads/{}/raw", small["error"]["details"]["upload_id"]);
    let address = app.address.trim_start_matches("http://").to_owned();
    // Two clients ask and read nothing: they hold the two sending slots.
    let stalled: Vec<std::net::TcpStream> = (0..2)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            let request = format!("GET {raw} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
            stream.write_all(request.as_bytes()).unwrap();
            stream
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.get_as(&raw, &token).await.status(), 503, "a third waits, then is told the server is busy");
    let sent = app.get_as(&small_raw, &token).await;
    assert_eq!(sent.status(), 200, "a small file needs no slot");
    assert_eq!(sent.text().await.unwrap(), "不是表头\n");
    // Past the body timeout the stalled clients hold nothing: the file is sent whole again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let again = app.get_as(&raw, &token).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.bytes().await.unwrap().len(), big.len());
    drop(stalled);
}

/// A kept answer is compressed once, not for every request: gzip for a client that takes it (the
/// same bytes each time), as it is for one that asks only for brotli.
#[tokio::test]
async fn kept_answers_are_compressed_once() {
    let app = spawn_app(&Backend::Sqlite).await;
    let fetch = |encoding: &'static str| {
        let request = app.client.get(format!("{}/api/v1/targets", app.address)).header("Accept-Encoding", encoding);
        async move {
            let response = request.send().await.unwrap();
            let coding = response.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
            (coding, response.bytes().await.unwrap())
        }
    };
    let (coding, first) = fetch("gzip, deflate, br").await;
    assert_eq!(coding.as_deref(), Some("gzip"));
    let (_, again) = fetch("gzip").await;
    assert_eq!(first, again, "the kept gzip, not a new one");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&first[..]), &mut plain).unwrap();
    let (_, identity) = fetch("identity").await;
    assert_eq!(plain, identity.to_vec(), "the same answer");
    let (coding, body) = fetch("br").await;
    assert_eq!(coding.as_deref(), Some("identity"), "not compressed again for each request");
    assert_eq!(body, identity);
}

/// Large answers that are not kept (the fonts, a raw upload, a report) are not compressed anew for
/// each request: a request of a few bytes once cost a second of compression. The fonts are gzipped
/// once and kept; the rest go as they are.
#[tokio::test]
async fn large_answers_are_not_compressed_for_every_request() {
    let app = spawn_app(&Backend::Sqlite).await;
    let viewer = app.token(plantrack::server::auth::Role::Viewer);
    let fetch = |path: String, encoding: &'static str| {
        let request =
            app.client.get(format!("{}{path}", app.address)).header("Accept-Encoding", encoding).bearer_auth(&viewer);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let coding = response.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
            (coding, response.bytes().await.unwrap())
        }
    };
    let font = "/static/fonts/NotoSansSC-Regular.ttf".to_owned();
    let bundled = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/NotoSansSC-Regular.ttf")).unwrap();
    let (coding, plain) = fetch(font.clone(), "br").await;
    assert_eq!((coding.as_deref(), plain.len()), (Some("identity"), bundled.len()));
    let (coding, first) = fetch(font.clone(), "gzip, br").await;
    assert_eq!(coding.as_deref(), Some("gzip"));
    let (_, again) = fetch(font, "gzip").await;
    assert_eq!(first, again, "the kept gzip");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&first[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, bundled);

    let token = app.token(plantrack::server::auth::Role::Uploader);
    let csv = format!("指标,期间,数值\n{}", "ftth-takeup-rate,2020,七十\n".repeat(40_000));
    let (status, body) = app.upload_bytes(&token, "", csv.clone().into_bytes()).await;
    assert_eq!(status, 422, "{body}");
    let id = body["error"]["details"]["upload_id"].as_i64().expect("a refused upload is kept too");
    for encoding in ["gzip", "br", "deflate"] {
        let (coding, raw) = fetch(format!("/api/v1/uploads/{id}/raw"), encoding).await;
        assert_eq!(coding.as_deref(), Some("identity"), "{encoding}");
        assert_eq!(raw.len(), csv.len());
    }
}

/// Big PNG charts are drawn a few at a time (one per core); the rest wait, then get 503.
#[tokio::test]
async fn big_png_charts_are_drawn_a_few_at_a_time() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.queue_wait_seconds = 0.05).await;
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let url = format!("{}/charts/plans/smart-city-13th-fyp.png?width=800&height=8000", app.address);
            let client = app.client.clone();
            tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.unwrap());
    }
    assert!(statuses.contains(&200) && statuses.contains(&503), "{statuses:?}");
    let svg = app.get("/charts/plans/smart-city-13th-fyp.svg?width=4000&height=8000").await;
    assert_eq!(svg.status(), 200, "an SVG needs no slot");
}

/// A multipart upload sent chunked declares no length: every field counts toward the limit, not
/// only the file. A form the parser cannot read is told in Chinese, the parser's words in English.
#[tokio::test]
async fn a_chunked_form_counts_every_field_and_a_broken_form_is_told_in_chinese() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.upload_limit_bytes = 100_000).await;
    let token = app.token(Role::Uploader);
    let address = app.address.trim_start_matches("http://").to_owned();
    let bearer = token.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "POST /api/v1/uploads?dry_run=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bearer}\r\nContent-Type: multipart/form-data; boundary=XB\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let mut body = format!("--XB\r\nContent-Disposition: form-data; name=\"junk\"\r\n\r\n{}\r\n", "x".repeat(1_000_000));
        body += "--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n";
        body += "indicator,period,value\nopen-data-sets,2021,4501\n\r\n--XB--\r\n";
        let _ = stream.write_all(head.as_bytes());
        for chunk in body.as_bytes().chunks(64 * 1024) {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            if stream.write_all(&framed).is_err() {
                break; // answered and closed early
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut answer = vec![0u8; 4096];
        let n = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    let broken = app
        .client
        .post(format!("{}/api/v1/uploads?dry_run=true", app.address))
        .bearer_auth(&token)
        .header("Content-Type", "multipart/form-data; boundary=XB")
        .body("--XB\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XB--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let said: serde_json::Value = broken.json().await.unwrap();
    assert_eq!(said["error"]["message"], "无法读取表单：内容不符合 multipart/form-data 格式", "{said}");
    assert!(said["error"]["message_en"].as_str().unwrap().contains("Content-Disposition"), "{said}");
}

#[tokio::test]
async fn an_upload_body_that_trickles_in_is_cut_off_with_408() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.body_timeout_seconds = 1.0).await;
    let token = app.token(Role::Uploader);
    let address = app.address.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let head = format!(
            "POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nindicator,"
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        let mut answer = vec![0u8; 4096];
        let n = stream.read(&mut answer).unwrap_or(0);
        (String::from_utf8_lossy(&answer[..n]).into_owned(), started.elapsed())
    })
    .await
    .unwrap();
    assert!(answer.0.starts_with("HTTP/1.1 408"), "{}", answer.0);
    assert!(answer.1 < Duration::from_secs(5), "{:?}", answer.1);
}

#[tokio::test]
async fn download_names_keep_their_chinese_and_cookies_can_be_secure() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let (status, body) =
        app.upload(&token, "?name=%E6%9C%88%E6%8A%A5.csv", "indicator,period,value\nopen-data-sets,2021,4501\n").await;
    assert_eq!(status, 201, "{body}");
    let raw_path = format!("/api/v1/uploads/{}/raw", body["upload_id"]);
    // A clerk's own file may carry a name and a phone number: not public, even when reads are.
    assert_eq!(app.get(&raw_path).await.status(), 401);
    let (_, upload) = app.get_json(&format!("/api/v1/uploads/{}", body["upload_id"])).await;
    assert_eq!(upload["file_name"], "月报.csv", "what was sent stays readable: {upload}");
    let signin = app.get("/signin").await.text().await.unwrap();
    assert!(signin.contains("公开可读") && !signin.contains("数据不公开"), "the sign-in page says what it is for");
    let raw = app.get_as(&raw_path, &token).await;
    let disposition = raw.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("filename*=UTF-8''%E6%9C%88%E6%8A%A5.csv"), "{disposition}");

    let secure = spawn_app_configured(&Backend::Sqlite, |s| s.cookie_secure = true).await.without_redirects();
    let form = secure.get("/signin").await;
    let secret = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let viewer = secure.token(Role::Viewer);
    let signed_in = secure
        .client
        .post(format!("{}/signin", secure.address))
        .header("Cookie", secret.clone())
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", secret.split_once('=').unwrap().1.to_owned())
                .text("token", viewer),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookies: Vec<String> =
        signed_in.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("plantrack_session=") && c.contains("Secure")), "{cookies:?}");
    assert!(form_cookie_is_secure(&secure).await, "the form's secret is Secure too");
}

#[tokio::test]
async fn one_token_holds_a_bounded_number_of_sessions_and_the_oldest_ends_first() {
    use plantrack::server::auth::SESSIONS_PER_TOKEN;
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let mut sessions = Vec::new();
        for _ in 0..=SESSIONS_PER_TOKEN {
            sessions.push(crate::departments::sign_in(&app, &token).await.0);
        }
        let signed_in = |cookies: String| async {
            let page = app.client.get(format!("{}/uploads", app.address)).header("Cookie", cookies).send().await;
            page.unwrap().text().await.unwrap().contains("已登录为")
        };
        assert!(!signed_in(sessions[0].clone()).await, "{backend:?}: the oldest session was ended");
        assert!(signed_in(sessions[1].clone()).await, "{backend:?}: the next one lasts");
        assert!(signed_in(sessions.last().unwrap().clone()).await, "{backend:?}: the newest one lasts");
        let pool = plantrack::db::connect(&app.db_url, 1).unwrap();
        let kept = plantrack::db::access::count_sessions(&mut pool.get().unwrap()).unwrap();
        assert_eq!(kept, SESSIONS_PER_TOKEN, "{backend:?}");
    }
}

async fn form_cookie_is_secure(app: &TestApp) -> bool {
    let form = app.get("/signin").await;
    form.headers().get_all("set-cookie").iter().any(|c| {
        let c = c.to_str().unwrap();
        c.starts_with("plantrack_csrf=") && c.contains("Secure")
    })
}

#[test]
fn token_names_with_control_characters_or_no_text_are_refused() {
    for name in ["", "  ", "clerk\u{1b}[2J", "a\nb", &"x".repeat(101)] {
        assert!(plantrack::server::auth::check_token_name(name).is_err(), "{name:?}");
    }
    assert!(plantrack::server::auth::check_token_name("统计处 张三").is_ok());
}

/// Sends raw bytes and reads the start of the answer within `wait`.
fn raw_exchange(address: &str, request: &[u8], wait: Duration) -> (String, Duration) {
    let mut stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream.write_all(request).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    let started = Instant::now();
    let mut answer = vec![0u8; 4096];
    let n = stream.read(&mut answer).unwrap_or(0);
    (String::from_utf8_lossy(&answer[..n]).into_owned(), started.elapsed())
}

#[tokio::test]
async fn a_page_form_with_a_wrong_token_is_refused_before_its_file_arrives_and_slow_forms_time_out() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.body_timeout_seconds = 1.0).await;
    let form = app.get("/uploads").await;
    let cookie = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let secret = cookie.split_once('=').unwrap().1.to_owned();
    let boundary = "XyZ";
    let part = |name: &str, value: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let head = |body: &str| {
        format!(
            "POST /uploads/preview HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 50000000\r\n\r\n{body}"
        )
    };
    // The secret and a wrong token, then the start of a 50 MB file that never comes.
    let body = format!(
        "{}{}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nindicator,",
        part("csrf", &secret),
        part("token", "pt_wrong")
    );
    let (address, request) = (app.address.clone(), head(&body));
    let (answer, took) =
        tokio::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes(), Duration::from_secs(10)))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(took < Duration::from_millis(900), "refused before the body timeout: {took:?}");
    // The secret, then a huge field of another name in place of the file, no token: refused
    // before that field is read (a stranger with a made-up secret holds no 50 MB buffer).
    let body = format!(
        "{}--{boundary}\r\nContent-Disposition: form-data; name=\"sheet\"\r\n\r\n{}",
        part("csrf", &secret),
        "x".repeat(64 * 1024)
    );
    let (address, request) = (app.address.clone(), head(&body));
    let (answer, took) =
        tokio::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes(), Duration::from_secs(10)))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(took < Duration::from_millis(900), "refused before the field is read: {took:?}");
    // A token field of more than a few KB is no token.
    let body = format!("{}{}", part("csrf", &secret), part("token", &"t".repeat(10_000)));
    let (address, request) = (app.address.clone(), head(&body));
    let (answer, _) =
        tokio::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes(), Duration::from_secs(10)))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // Only the secret, then nothing: the form times out.
    let (address, request) = (app.address.clone(), head(&part("csrf", &secret)));
    let (answer, took) =
        tokio::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes(), Duration::from_secs(10)))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// With the default five minutes for a body, a form post that sends its secret and then
/// nothing is still cut off after ten seconds: the fields it is checked by come first or never.
#[tokio::test]
async fn a_form_whose_first_fields_do_not_come_is_cut_off_long_before_the_body_timeout() {
    let app = spawn_app(&Backend::Sqlite).await;
    let form = app.get("/uploads").await;
    let cookie = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let secret = cookie.split_once('=').unwrap().1.to_owned();
    let request = format!(
        "POST /uploads/preview HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 1000000\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{secret}"
    );
    let address = app.address.clone();
    let (answer, took) =
        tokio::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes(), Duration::from_secs(30)))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(15), "{took:?}");
}

#[tokio::test]
async fn control_characters_in_addresses_and_parameters_are_refused_on_both_databases() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        for path in ["/api/v1/plans/a%00b", "/api/v1/targets/x%00", "/charts/plans/a%00.svg", "/plans/a%00b"] {
            let status = app.get(path).await.status();
            assert_eq!(status, 404, "{backend:?} {path}");
        }
        for path in ["/api/v1/targets?plan=a%00", "/reports/status.pdf?plan=%00", "/api/v1/plans?x=%1b"] {
            let status = app.get(path).await.status();
            assert_eq!(status, 400, "{backend:?} {path}");
        }
        let (status, body) = app.upload(&app.token(Role::Uploader), "?name=%00.csv", "indicator,period,value\n").await;
        assert_eq!(status, 400, "{backend:?}: {body}");
        let long = format!("/api/v1/plans/{}", "x".repeat(30_000));
        let answer = app.get(&long).await.text().await.unwrap();
        assert!(answer.len() < 2_000, "a long name is not echoed in full: {} bytes", answer.len());
    }
}

#[tokio::test]
async fn health_has_its_own_connection_while_the_pool_is_busy() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.pool_size = 1).await;
    let report = {
        let (client, url) = (app.client.clone(), format!("{}/reports/status.pdf", app.address));
        tokio::spawn(async move { client.get(url).send().await.unwrap().status() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let (status, health) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    // Up, but every connection of the requests' pool in use: said, for whoever watches.
    assert_eq!((health["status"].as_str(), health["connections_in_use"].as_u64()), (Some("busy"), Some(1)), "{health}");
    assert_eq!(report.await.unwrap(), 200);
    let (_, health) = app.get_json("/healthz").await;
    assert_eq!((health["status"].as_str(), health["connections_in_use"].as_u64()), (Some("ok"), Some(0)), "{health}");
}

#[tokio::test]
async fn actuals_come_a_page_at_a_time_with_their_total() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let mut csv = String::from("indicator,period,value\n");
    for month in 1..=12 {
        csv.push_str(&format!("open-data-sets,2021-{month:02},{}\n", 4000 + month));
    }
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    let page = app.get("/api/v1/indicators/open-data-sets/actuals?limit=5&offset=2").await;
    let total: usize = page.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    let rows: Vec<serde_json::Value> = page.json().await.unwrap();
    assert_eq!(rows.len(), 5);
    assert!(total >= 12, "{total}");
    assert_eq!(app.get("/api/v1/indicators/open-data-sets/actuals?limit=0").await.status(), 400);
    // A page holds at most 5 000: larger asks are refused, saying how to page.
    let (status, body) = app.get_json("/api/v1/indicators/open-data-sets/actuals?limit=5001").await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("offset"), "{body}");
    assert_eq!(app.get("/api/v1/indicators/open-data-sets/actuals?limit=5000").await.status(), 200);
}

#[tokio::test]
async fn a_multipart_file_just_under_the_limit_is_taken() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.upload_limit_bytes = 20_000).await;
    let mut csv = String::from("indicator,period,value\n");
    while csv.len() < 19_500 {
        csv.push_str("open-data-sets,2021,4500\n");
    }
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("近上限.csv"));
    let response = app
        .client
        .post(format!("{}/api/v1/uploads?dry_run=true", app.address))
        .bearer_auth(app.token(Role::Uploader))
        .multipart(form)
        .send()
        .await
        .unwrap();
    // Refused for its repeated rows, not for its size.
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn views_are_made_once_per_data_generation_and_answered_304_while_nothing_changed() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        for path in [
            "/",
            "/plans/big-data-2016",
            "/api/v1/plans",
            "/api/v1/targets?plan=big-data-2016",
            "/charts/plans/big-data-2016.svg",
        ] {
            let first = app.get(path).await;
            assert_eq!(first.status(), 200, "{path}");
            let etag = first.headers()["etag"].to_str().unwrap().to_owned();
            let body = first.bytes().await.unwrap();
            let again =
                app.client.get(format!("{}{path}", app.address)).header("If-None-Match", &etag).send().await.unwrap();
            assert_eq!(again.status(), 304, "{path}");
            let kept = app.get(path).await;
            assert_eq!(kept.headers()["etag"].to_str().unwrap(), etag, "{path}");
            assert_eq!(kept.bytes().await.unwrap(), body, "{path}: the kept answer is the same");
        }
        // An upload is a new generation: new ETags, and the figure is on the pages at once.
        let before = app.get("/api/v1/targets?plan=big-data-2016").await.headers()["etag"].clone();
        let (status, body) =
            app.upload(&app.token(Role::Uploader), "", "indicator,period,value\nopen-data-sets,2020,3500\n").await;
        assert_eq!(status, 201, "{body}");
        let after = app.get("/api/v1/targets?plan=big-data-2016").await;
        assert_ne!(after.headers()["etag"], before, "{backend:?}");
        let targets: Vec<serde_json::Value> = after.json().await.unwrap();
        let open_data = targets.iter().find(|t| t["indicator"]["slug"] == "open-data-sets").unwrap();
        assert_eq!(open_data["progress"]["latest"]["value"], 3500.0, "{backend:?}: judged at once");
        // Compressed for clients that ask.
        let gzip = app
            .client
            .get(format!("{}/api/v1/plans", app.address))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzip.headers()["content-encoding"], "gzip");
        // A kept page for a client that takes only brotli: as it is, not compressed anew each time.
        let brotli = app.client.get(format!("{}/", app.address)).header("Accept-Encoding", "br").send().await.unwrap();
        assert_eq!(brotli.headers()["content-encoding"], "identity");
    }
}

#[tokio::test]
async fn a_compressed_request_body_is_refused_before_it_is_read() {
    let app = spawn_app(&Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    // 64 MB of JSON padding in a few dozen KB of gzip: decoded, it would pass the 4 MB limit only
    // after the server had inflated it.
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(b"{\"frequency\": \"quarterly\", \"due_days\": 15, \"padding\": \"").unwrap();
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..64 {
        bomb.write_all(&zeros).unwrap();
    }
    bomb.write_all(b"\"}").unwrap();
    let bomb = bomb.finish().unwrap();
    assert!(bomb.len() < 200_000, "{} bytes", bomb.len());
    for (method, path, content_type) in [
        (Method::PUT, "/api/v1/indicators/open-data-sets/duty", "application/json"),
        (Method::POST, "/api/v1/uploads", "text/csv"),
        (Method::POST, "/api/v1/plan-drafts", "text/plain"),
    ] {
        for encoding in ["gzip", "br", "zstd", "deflate, gzip", "x-anything"] {
            let response = app
                .client
                .request(method.clone(), format!("{}{path}", app.address))
                .bearer_auth(&admin)
                .header("Content-Type", content_type)
                .header("Content-Encoding", encoding)
                .body(bomb.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 415, "{method} {path} {encoding}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "encoded_body", "{body}");
            assert!(body["error"]["message"].as_str().unwrap().contains("不接受压缩编码"), "{body}");
        }
    }
    let (_, indicator) = app.get_json("/api/v1/indicators/open-data-sets").await;
    assert_eq!(indicator["duty"]["frequency"], "annual", "nothing was written: {indicator}");
    // Sent as it is (or saying so), the same kind of request is served.
    let plain = app
        .client
        .put(format!("{}/api/v1/indicators/open-data-sets/duty", app.address))
        .bearer_auth(&admin)
        .header("Content-Encoding", "identity")
        .json(&serde_json::json!({"frequency": "quarterly", "due_days": 15}))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 200);
}

/// A token's file holds its turn while it is worked on, not only while it arrives: one token
/// cannot take every heavy slot with files sent one after another, and another token's upload
/// is taken meanwhile.
#[tokio::test]
async fn one_token_holds_one_heavy_slot_at_a_time_while_its_file_is_worked_on() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| {
        s.heavy_jobs = 2;
        s.queue_wait_seconds = 0.5;
    })
    .await;
    let busy = app.token(Role::Uploader);
    let other = app.token(Role::Uploader);
    // Long to check (every row is read and refused): seconds of work after a quick arrival.
    let long = format!("indicator,period,value\n{}", "open-data-sets,2021,许多\n".repeat(400_000));
    let first = {
        let (client, url, token) =
            (app.client.clone(), format!("{}/api/v1/uploads?dry_run=true", app.address), busy.clone());
        tokio::spawn(
            async move { client.post(url).bearer_auth(token).body(long).send().await.unwrap().status().as_u16() },
        )
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (status, body) = app.upload(&busy, "?dry_run=true", "指标,期间,数值\nopen-data-sets,2021,4500\n").await;
    assert_eq!(status, 503, "the same token waits for its first file's work: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("处理中"), "{body}");
    let (status, body) = app.upload(&other, "?dry_run=true", "指标,期间,数值\nopen-data-sets,2021,4500\n").await;
    assert_eq!(status, 200, "another token's upload is taken: {body}");
    assert_eq!(first.await.unwrap(), 422, "the long file is refused in the end");
}

/// Connections past the limit wait to be accepted: clients holding connections open cannot run
/// the server out of file handles, and a request waits for one to close.
#[tokio::test]
async fn connections_past_the_limit_wait_for_one_to_close() {
    use std::io::Write;
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.max_connections = 2).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // Two clients start a request and stop (the server waits five seconds for the rest).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let answer = app.get("/healthz").await;
    assert_eq!(answer.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(3), "answered before a place was free: {:?}", started.elapsed());
    drop(held);
}

#[tokio::test]
async fn refused_files_are_kept_up_to_a_daily_allowance_per_sender() {
    let app = spawn_app(&Backend::Sqlite).await;
    let uploader = app.token(Role::Uploader);
    let viewer = app.token(Role::Viewer);
    // 35 MB refused at its header, sent twice: the first is kept, the second is over the 64 MiB a
    // sender's refused files may take in a day — its problems are kept, its bytes are not.
    let mut junk = b"bogus\n".to_vec();
    junk.extend(std::iter::repeat_n(b"a".repeat(99).into_iter().chain([b'\n']), 350_000).flatten());
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, body) = app.upload(&uploader, "?name=junk.csv", junk.clone()).await;
        assert_eq!(status, 422, "{body}");
        ids.push(body["error"]["details"]["upload_id"].as_i64().unwrap());
    }
    let first = app.get_as(&format!("/api/v1/uploads/{}/raw", ids[0]), &viewer).await;
    assert_eq!((first.status().as_u16(), first.bytes().await.unwrap().len()), (200, junk.len()));
    let second = app.get_as(&format!("/api/v1/uploads/{}/raw", ids[1]), &viewer).await;
    assert_eq!(second.status().as_u16(), 410);
    let said: serde_json::Value = second.json().await.unwrap();
    assert_eq!(said["error"]["code"], "not_kept", "{said}");
    assert!(said["error"]["message"].as_str().unwrap().contains("保存额度"), "{said}");
    let (_, upload) = app.get_json(&format!("/api/v1/uploads/{}", ids[1])).await;
    assert_eq!(
        (upload["outcome"].as_str(), upload["size_bytes"].as_u64()),
        (Some("rejected"), Some(junk.len() as u64))
    );
    // Another sender's refused file is kept: the allowance is each sender's own.
    let other = {
        let pool = plantrack::db::connect(&app.db_url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        plantrack::server::auth::create_token(&mut conn, "another-clerk", Role::Uploader, None, plantrack::now())
            .unwrap()
    };
    // (Its name sent with a right-to-left override, which would show "fdp.exe" as "exe.pdf": kept without it.)
    let (_, body) = app.upload(&other, "?name=%E2%80%AEfdp.exe", "bogus\nx\n").await;
    let id = body["error"]["details"]["upload_id"].as_i64().unwrap();
    assert_eq!(app.get_as(&format!("/api/v1/uploads/{id}/raw"), &viewer).await.status(), 200);
    let (_, upload) = app.get_json(&format!("/api/v1/uploads/{id}")).await;
    assert_eq!(upload["file_name"], "fdp.exe", "{upload}");
}

/// Strangers asking for pages of dates nobody asked before (each made fresh, with a database
/// connection) take only the page slots: a department's upload still gets its connection.
/// Strangers asking for views the server does not hold (each as known on another day) judge
/// one per core at a time: the rest wait for a slot, and the health check still answers.
#[tokio::test]
async fn a_crowd_asking_for_fresh_views_judges_one_per_core() {
    let app = std::sync::Arc::new(
        spawn_app_configured(&Backend::Sqlite, |s| {
            s.queue_wait_seconds = 30.0;
        })
        .await,
    );
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut crowd = Vec::new();
    for client in 0..32u64 {
        let (app, stop) = (app.clone(), stop.clone());
        crowd.push(tokio::spawn(async move {
            let mut day = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let known_at =
                    chrono::NaiveDate::from_ymd_opt(2017, 1, 1).unwrap() + chrono::Days::new(client * 100 + day);
                day += 1;
                let _ = app.get(&format!("/api/v1/targets?limit=10000&known_at={known_at}")).await;
            }
        }));
    }
    let (mut most_judging, mut answered) = (0, 0);
    for _ in 0..40 {
        let (status, health) = app.get_json("/healthz").await;
        answered += u64::from(status == 200);
        most_judging = most_judging.max(health["judging"].as_u64().unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in crowd {
        client.await.unwrap();
    }
    assert!((1..=cores).contains(&most_judging), "{most_judging} views judged at once on {cores} cores");
    assert_eq!(answered, 40, "the health check answered throughout");
}

#[tokio::test]
async fn a_flood_of_fresh_pages_leaves_uploads_their_connections() {
    let app = std::sync::Arc::new(
        spawn_app_configured(&Backend::Sqlite, |s| {
            s.pool_size = 4;
            s.heavy_jobs = 1;
            s.queue_wait_seconds = 30.0;
        })
        .await,
    );
    let uploader = app.token(Role::Uploader);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = Vec::new();
    for client in 0..64u64 {
        let (app, stop) = (app.clone(), stop.clone());
        flood.push(tokio::spawn(async move {
            let mut day = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let as_of =
                    chrono::NaiveDate::from_ymd_opt(2017, 1, 1).unwrap() + chrono::Days::new(client * 100 + day);
                day += 1;
                let _ = app.get(&format!("/?as_of={as_of}")).await;
            }
        }));
    }
    // While the flood runs, pages (and the refresh) leave a connection of the four free.
    let mut most_in_use = 0;
    for _ in 0..40 {
        let (_, health) = app.get_json("/healthz").await;
        most_in_use = most_in_use.max(health["connections_in_use"].as_u64().unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!((1..4).contains(&most_in_use), "{most_in_use} connections of 4 held by pages");
    for year in 2016..2019 {
        let csv = format!("indicator,period,value\nopen-data-sets,{year},{}\n", 100 + year);
        let (status, body) = app.upload(&uploader, "", csv).await;
        assert_eq!(status, 201, "{body}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in flood {
        client.await.unwrap();
    }
}
