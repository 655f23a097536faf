use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::{Connection, PgConnection, RunQueryDsl};
use plantrack::Application;
use plantrack::config::Settings;

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The backends every storage test runs on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("PLANTRACK_TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        backends.push(Backend::Postgres(url));
    }
    backends
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// A database that exists for one test: a SQLite file in a temporary directory, or a PostgreSQL
/// database created for it and dropped afterwards.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub fn new(backend: &Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                TestDb { url: format!("sqlite://{}", dir.path().join("plantrack.db").display()), dir, postgres: None }
            }
            Backend::Postgres(admin_url) => {
                let name = format!(
                    "plantrack_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    chrono::Utc::now().timestamp_micros() % 1_000_000
                );
                let mut admin = PgConnection::establish(admin_url).expect("connect to the PostgreSQL test server");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
                TestDb { url: format!("{base}/{name}"), dir, postgres: Some((admin_url.clone(), name)) }
            }
        }
    }
}

impl TestDb {
    /// A second handle on an existing database (another replica's): it drops nothing.
    pub fn at(url: &str) -> TestDb {
        TestDb { url: url.to_owned(), dir: tempfile::tempdir().expect("temporary directory"), postgres: None }
    }

    /// The same database reached at another URL (through a relay); still dropped at the end.
    pub fn via(mut self, url: String) -> TestDb {
        self.url = url;
        self
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

/// Settings for a test: the shipped catalog unless `catalog_dir` says otherwise.
pub fn settings(db: &TestDb, catalog_dir: Option<PathBuf>) -> Settings {
    Settings {
        database_url: db.url.clone(),
        bind: "127.0.0.1:0".to_owned(),
        data_dir: db.dir.path().join("data"),
        catalog_dir: catalog_dir.unwrap_or_else(|| repo_root().join("targets")),
        documents_dir: repo_root().join("seed/documents"),
        seed_actuals_dir: repo_root().join("seed/actuals"),
        pool_size: 4,
        inbox_poll_seconds: 0.2,
        report_hour: 0,
        report_check_seconds: 0.2,
        // As `plantrack serve` does: reports are laid out by the program in a child process.
        report_worker: Some(PathBuf::from(env!("CARGO_BIN_EXE_plantrack"))),
        ..Settings::defaults()
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db_url: String,

    /// Kept so the database lives as long as the app.
    _db: TestDb,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("request")
    }

    /// A GET with `token` in the `Authorization` header.
    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).bearer_auth(token).send().await.expect("request")
    }

    /// Where the server keeps its files (`data_dir`).
    pub fn data_dir(&self) -> PathBuf {
        self._db.dir.path().join("data")
    }

    /// A CSV taken through the upload path as if it arrived at `now` (UTC): a figure recorded on
    /// an earlier day, or a period checked against another day's today.
    pub fn ingest_at(
        &self,
        csv: &str,
        now: chrono::NaiveDateTime,
        dry_run: bool,
    ) -> Result<plantrack::ingest::IngestReport, plantrack::ingest::IngestError> {
        let pool = plantrack::db::connect(&self.db_url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let regions = plantrack::db::queries::regions(&mut conn).unwrap();
        let request = plantrack::ingest::UploadRequest {
            file_name: "at.csv".to_owned(),
            bytes: csv.as_bytes().to_vec(),
            uploaded_by: "test".to_owned(),
            channel: "api".to_owned(),
            encoding: None,
            sheet: None,
            dry_run,
            inbox_claim: None,
            allowed_indicators: None,
        };
        plantrack::ingest::ingest(&mut conn, &request, &regions, now, &plantrack::domain::Budget::unlimited())
    }

    /// A new API token with this role, created the way an admin would.
    pub fn token(&self, role: plantrack::server::auth::Role) -> String {
        let pool = plantrack::db::connect(&self.db_url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        plantrack::server::auth::create_token(&mut conn, &format!("test-{role}"), role, None, plantrack::now()).unwrap()
    }

    /// Posts a CSV body as `token`; answers status and JSON.
    pub async fn upload(&self, token: &str, query: &str, body: impl Into<reqwest::Body>) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/uploads{query}", self.address))
            .bearer_auth(token)
            .header("Content-Type", "text/csv")
            .body(body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// The same app, seen by a client that does not follow redirects.
    pub fn without_redirects(self) -> TestApp {
        let client = client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { client, ..self }
    }

    /// The newest uploads (the first page of the list).
    pub async fn uploads(&self) -> Vec<serde_json::Value> {
        let (status, page) = self.get_json("/api/v1/uploads").await;
        assert_eq!(status, 200, "{page}");
        page["uploads"].as_array().expect("a list of uploads").clone()
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }
}

/// Starts the real application on a free port over a fresh database.
pub async fn spawn_app(backend: &Backend) -> TestApp {
    spawn_app_with(TestDb::new(backend), None).await
}

pub async fn spawn_app_with(db: TestDb, catalog_dir: Option<PathBuf>) -> TestApp {
    spawn_configured(db, settings_with(catalog_dir)).await
}

fn settings_with(catalog_dir: Option<PathBuf>) -> impl FnOnce(&TestDb) -> Settings {
    move |db| settings(db, catalog_dir)
}

/// Starts the app with settings adjusted by `configure`.
pub async fn spawn_app_configured(backend: &Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_configured(TestDb::new(backend), |db| {
        let mut s = settings(db, None);
        configure(&mut s);
        s
    })
    .await
}

/// Starts the app on this database with settings adjusted by `configure` (a second replica:
/// `TestDb::at` the first one's URL).
pub async fn spawn_on(db: TestDb, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_configured(db, |db| {
        let mut s = settings(db, None);
        configure(&mut s);
        s
    })
    .await
}

async fn spawn_configured(db: TestDb, make: impl FnOnce(&TestDb) -> Settings) -> TestApp {
    let settings = make(&db);

    let app = tokio::task::spawn_blocking(move || Application::build(&settings))
        .await
        .expect("build task")
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp { address, client: client_builder().build().unwrap(), db_url: db.url.clone(), _db: db }
}

/// Copies the shipped catalog to a temporary directory a test may edit.
pub fn copy_catalog(to: &Path) -> PathBuf {
    let dir = to.join("targets");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(repo_root().join("targets")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The tests' HTTP client. It lets go of an idle connection after 2 s, before the server closes
/// it (actix keeps one alive 5 s): a request sent on a connection the server is closing fails
/// with "connection closed before message completed" after a long pause (a LibreOffice run).
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(2))
}
