//! plantrack: tracks the quantitative goals of government plans.
//!
//! Data flows one way: `catalog` (and later `ingest`) write through `db`; `domain` holds the pure
//! types; `http` only reads. The application is built here so tests can start the real server.

pub mod apart;
pub mod catalog;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod ingest;
pub mod intake;
pub mod jobs;
pub mod judged;
pub mod present;

pub mod progress;
pub mod report;
pub mod server;
pub mod web;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::db::DbPool;

/// Opens the database (migrating it) and loads the catalog into it.
pub fn prepare_database(settings: &Settings) -> anyhow::Result<(DbPool, Catalog, db::SyncReport)> {
    let pool = db::connect(&settings.database_url, settings.pool_size).with_context(|| {
        let url = redact(&settings.database_url);
        present::message(format!("无法打开数据库 {url}"), format!("opening the database {url}"))
    })?;
    let mut conn =
        pool.get().with_context(|| present::message("无法取得数据库连接", "taking a database connection"))?;
    // Plans published from reviewed drafts are part of the catalog: without them a sync would
    // retire their targets.
    let published = db::drafts::published_catalog(&mut conn)
        .with_context(|| present::message("无法读取已发布的规划", "reading the published plans"))?;
    let catalog = Catalog::load_with(&settings.catalog_paths(), &published)?;
    // Replicas (and `catalog check` runs) starting together on an empty database take turns.
    let report = db::with_advisory_lock(&mut conn, db::CATALOG_LOCK_KEY, |conn| {
        let report = db::sync_catalog(conn, &catalog, now())
            .with_context(|| present::message("无法把目标目录写入数据库", "writing the catalog into the database"))?;
        if settings.load_seed_actuals {
            let loaded = ingest::load_seed_actuals(conn, &settings.seed_actuals_dir, &catalog.regions, now())
                .with_context(|| present::message("无法载入种子数据", "loading the seed actuals"))?;
            let new_rows: usize = loaded.iter().map(|r| r.rows_new + r.rows_revised).sum();
            if new_rows > 0 {
                tracing::info!(files = loaded.len(), new_rows, "seed actuals loaded");
            }
        }
        Ok::<_, anyhow::Error>(report)
    })?;
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
        clock::set_zone(&settings.timezone).map_err(anyhow::Error::msg)?;
        ingest::set_oldest_period_years(settings.oldest_period_years);
        // Files sent over the network are read by the same program as reports are laid out.
        apart::set_reader(settings.report_worker.as_deref());
        let (pool, catalog, report) = prepare_database(settings)?;
        tracing::info!(?report, "catalog synced");
        let listener = TcpListener::bind(&settings.bind).with_context(|| {
            present::message(format!("无法监听 {}", settings.bind), format!("binding {}", settings.bind))
        })?;
        if let Some(dir) = &settings.inbox_dir {
            let every = std::time::Duration::from_secs_f64(settings.inbox_poll_seconds.max(0.05));
            tokio::spawn(jobs::inbox::run(dir.clone(), every, pool.clone(), catalog.regions.clone()));
        }
        if let Some(kind) = &settings.report_schedule {
            let schedule = jobs::reports::Schedule::parse(kind, settings.report_day, settings.report_hour)
                .map_err(anyhow::Error::msg)?;
            let every = std::time::Duration::from_secs_f64(settings.report_check_seconds.max(0.05));
            let identity =
                report::Identity { sender: settings.report_sender.clone(), number: settings.report_number.clone() };
            // Nobody waits on a scheduled report: no time limit.
            let renderer = report::Renderer::apart(settings.report_worker.as_deref(), domain::Budget::unlimited());
            tokio::spawn(jobs::reports::run(
                pool.clone(),
                schedule,
                identity,
                renderer,
                settings.data_dir.join("reports"),
                every,
            ));
        }
        let judged = std::sync::Arc::new(judged::Judged::load(pool.clone())?);
        let every = std::time::Duration::from_secs_f64(settings.refresh_seconds.max(0.01));
        tokio::spawn(judged.clone().keep_fresh(every));
        let reminders = jobs::reminders::Reminders::new(
            pool.clone(),
            judged.clone(),
            settings.webhooks.clone(),
            settings.reminder_days,
            std::time::Duration::from_secs_f64(settings.reminder_retry_seconds.max(0.01)),
        );
        tokio::spawn(reminders.run(std::time::Duration::from_secs_f64(settings.reminder_seconds.max(0.05))));
        let state = server::AppState::new(settings, catalog.regions.clone(), judged)?;
        Self::with_listener(pool, state, listener)
    }

    pub fn with_listener(pool: DbPool, state: server::AppState, listener: TcpListener) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let metrics = server::metrics::Metrics::new()?;
        let pool = actix_web::web::Data::new(pool);
        let state = actix_web::web::Data::new(state);
        let metrics_data = actix_web::web::Data::new(metrics.clone());
        // The connection limit is per worker: the setting is shared among them.
        let workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let max_connections = state.max_connections;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(web::security_headers())
                .wrap(actix_web::middleware::from_fn(server::responses::large_answers_as_they_are))
                .wrap(actix_web::middleware::from_fn(server::responses::bodies_as_they_are))
                .wrap(actix_web::middleware::Compress::default())
                .wrap(metrics.clone())
                .wrap(TracingLogger::default())
                // Outside the request's span: one short line, without the span's query string.
                .wrap(actix_web::middleware::from_fn(server::responses::refusals_logged))
                // The last wrap runs first: `//api/v1/plans/` is `/api/v1/plans` before anything
                // (metrics, route guards) looks at it.
                .wrap(actix_web::middleware::NormalizePath::trim())
                .app_data(pool.clone())
                .app_data(state.clone())
                .app_data(metrics_data.clone())
                .app_data(actix_web::web::Data::new(server::ErrorPages(web::error_response)))
                .configure(|config| routes(&mut server::Routes::new(config)))
                .default_service(actix_web::web::to(unknown_address))
        })
        // Each connection's socket, for handlers that watch whether their client has left.
        .on_connect(server::client::remember_socket)
        .workers(workers)
        .max_connections(max_connections.div_ceil(workers))
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

/// Every route of the application: the pages, then the API.
pub fn routes(routes: &mut server::Routes) {
    web::routes(routes);
    http::routes(routes);
}

/// An address no route answers: a page for a browser, the JSON envelope for anyone else.
async fn unknown_address(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    if server::errors::wants_html(&req) {
        web::error_response(&req, &error::AppError::not_found("address", req.path()))
    } else {
        http::not_found(req).await
    }
}

/// What is logged unless `RUST_LOG` says otherwise: the server's own news and warnings, but not
/// the HTTP layer's line for every malformed request or client that left mid-answer (one client
/// sending garbage would otherwise write gigabytes of log an hour).
const DEFAULT_LOG: &str = "info,actix_http::h1::dispatcher=off";

/// Logs to stderr (times in UTC); `RUST_LOG` overrides the default level.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG));
    // Colours only for a person at a terminal: a log file or journal gets plain text.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colours).try_init();
}
