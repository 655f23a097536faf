//! Settings: defaults that need nothing, then an optional `plantrack.toml`, then `PLANTRACK_*`
//! environment variables (`PLANTRACK_DATABASE_URL`, `PLANTRACK_BIND`, `PLANTRACK_DATA_DIR` …).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::CatalogPaths;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `sqlite://PATH` (the default, embedded) or `postgres://…`.
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Where plantrack keeps its files (the SQLite database by default, reports, the inbox).
    pub data_dir: PathBuf,
    /// The target catalog: one TOML file per plan.
    pub catalog_dir: PathBuf,
    /// The source documents that targets cite.
    pub documents_dir: PathBuf,
    /// Figures the source documents report, loaded through the upload path at start.
    pub seed_actuals_dir: PathBuf,
    /// Load `seed_actuals_dir` at start (files already loaded are recognised and skipped).
    pub load_seed_actuals: bool,
    /// Largest upload accepted, in bytes (default 50 MB).
    pub upload_limit_bytes: usize,
    /// Reads need no token; `false` asks for a viewer token on every API read.
    pub public_read: bool,
    /// A folder watched for CSV files to ingest (none by default).
    pub inbox_dir: Option<PathBuf>,
    /// Seconds between looks at the inbox; a file is taken once its size held for one interval.
    pub inbox_poll_seconds: f64,
    /// Write a status report on a schedule: `daily` or `monthly` (none by default).
    pub report_schedule: Option<String>,
    /// Day of the month for a monthly report (1–28).
    pub report_day: u32,
    /// Hour (server time, UTC) from which a day's report is due.
    pub report_hour: u32,
    /// Seconds between checks of the schedule.
    pub report_check_seconds: f64,
    /// Connections in the pool.
    pub pool_size: u32,
}

pub const DEFAULT_CONFIG_FILE: &str = "plantrack.toml";

impl Settings {
    /// Reads settings from `file` (if it exists) and the environment over the defaults.
    pub fn load(file: Option<&Path>) -> Result<Settings, config::ConfigError> {
        let file = file.unwrap_or(Path::new(DEFAULT_CONFIG_FILE));
        config::Config::builder()
            .set_default("database_url", "sqlite://data/plantrack.db")?
            .set_default("bind", "127.0.0.1:8080")?
            .set_default("data_dir", "data")?
            .set_default("catalog_dir", "targets")?
            .set_default("documents_dir", "seed/documents")?
            .set_default("seed_actuals_dir", "seed/actuals")?
            .set_default("load_seed_actuals", true)?
            .set_default("pool_size", 8)?
            .set_default("upload_limit_bytes", 50 * 1024 * 1024)?
            .set_default("public_read", true)?
            .set_default("inbox_poll_seconds", 2.0)?
            .set_default("report_day", 1)?
            .set_default("report_hour", 6)?
            .set_default("report_check_seconds", 60.0)?
            .add_source(config::File::from(file).required(false))
            .add_source(config::Environment::with_prefix("PLANTRACK").try_parsing(true))
            .build()?
            .try_deserialize()
    }

    pub fn catalog_paths(&self) -> CatalogPaths {
        CatalogPaths { targets_dir: self.catalog_dir.clone(), documents_dir: self.documents_dir.clone() }
    }
}
