//! Faults of the machine rather than of the input: a server killed half-way, replicas starting or
//! uploading at the same moment, the database going away and coming back, a full disk.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use plantrack::server::auth::Role;

use crate::helpers::{Backend, TestDb, backends, repo_root, settings, spawn_app_with};

fn plantrack(db: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plantrack"));
    command
        .current_dir(repo_root())
        .env("PLANTRACK_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .env_remove("LC_ALL")
        .env("LANG", "zh_CN.UTF-8");
    command
}

fn generate_rows(rows: usize, to: &std::path::Path) {
    let generated = Command::new("python3")
        .arg(repo_root().join("bench/gen_actuals.py"))
        .arg(rows.to_string())
        .arg(to)
        .status()
        .expect("python3 runs the generator");
    assert!(generated.success());
}

fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn inbox_rows(url: &str) -> (i64, i64) {
    use plantrack::db::schema::{actuals, uploads};
    let pool = plantrack::db::connect(url, 1).expect("the database opens");
    let mut conn = pool.get().unwrap();
    let rows = actuals::table
        .inner_join(uploads::table)
        .filter(uploads::channel.eq("inbox"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let uploads = uploads::table.filter(uploads::channel.eq("inbox")).count().get_result(&mut conn).unwrap();
    (rows, uploads)
}

/// The server is killed (SIGKILL) while its inbox ingests a big file: after a restart the file is
/// taken again, once, and moved to `done/`.
#[test]
fn a_server_killed_during_an_inbox_ingest_takes_the_file_again_after_restart() {
    let db = TestDb::new(&Backend::Sqlite);
    let inbox = db.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    assert!(plantrack(&db).args(["catalog", "check"]).stdout(Stdio::null()).status().unwrap().success());
    let staged = db.dir.path().join("big.csv");
    generate_rows(300_000, &staged);
    let serve = || {
        plantrack(&db)
            .arg("serve")
            .env("PLANTRACK_BIND", "127.0.0.1:0")
            .env("PLANTRACK_INBOX_DIR", &inbox)
            .env("PLANTRACK_INBOX_POLL_SECONDS", "0.2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut server = serve();
    let wal = db.dir.path().join("plantrack.db-wal");
    let base_wal = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    std::fs::rename(&staged, inbox.join("big.csv")).unwrap();
    wait_for("the ingest's write transaction", Duration::from_secs(300), || {
        assert!(server.try_wait().unwrap().is_none(), "the server stopped by itself");
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > base_wal + 4 * 1024 * 1024
    });
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(inbox.join("big.csv").exists(), "the file is still in the inbox");
    // Killed inside the write transaction, nothing is committed; on a loaded machine the kill may
    // land just after the commit (before the file is moved), and then all of it is. Never a part.
    let after_kill = inbox_rows(&db.url);
    assert!(after_kill == (0, 0) || after_kill == (300_000, 1), "all or nothing: {after_kill:?}");

    let mut server = serve();
    wait_for("the file moved to done/", Duration::from_secs(300), || inbox.join("done/big.csv").exists());
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(inbox_rows(&db.url), (300_000, 1), "ingested once");
}

/// Four `catalog check` runs (each migrates, syncs the catalog and loads the seed figures) start
/// together on an empty database: every one succeeds.
#[test]
fn four_replicas_starting_together_on_an_empty_database_all_succeed() {
    for backend in backends() {
        let db = TestDb::new(&backend);
        let runs: Vec<_> = (0..4)
            .map(|_| {
                plantrack(&db).args(["catalog", "check"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
            })
            .collect();
        for run in runs {
            let out = run.wait_with_output().unwrap();
            assert!(out.status.success(), "{backend:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let pool = plantrack::db::connect(&db.url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let seed_uploads: i64 = plantrack::db::schema::uploads::table
            .filter(plantrack::db::schema::uploads::channel.eq("seed"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        let files = std::fs::read_dir(repo_root().join("seed/actuals")).unwrap().count() as i64;
        assert_eq!(seed_uploads, files, "{backend:?}: each seed file loaded once");
    }
}

/// A seed figure corrected by an upload stays corrected when the server starts again: the seed
/// files, loaded at every start, are taken once by their bytes, not put back over the correction.
#[test]
fn a_corrected_seed_figure_survives_a_restart() {
    let db = TestDb::new(&Backend::Sqlite);
    let check = |what: &str| {
        let out = plantrack(&db).args(["catalog", "check"]).output().unwrap();
        assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
    };
    check("first start");
    let dir = tempfile::tempdir().unwrap();
    let correction = dir.path().join("更正.csv");
    std::fs::write(&correction, "indicator,period,value\nshanghai-learning-net-users,2015,1850000\n").unwrap();
    let out = plantrack(&db).arg("ingest").arg(&correction).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    check("second start");
    let pool = plantrack::db::connect(&db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    use plantrack::db::schema::{actuals, indicators};
    let current: Vec<f64> = actuals::table
        .inner_join(indicators::table)
        .filter(indicators::slug.eq("shanghai-learning-net-users"))
        .filter(actuals::period.eq("2015"))
        .filter(actuals::superseded_at.is_null())
        .select(actuals::value)
        .load(&mut conn)
        .unwrap();
    assert_eq!(current, [1_850_000.0], "the correction stands");
}

/// The same new file sent to two replicas at the same moment: one writes it, the other answers
/// as for any file uploaded before.
#[tokio::test]
async fn the_same_file_sent_to_two_replicas_at_once_is_written_once() {
    for backend in backends() {
        let db = TestDb::new(&backend);
        let first = spawn_app_with(db, None).await;
        let replica = TestDb::at(&first.db_url);
        let second_settings = settings(&replica, None);
        let second = tokio::task::spawn_blocking(move || plantrack::Application::build(&second_settings))
            .await
            .unwrap()
            .unwrap();
        let second_address = format!("http://127.0.0.1:{}", second.port());
        tokio::spawn(second.run_until_stopped());
        let token = first.token(Role::Uploader);
        // Big enough that both requests are inside their transactions at the same time.
        let csv = app_path_rows(100_000);
        let send = |address: String| {
            let (client, token, csv) = (first.client.clone(), token.clone(), csv.clone());
            tokio::spawn(async move {
                let response = client
                    .post(format!("{address}/api/v1/uploads"))
                    .bearer_auth(token)
                    .header("Content-Type", "text/csv")
                    .body(csv)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                (status, response.json::<serde_json::Value>().await.unwrap())
            })
        };
        let (a, b) = (send(first.address.clone()), send(second_address));
        let mut answers = [a.await.unwrap(), b.await.unwrap()];
        answers.sort_by_key(|(status, _)| *status);
        let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
        assert_eq!(statuses, vec![200, 201], "{backend:?}: {}", answers[0].1["error"]);
        assert_eq!(answers[0].1["duplicate"], true);
        assert_eq!(answers[0].1["upload_id"], answers[1].1["upload_id"]);
    }
}

/// A TCP relay in front of PostgreSQL that the test can stop (connections refused, open ones
/// cut) and start again on the same port: the database going away and coming back.
struct Relay {
    port: u16,
    tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Relay {
    async fn start(port: u16) -> Relay {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let kept = tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                kept.lock().unwrap().push(relay.abort_handle());
            }
        });
        tasks.lock().unwrap().push(accept.abort_handle());
        Relay { port, tasks }
    }

    fn stop(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

// Several threads: the relay must run while the test blocks on a database call of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgresql_is_away_health_says_so_within_two_seconds_and_it_recovers_without_a_restart() {
    let Some(Backend::Postgres(admin)) = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_))) else {
        return;
    };
    let db = TestDb::new(&Backend::Postgres(admin));
    let relay = Relay::start(0).await;
    let name = db.url.rsplit_once('/').unwrap().1.to_owned();
    let through_relay = format!("postgres://postgres@127.0.0.1:{}/{name}", relay.port);
    let app = spawn_app_with(db.via(through_relay), None).await;
    let token = app.token(Role::Uploader);
    assert_eq!(app.get("/healthz").await.status(), 200);

    relay.stop();
    let started = Instant::now();
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 503);
    assert!(started.elapsed() < Duration::from_millis(2500), "answered in {:?}", started.elapsed());
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["database"], "down");
    let (status, body) = app.upload(&token, "", "indicator,period,value\nopen-data-sets,2021,4502\n").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");

    let _back = Relay::start(relay.port).await;
    let recovered = Instant::now();
    loop {
        if app.get("/healthz").await.status() == 200 {
            break;
        }
        assert!(recovered.elapsed() < Duration::from_secs(20), "never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = app.upload(&token, "", "indicator,period,value\nopen-data-sets,2021,4502\n").await;
    assert_eq!(status, 201, "{body}");
}

/// SQLite's storage runs out in the middle of a large write: the error says the storage is full
/// (507 over HTTP), nothing of the file is kept, and the database stays sound.
#[test]
fn a_full_disk_is_reported_as_such_and_writes_nothing() {
    use plantrack::db::failure_kind;
    use plantrack::ingest::{IngestError, UploadRequest, ingest};
    let db = TestDb::new(&Backend::Sqlite);
    let (pool, catalog, _) = plantrack::prepare_database(&settings(&db, None)).unwrap();
    let mut conn = pool.get().unwrap();
    #[derive(QueryableByName)]
    struct Pages {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        page_count: i64,
    }
    let pages: Pages = diesel::sql_query("PRAGMA page_count").get_result(&mut conn).unwrap();
    diesel::sql_query(format!("PRAGMA max_page_count = {}", pages.page_count + 50)).execute(&mut conn).unwrap();
    let csv = db.dir.path().join("rows.csv");
    generate_rows(50_000, &csv);
    let request = UploadRequest {
        file_name: "rows.csv".to_owned(),
        bytes: std::fs::read(&csv).unwrap(),
        uploaded_by: "test".to_owned(),
        channel: "cli".to_owned(),
        encoding: None,
        sheet: None,
        dry_run: false,
        inbox_claim: None,
        allowed_indicators: None,
    };
    let result =
        ingest(&mut conn, &request, &catalog.regions, plantrack::now(), &plantrack::domain::Budget::unlimited());
    let Err(IngestError::Db(error)) = result else { panic!("expected a database error, got {result:?}") };
    assert_eq!(failure_kind(&error), plantrack::db::Failure::StorageFull, "{error}");
    assert!(error.to_string().contains("full"), "the first error, not the rollback's: {error}");
    let answer = actix_web::ResponseError::status_code(&plantrack::error::AppError::from(error));
    assert_eq!(answer.as_u16(), 507);
    let kept: i64 = plantrack::db::schema::uploads::table
        .filter(plantrack::db::schema::uploads::file_name.eq("rows.csv"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(kept, 0);
}

#[test]
fn the_cli_refuses_files_over_the_upload_limit_and_endless_ones() {
    let db = TestDb::new(&Backend::Sqlite);
    let big = db.dir.path().join("big.csv");
    std::fs::write(&big, format!("indicator,period,value\n{}", "open-data-sets,2021,1\n".repeat(1000))).unwrap();
    for file in [big.as_path(), std::path::Path::new("/dev/zero")] {
        let started = Instant::now();
        let out = plantrack(&db).arg("ingest").arg(file).env("PLANTRACK_UPLOAD_LIMIT_BYTES", "10000").output().unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("上传上限 10000 字节"), "{stderr}");
        assert!(started.elapsed() < Duration::from_secs(60));
    }
}

/// After a bulk load PostgreSQL's statistics are fresh at once, not when autovacuum gets there.
#[tokio::test]
async fn a_bulk_load_refreshes_the_planner_statistics() {
    let Some(backend @ Backend::Postgres(_)) = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_)))
    else {
        return;
    };
    let db = TestDb::new(&backend);
    let url = db.url.clone();
    let app = spawn_app_with(db, None).await;
    let csv = app_path_rows(20_000);
    let (status, body) = app.upload(&app.token(Role::Uploader), "", csv).await;
    assert_eq!(status, 201, "{body}");
    #[derive(QueryableByName)]
    struct Analyzed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        analyzed: bool,
    }
    let mut conn = diesel::PgConnection::establish(&url).unwrap();
    let started = Instant::now();
    loop {
        let row: Analyzed = diesel::sql_query(
            "SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'actuals'",
        )
        .get_result(&mut conn)
        .unwrap();
        if row.analyzed {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "actuals were never analysed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn app_path_rows(rows: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    generate_rows(rows, &path);
    std::fs::read_to_string(path).unwrap()
}

/// A client sending malformed requests by the thousand leaves the log as it was: the HTTP layer's
/// line per broken request is not written by default.
#[test]
fn malformed_requests_do_not_fill_the_log() {
    use std::io::{Read, Write};
    let db = TestDb::new(&Backend::Sqlite);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = db.dir.path().join("server.log");
    let mut server = plantrack(&db)
        .arg("serve")
        .env_remove("RUST_LOG")
        .env("PLANTRACK_BIND", format!("127.0.0.1:{port}"))
        .env("PLANTRACK_DATA_DIR", db.dir.path().join("data"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let address = format!("127.0.0.1:{port}");
    let healthy = || {
        let Ok(mut stream) = std::net::TcpStream::connect(&address) else { return false };
        let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.1 200")
    };
    wait_for("the server", Duration::from_secs(120), healthy);
    std::thread::sleep(Duration::from_millis(500));
    let before = std::fs::metadata(&log).unwrap().len();
    for _ in 0..300 {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(b"GARBAGE \x01\x02 HTTP/9.9\r\n\r\n").unwrap();
        let _ = stream.read(&mut [0u8; 256]);
    }
    assert!(healthy());
    let grown = std::fs::metadata(&log).unwrap().len() - before;
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(grown < 2_000, "the log grew by {grown} bytes: {}", std::fs::read_to_string(&log).unwrap_or_default());
}
