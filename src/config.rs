//! Settings: defaults that need nothing, then an optional `plantrack.toml`, then `PLANTRACK_*`
//! environment variables (`PLANTRACK_DATABASE_URL`, `PLANTRACK_BIND`, `PLANTRACK_DATA_DIR` …).

use std::path::{Path, PathBuf};

use config::ConfigError;
use serde::{Deserialize, Serialize};

use crate::catalog::CatalogPaths;

#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// Hour (in `timezone`) from which a day's report is due.
    pub report_hour: u32,
    /// Seconds between checks of the schedule.
    pub report_check_seconds: f64,
    /// Connections in the pool.
    pub pool_size: u32,
    /// `/metrics` without a token (default: as `public_read`); `false` asks for an admin token.
    pub metrics_public: Option<bool>,
    /// Mark cookies `Secure` (set it when the server is reached over HTTPS).
    pub cookie_secure: bool,
    /// The address browsers reach the server at (`https://plans.example.gov.cn`): the pages' forms
    /// take posts from this origin only. Unset, a post's `Origin` must name the host the request
    /// was sent to; set it when a proxy in front of the server changes the `Host` header.
    pub public_origin: Option<String>,
    /// Reports and uploads worked on at once; more wait in line (default 2).
    pub heavy_jobs: usize,
    /// Connections held open at once (default 4096): more wait to be accepted, so clients that
    /// hold connections cannot run the server out of file handles.
    pub max_connections: usize,
    /// How long a report or upload waits for its turn before the answer is 503 (seconds).
    pub queue_wait_seconds: f64,
    /// The longest a request may compute before it is stopped with 503 (seconds).
    pub work_budget_seconds: f64,
    /// The longest an upload's body may take to arrive before the answer is 408 (seconds).
    pub body_timeout_seconds: f64,
    /// How often a server looks for changes made by other replicas (seconds).
    pub refresh_seconds: f64,
    /// The office's time zone (IANA name): times are shown and "today" is counted in it;
    /// they are stored in UTC.
    pub timezone: String,
    /// Where the reminders go: `[[webhooks]]` tables with a `name`, a `url`, a `format` (`json`,
    /// `wecom` or `dingtalk`) and optionally a `department` (only its notices). None by default.
    pub webhooks: Vec<Webhook>,
    /// A figure for a period more than this many years before the first plan on its indicator
    /// is refused as a likely typing mistake.
    pub oldest_period_years: u32,
    /// The program that lays out PDF reports in a process of its own (`plantrack render-report`).
    /// Not a setting: `serve` sets it to its own executable; unset, reports are laid out in the
    /// calling process (the CLI, tests).
    #[serde(skip)]
    pub report_worker: Option<PathBuf>,
    /// The sending unit printed on every report (none by default).
    pub report_sender: String,
    /// How reports are numbered, per year: `沪规划报〔{year}〕{n}号` (none by default).
    pub report_number: String,
    /// Seconds between looks for new notices and deliveries due.
    pub reminder_seconds: f64,
    /// A figure is announced this many days before it falls due.
    pub reminder_days: u32,
    /// Seconds before a failed delivery is tried again; the pause doubles each time (at most an
    /// hour), and a notice is given up after 8 attempts.
    pub reminder_retry_seconds: f64,
}

/// One receiver of the reminders.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// A short name, shown with each delivery (the URL may hold a secret key).
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
    /// Only the notices of this department (slug).
    pub department: Option<String>,
}

/// How a notice is posted: plain JSON, or the text message of a WeCom / DingTalk group robot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    #[default]
    Json,
    Wecom,
    Dingtalk,
}

pub const DEFAULT_CONFIG_FILE: &str = "plantrack.toml";

/// More connections than a PostgreSQL server gives by default (100) is a mistake.
const MAX_POOL_SIZE: u32 = 100;

/// A day: longer than any interval or limit measured in seconds is meant to be.
const MAX_SECONDS: f64 = 86_400.0;

/// The setting a misspelt name most likely meant.
fn closest<'a>(name: &str, names: &'a [String]) -> Option<&'a String> {
    names
        .iter()
        .map(|n| (strsim::levenshtein(name, n), n))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, n)| n)
}

/// Refuses a settings file with a key that names no setting: `public_raed = false` would
/// otherwise leave reads open without a word. (A file that cannot be read or parsed is left to
/// the reader, which says why.)
fn check_file_keys(file: &Path) -> Result<(), ConfigError> {
    let Ok(text) = std::fs::read_to_string(file) else { return Ok(()) };
    let Ok(table) = text.parse::<toml::Table>() else { return Ok(()) };
    let names = Settings::names();
    match table.keys().find(|key| !names.contains(&key.to_lowercase())) {
        None => Ok(()),
        Some(key) => {
            let (file, key) = (file.display(), key.escape_debug());
            let (hint_zh, hint_en) = match closest(&key.to_string().to_lowercase(), &names) {
                Some(name) => (format!("（是否想写 {name}？）"), format!(" (did you mean {name}?)")),
                None => (String::new(), String::new()),
            };
            Err(ConfigError::Message(crate::present::message(
                format!("设置文件 {file} 中的“{key}”不是一项设置{hint_zh}"),
                format!("{file}: `{key}` is not a setting{hint_en}"),
            )))
        }
    }
}

impl Settings {
    /// Reads settings from `file` (if it exists) and the environment over the defaults.
    /// Refused: a key of the file that names no setting, and a value out of its range.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        // A file named on the command line must exist: a mistyped path would otherwise run
        // the server on the defaults (public reads, the default database) without a word.
        let (file, required) = match file {
            Some(file) => (file, true),
            None => (Path::new(DEFAULT_CONFIG_FILE), false),
        };
        check_file_keys(file)?;
        let settings: Settings = Self::with_defaults()?
            .add_source(config::File::from(file).required(required))
            .add_source(config::Environment::with_prefix("PLANTRACK").try_parsing(true))
            .build()?
            .try_deserialize()?;
        settings.check()?;
        Ok(settings)
    }

    /// Values that would stop the server working, or make it spin: refused with the setting's
    /// name and its range. (Days, hours and origins are checked where they are used.)
    fn check(&self) -> Result<(), ConfigError> {
        let out_of_range = |name: &str, value: String, range_zh: &str, range_en: &str| {
            ConfigError::Message(crate::present::message(
                format!("设置 {name} = {value} 超出范围：{range_zh}"),
                format!("setting {name} = {value} is out of range: {range_en}"),
            ))
        };
        if !(1..=MAX_POOL_SIZE).contains(&self.pool_size) {
            let range = format!("1 到 {MAX_POOL_SIZE}");
            return Err(out_of_range("pool_size", self.pool_size.to_string(), &range, &range.replace("到", "to")));
        }
        for (name, value) in [("heavy_jobs", self.heavy_jobs), ("max_connections", self.max_connections)]
            .into_iter()
            .chain([("upload_limit_bytes", self.upload_limit_bytes)])
        {
            if value == 0 {
                return Err(out_of_range(name, "0".to_owned(), "至少为 1", "at least 1"));
            }
        }
        if self.report_hour > 23 {
            return Err(out_of_range("report_hour", self.report_hour.to_string(), "0 到 23", "0 to 23"));
        }
        // Intervals of loops that run all the time have a floor: a zero would spin a core.
        let seconds = [
            ("queue_wait_seconds", self.queue_wait_seconds, 0.0),
            ("work_budget_seconds", self.work_budget_seconds, 0.1),
            ("body_timeout_seconds", self.body_timeout_seconds, 0.1),
            ("refresh_seconds", self.refresh_seconds, 0.01),
            ("inbox_poll_seconds", self.inbox_poll_seconds, 0.05),
            ("report_check_seconds", self.report_check_seconds, 0.05),
            ("reminder_seconds", self.reminder_seconds, 1.0),
            ("reminder_retry_seconds", self.reminder_retry_seconds, 1.0),
        ];
        for (name, value, floor) in seconds {
            if !(value.is_finite() && value >= floor && value <= MAX_SECONDS) {
                let (zh, en) = (format!("{floor} 到 {MAX_SECONDS} 秒"), format!("{floor} to {MAX_SECONDS} seconds"));
                return Err(out_of_range(name, value.to_string(), &zh, &en));
            }
        }
        for hook in &self.webhooks {
            let address = reqwest::Url::parse(&hook.url).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
            if address.is_none() {
                let url = hook.url.escape_debug();
                return Err(ConfigError::Message(crate::present::message(
                    format!("提醒接收方“{}”的 url “{url}”不是 http(s) 地址", hook.name),
                    format!("webhook `{}`: url `{url}` is not an http(s) address", hook.name),
                )));
            }
        }
        Ok(())
    }

    /// The names of every setting.
    fn names() -> Vec<String> {
        match serde_json::to_value(Self::defaults()) {
            Ok(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// `PLANTRACK_*` variables of the environment that name no setting, each with the setting
    /// it most likely meant: said at start, not refused (other programs' variables share the
    /// prefix).
    pub fn unknown_variables() -> Vec<(String, Option<String>)> {
        let names = Self::names();
        std::env::vars_os()
            .filter_map(|(key, _)| key.into_string().ok())
            .filter_map(|key| {
                let name = key.strip_prefix("PLANTRACK_")?.to_lowercase();
                (!names.contains(&name)).then(|| (key.clone(), closest(&name, &names).map(|n| n.to_uppercase())))
            })
            .collect()
    }

    /// The defaults alone, ignoring any file and the environment (for tests).
    pub fn defaults() -> Settings {
        Self::with_defaults()
            .and_then(|builder| builder.build())
            .and_then(|config| config.try_deserialize())
            .expect("the defaults are a complete, valid configuration")
    }

    fn with_defaults() -> Result<config::ConfigBuilder<config::builder::DefaultState>, config::ConfigError> {
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
            .set_default("cookie_secure", false)?
            .set_default("heavy_jobs", 2)?
            .set_default("max_connections", 4096)?
            .set_default("queue_wait_seconds", 10.0)?
            .set_default("work_budget_seconds", 120.0)?
            .set_default("body_timeout_seconds", 300.0)?
            .set_default("refresh_seconds", 0.1)?
            .set_default("timezone", "Asia/Shanghai")?
            .set_default("webhooks", Vec::<String>::new())?
            .set_default("reminder_seconds", 300.0)?
            .set_default("oldest_period_years", 20)?
            .set_default("report_sender", "")?
            .set_default("report_number", "")?
            .set_default("reminder_days", 7)?
            .set_default("reminder_retry_seconds", 30.0)
    }

    pub fn catalog_paths(&self) -> CatalogPaths {
        CatalogPaths { targets_dir: self.catalog_dir.clone(), documents_dir: self.documents_dir.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::Settings;

    fn load(text: &str) -> Result<Settings, String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plantrack.toml");
        std::fs::write(&file, text).unwrap();
        Settings::load(Some(&file)).map_err(|e| e.to_string())
    }

    #[test]
    fn a_misspelt_setting_is_refused_with_the_one_it_most_likely_meant() {
        let error = load("public_raed = false\n").unwrap_err();
        assert!(error.contains("public_raed") && error.contains("public_read"), "{error}");
        let error = load("[server]\nport = 1\n").unwrap_err();
        assert!(error.contains("server"), "{error}");
        assert!(!load("public_read = false\n").unwrap().public_read);
    }

    #[test]
    fn values_that_would_stop_or_spin_the_server_are_refused_by_name() {
        for (text, name) in [
            ("pool_size = 0", "pool_size"),
            ("pool_size = 100000", "pool_size"),
            ("heavy_jobs = 0", "heavy_jobs"),
            ("work_budget_seconds = 0", "work_budget_seconds"),
            ("work_budget_seconds = -5", "work_budget_seconds"),
            ("refresh_seconds = nan", "refresh_seconds"),
            ("reminder_seconds = 0", "reminder_seconds"),
            ("report_hour = 25", "report_hour"),
            ("[[webhooks]]\nname = \"群\"\nurl = \"not a url\"", "not a url"),
        ] {
            let error = load(text).unwrap_err();
            assert!(error.contains(name), "{text}: {error}");
        }
        let fine = load("pool_size = 20\nreminder_seconds = 60\nreport_hour = 23\n").unwrap();
        assert_eq!((fine.pool_size, fine.report_hour), (20, 23));
    }
}
