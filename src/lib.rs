//! plantrack: tracks the quantitative goals of government plans.
//!
//! Data flows one way: `catalog` (and later `ingest`) write through `db`; `domain` holds the pure
//! types; `http` only reads. The application is built here so tests can start the real server.

pub mod auth;
pub mod catalog;
pub mod charts;
pub mod cli_ingest;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod ingest;
pub mod jobs;

pub mod progress;
pub mod report;
pub mod status;
pub mod status_table;
pub mod web;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::db::DbPool;

/// Opens the database (migrating it) and loads the catalog into it.
pub fn prepare_database(settings: &Settings) -> anyhow::Result<(DbPool, Catalog, db::SyncReport)> {
    let pool = db::connect(&settings.database_url, settings.pool_size)
        .with_context(|| format!("opening the database {}", redact(&settings.database_url)))?;
    let catalog = Catalog::load(&settings.catalog_paths())?;
    let mut conn = pool.get().context("taking a database connection")?;
    let report = db::sync_catalog(&mut conn, &catalog, now()).context("writing the catalog into the database")?;
    if settings.load_seed_actuals {
        let loaded = ingest::load_seed_actuals(&mut conn, &settings.seed_actuals_dir, &catalog.regions, now())
            .context("loading the seed actuals")?;
        let new_rows: usize = loaded.iter().map(|r| r.rows_new + r.rows_revised).sum();
        if new_rows > 0 {
            tracing::info!(files = loaded.len(), new_rows, "seed actuals loaded");
        }
    }
    Ok((pool, catalog, report))
}

/// The current time as stored: UTC without a zone.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The running HTTP server and the port it listens on (port 0 in tests picks a free one).
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Prepares the database and binds the server; it runs once awaited.
    pub fn build(settings: &Settings) -> anyhow::Result<Application> {
        let (pool, catalog, report) = prepare_database(settings)?;
        tracing::info!(?report, "catalog synced");
        let listener = TcpListener::bind(&settings.bind).with_context(|| format!("binding {}", settings.bind))?;
        if let Some(dir) = &settings.inbox_dir {
            let every = std::time::Duration::from_secs_f64(settings.inbox_poll_seconds.max(0.05));
            tokio::spawn(jobs::inbox::run(dir.clone(), every, pool.clone(), catalog.regions.clone()));
        }
        if let Some(kind) = &settings.report_schedule {
            let schedule = jobs::reports::Schedule::parse(kind, settings.report_day, settings.report_hour)
                .map_err(anyhow::Error::msg)?;
            let every = std::time::Duration::from_secs_f64(settings.report_check_seconds.max(0.05));
            tokio::spawn(jobs::reports::run(pool.clone(), schedule, settings.data_dir.join("reports"), every));
        }
        let state = http::AppState {
            regions: catalog.regions.clone(),
            upload_limit_bytes: settings.upload_limit_bytes,
            public_read: settings.public_read,
        };
        Self::with_listener(pool, state, listener)
    }

    pub fn with_listener(pool: DbPool, state: http::AppState, listener: TcpListener) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let metrics = PrometheusMetricsBuilder::new("plantrack")
            .endpoint("/metrics")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        let pool = actix_web::web::Data::new(pool);
        let state = actix_web::web::Data::new(state);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(http::guard_reads))
                .wrap(web::security_headers())
                .wrap(metrics.clone())
                .wrap(TracingLogger::default())
                .app_data(pool.clone())
                .app_data(state.clone())
                .configure(web::routes)
                .configure(http::routes)
        })
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Logs to stderr; `RUST_LOG` overrides the default level.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_web_prom=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
