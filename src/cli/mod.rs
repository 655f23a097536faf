//! The commands: serve, migrate, catalog, ingest, status, charts, report, token. Each parses its
//! arguments with clap and calls the modules below it; `main.rs` only hands over to [`main`].

/// `println!` for what a command prints: when the reader of its output has gone (`| head`), the
/// program ends quietly — there is no one left to tell — instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::print_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` likewise.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::print_out(format_args!($($arg)*))
    };
}

mod help;
pub mod ingest;
mod plan;
pub mod status;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::present::Lang;
use crate::{Application, db, init_tracing, prepare_database};

/// plantrack — tracks the quantitative goals of government plans.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Settings file (default: plantrack.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// zh or en: the language of messages, tables, reports and charts (default: from the
    /// locale, LANG=zh* → Chinese; Chinese when the locale names no language).
    #[arg(long, global = true)]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server: migrates the database and loads the catalog first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the SQLite database, while the server runs, into a new file (a consistent copy, as of
    /// one moment); kept reports are the files in `<data_dir>/reports`.
    Backup {
        /// The copy to write (must not exist yet)
        out: PathBuf,
    },
    /// Load files of actuals — CSV, .xlsx, .xls, .ods; long or wide — with the same checks as an
    /// upload (each file all or nothing).
    Ingest {
        /// Files: 指标,期间,数值[,地区,单位,备注,来源], or indicators down and periods across
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The sheet to read of a spreadsheet (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Validate and show what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Force the encoding: utf-8 or gb18030 (gbk). Default: detected.
        #[arg(long)]
        encoding: Option<String>,
        /// Recorded as the uploader (default: the login name).
        #[arg(long = "as")]
        uploaded_by: Option<String>,
    },
    /// Write every target's chart and every plan's overview (SVG and PNG) into a folder.
    Charts {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        view: ViewArgs,
    },
    /// Write the PDF status report.
    Report {
        /// Output file.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: PathBuf,
        /// Only this plan (slug).
        #[arg(long)]
        plan: Option<String>,
        /// Only the targets this department answers for (slug).
        #[arg(long)]
        department: Option<String>,
        /// compact (the summary, one table per plan, charts where there are figures) or full.
        #[arg(long, default_value = "compact")]
        layout: String,
        /// pdf, or docx (an editable Word file).
        #[arg(long, default_value = "pdf")]
        format: String,
        /// plan (a section per plan) or department (a section per lead department).
        #[arg(long, default_value = "plan")]
        group: String,
        /// Compare with this report (its id) or the newest made by this date; default the previous.
        #[arg(long)]
        since: Option<String>,
        #[command(flatten)]
        view: ViewArgs,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print every target's status: a table for the terminal, or JSON / CSV.
    Status {
        /// Only this plan's targets (slug).
        #[arg(long)]
        plan: Option<String>,
        /// Only the targets this department answers for (slug).
        #[arg(long)]
        department: Option<String>,
        #[command(flatten)]
        view: ViewArgs,
        #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
        format: StatusFormat,
    },
    /// Work with the target catalog (targets/*.toml).

    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Newly issued plans: draft their targets from the text.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Lays out a report the server sends on standard input and writes the PDF to standard
    /// output: the server's own child process, not for people.
    #[command(hide = true)]
    RenderReport,
    /// Reads a file the server sends on standard input (a spreadsheet's sheet, a plan document's
    /// lines) under a memory ceiling and writes what it read as JSON: the server's own child
    /// process, not for people.
    #[command(hide = true)]
    ReadFile {
        #[arg(value_enum)]
        reading: crate::apart::Reading,
        #[arg(long)]
        sheet: Option<String>,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Validate every catalog file against the source documents and report every problem.
    Check {
        /// Only validate the files; do not write the catalog into the database.
        #[arg(long)]
        no_sync: bool,
    },
    /// Count targets per plan and per kind, and seed actuals per file, to compare with the documents.
    Stats,
    /// Print every plan, indicator and target (JSON), or one plan's catalog file (TOML) — for a
    /// plan published from a draft, the file to put under version control.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// The plan (slug); needed for TOML.
        #[arg(long)]
        plan: Option<String>,
        /// With TOML: also write the text the plan cites into this file (for seed/documents/).
        #[arg(long, value_name = "FILE")]
        document: Option<PathBuf>,
        /// Only print; do not write the catalog into the database.
        #[arg(long)]
        no_sync: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    Json,
    Toml,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it once (only its hash is kept).
    Create {
        #[arg(long)]
        name: String,
        /// viewer, uploader or admin
        #[arg(long)]
        role: String,
        /// Limit an uploader to the figures this department reports (slug, see departments.toml).
        #[arg(long)]
        department: Option<String>,
    },
    /// List tokens (names, roles, dates; never the tokens).
    List,
    /// Revoke every live token with this name.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StatusFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    Linear,
    Cagr,
}

/// The view a status, report or chart set is judged for.
#[derive(clap::Args)]
struct ViewArgs {
    /// The date of the view (YYYY-MM-DD): figures for periods ended by then count. Default today.
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// Only figures recorded by this date ("as known then"). Default: every figure known now.
    #[arg(long)]
    known_at: Option<chrono::NaiveDate>,
    /// Judge every target on this district's figures.
    #[arg(long)]
    region: Option<String>,
    #[arg(long, value_enum, default_value_t = MethodArg::Linear)]
    method: MethodArg,
}

impl ViewArgs {
    fn judgement(self) -> crate::judged::Judgement {
        crate::judged::Judgement {
            as_of: self.as_of.unwrap_or_else(crate::judged::today),
            method: match self.method {
                MethodArg::Linear => crate::progress::Method::Linear,
                MethodArg::Cagr => crate::progress::Method::Cagr,
            },
            known_at: self.known_at,
            region: self.region.map(Into::into),
        }
    }
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    init_tracing();
    let args: Vec<OsString> = std::env::args_os().collect();
    // Read once, before clap, so that clap's own texts are in it too; a language that does not
    // exist is said after the command line is read, in Chinese.
    let asked = cli_lang(asked_lang(&args).as_deref());
    let lang = *asked.as_ref().unwrap_or(&Lang::Zh);
    crate::present::set_message_lang(lang);
    let cli = match parse(args, lang) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match asked.and_then(|lang| run(cli, lang)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}{}", say(lang, "错误：", "error: "), error_text(&e, lang));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes, outermost first. The messages plantrack writes are already in the
/// language asked for; what the system says of a file or a port (English) is said in Chinese.
fn error_text(error: &anyhow::Error, lang: Lang) -> String {
    let causes = error.chain().map(|cause| match (lang, cause.downcast_ref::<std::io::Error>()) {
        (Lang::Zh, Some(io)) => io_reason(io),
        _ => cause.to_string(),
    });
    causes.collect::<Vec<_>>().join(say(lang, "：", ": ").as_str())
}

/// What the system says of a file, a folder or a port, in Chinese.
fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind as Kind;
    let reason = match error.kind() {
        Kind::NotFound => "文件或文件夹不存在",
        Kind::PermissionDenied => "没有权限",
        Kind::AlreadyExists => "已经存在",
        Kind::IsADirectory => "这是一个文件夹，不是文件",
        Kind::NotADirectory => "路径中有一段不是文件夹",
        Kind::DirectoryNotEmpty => "文件夹不是空的",
        Kind::StorageFull => "磁盘已满",
        Kind::ReadOnlyFilesystem => "文件系统只读",
        Kind::AddrInUse => "地址已被占用（另一个程序在监听）",
        Kind::AddrNotAvailable => "本机没有这个地址",
        Kind::ConnectionRefused => "连接被拒绝",
        Kind::TimedOut => "超时",
        Kind::InvalidData => "内容无效",
        Kind::UnexpectedEof => "文件意外结束",
        _ => return format!("系统读写出错（{error}）"),
    };
    reason.to_owned()
}

/// The command line read in the language it will be answered in: clap's help and errors are
/// English, so a Chinese command line gets its texts and errors from [`help`]. Help, the version
/// and errors are printed here; the exit code is clap's (0 for help, 2 for a usage error).
fn parse(args: Vec<OsString>, lang: Lang) -> Result<Cli, ExitCode> {
    let (command, args) = match lang {
        Lang::Zh => (help::in_chinese(Cli::command()), help_subcommand_as_flag(args)),
        Lang::En => (Cli::command(), args),
    };
    let error = match command.try_get_matches_from(args).and_then(|matches| Cli::from_arg_matches(&matches)) {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    let code = ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    let said = match (lang, error.kind()) {
        (Lang::En, _) => {
            // clap's own printing: colours only on a terminal.
            let _ = error.print();
            return Err(code);
        }
        (
            Lang::Zh,
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand,
        ) => help::chinese_words(&error.render().to_string()),
        (Lang::Zh, _) => help::chinese_error(&error),
    };
    let said = said.trim_end();
    if error.use_stderr() {
        eprintln!("{said}");
    } else {
        outln!("{said}");
    }
    Err(code)
}

/// `--lang` as written on the command line, read before clap so that clap's own texts can be in
/// that language.
fn asked_lang(args: &[OsString]) -> Option<String> {
    let mut args = args.iter().skip(1).filter_map(|arg| arg.to_str());
    while let Some(arg) = args.next() {
        match arg {
            "--" => return None,
            "--lang" => return args.next().map(str::to_owned),
            _ => {
                if let Some(asked) = arg.strip_prefix("--lang=") {
                    return Some(asked.to_owned());
                }
            }
        }
    }
    None
}

/// `plantrack help catalog export` as `plantrack catalog export --help`: the Chinese command line
/// has no `help` subcommand of clap's (its description would be English).
fn help_subcommand_as_flag(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).is_some_and(|arg| arg == "help") {
        args.remove(1);
        args.push("--help".into());
    }
    args
}

/// Text on standard output (see [`outln!`]).
pub(crate) fn print_out(text: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_fmt(text).and_then(|()| out.flush()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("{error}");
            std::process::exit(1);
        }
        std::process::exit(0);
    }
}

/// The language asked for, else the locale's: `LC_ALL`, then `LANG`. A locale that names no
/// language (unset, C, POSIX) leaves Chinese.
fn cli_lang(asked: Option<&str>) -> anyhow::Result<Lang> {
    if let Some(asked) = asked {
        return asked.parse().map_err(|_| {
            let asked = asked.escape_debug();
            anyhow::anyhow!(
                "{}",
                crate::present::message(
                    format!("没有语言“{asked}”：请用 zh 或 en"),
                    format!("unknown language `{asked}`: use zh or en")
                )
            )
        });
    }
    let locale = ["LC_ALL", "LANG"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    Ok(match locale.as_deref() {
        Some(l) if l.starts_with("zh") => Lang::Zh,
        Some(l) if l == "C" || l == "POSIX" || l.starts_with("C.") => Lang::Zh,
        Some(_) => Lang::En,
        None => Lang::Zh,
    })
}

fn run(cli: Cli, lang: Lang) -> anyhow::Result<ExitCode> {
    if let Command::RenderReport = cli.command {
        crate::report::render_piped(std::io::stdin().lock(), std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::ReadFile { reading, sheet } = &cli.command {
        crate::apart::read_piped(*reading, sheet.as_deref(), std::io::stdin().lock(), std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::load(cli.config.as_deref()).with_context(|| match &cli.config {
        Some(file) => say(
            lang,
            format!("无法读取设置文件 {}", file.display()),
            format!("reading settings from {}", file.display()),
        ),
        None => say(lang, "无法读取设置", "reading settings"),
    })?;
    crate::clock::set_zone(&settings.timezone).map_err(|_| {
        let zone = settings.timezone.escape_debug();
        anyhow::anyhow!(
            "{}",
            say(
                lang,
                format!("设置的时区“{zone}”不存在：请用 IANA 名称，如 Asia/Shanghai"),
                format!("unknown time zone `{zone}`: use an IANA name such as Asia/Shanghai")
            )
        )
    })?;
    crate::ingest::set_oldest_period_years(settings.oldest_period_years);
    match cli.command {
        Command::Serve => serve(settings),
        Command::RenderReport | Command::ReadFile { .. } => unreachable!("handled before the settings are read"),
        Command::Backup { out } => backup(&settings, &out, lang),
        Command::Migrate => {
            db::connect(&settings.database_url, 1)?;
            let url = crate::redact(&settings.database_url);
            outln!("{}", say(lang, format!("数据库迁移已完成：{url}"), format!("migrations applied to {url}")));
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest { files, dry_run, encoding, sheet, uploaded_by } => {
            let encoding =
                encoding.map(|e| e.parse::<crate::ingest::Encoding>()).transpose().map_err(anyhow::Error::msg)?;
            let who = uploaded_by.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "cli".to_owned());
            ingest::run(&settings, &files, dry_run, encoding, sheet.as_deref(), &who, lang)
        }
        Command::Token(command) => token(&settings, command, lang),
        Command::Report { out, plan, department, layout, format, group, since, view } => {
            let (pool, _, _) = prepare_database(&settings)?;
            let started = std::time::Instant::now();
            let mut conn = pool.get()?;
            let department = department.map(|slug| find_department(&mut conn, &slug, lang)).transpose()?;
            let judgement = view.judgement();
            let plan = plan.map(|slug| plan_in_force(&mut conn, &slug, judgement.as_of)).transpose()?;
            let mut options = crate::report::ReportOptions::new(plan, judgement, lang);
            options.department = department;
            options.layout = layout.parse().map_err(anyhow::Error::msg)?;
            options.group = group.parse().map_err(anyhow::Error::msg)?;
            options.output = match format.as_str() {
                "pdf" => crate::report::Output::Pdf,
                "docx" => crate::report::Output::Docx,
                other => anyhow::bail!(
                    "{}",
                    say(
                        lang,
                        format!("未知的格式“{other}”：请用 pdf 或 docx"),
                        format!("unknown format `{other}`: use pdf or docx")
                    )
                ),
            };
            let since: crate::report::Since = match since {
                Some(raw) => raw.parse().map_err(anyhow::Error::msg)?,
                None => crate::report::Since::Previous,
            };
            let identity = crate::report::Identity {
                sender: settings.report_sender.clone(),
                number: settings.report_number.clone(),
            };
            let in_full = |scope: &crate::judged::Scope| crate::report::charted(scope, &options);
            let in_full = crate::judged::InFull::Chosen(&in_full);
            let scope = crate::judged::scope(&mut conn, options.plan.as_deref(), &options.judgement, in_full)?
                .ok_or_else(|| {
                    let plan = options.plan.clone().unwrap_or_default();
                    anyhow::anyhow!("{}", say(lang, format!("没有规划“{plan}”"), format!("no plan `{plan}`")))
                })?;
            let made = crate::report::make(
                &mut conn,
                scope,
                options,
                since,
                &identity,
                crate::report::Kept::Asked,
                crate::now(),
            )?;
            let pdf = made.pdf;
            std::fs::write(&out, &pdf).with_context(|| writing(&out, lang))?;
            if let Some(id) = made.id {
                let extension = if format == "docx" { "docx" } else { "pdf" };
                crate::report::keep_file(&mut conn, &settings.data_dir.join("reports"), id, extension, &pdf)?;
            }
            let (kb, seconds) = (pdf.len() / 1024, started.elapsed().as_secs_f64());
            outln!(
                "{}",
                say(
                    lang,
                    format!("已写出 {}（{kb} KB），用时 {seconds:.2} 秒", out.display()),
                    format!("{} ({kb} KB) written in {seconds:.2} s", out.display())
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Charts { out, view } => {
            let judgement = view.judgement();
            let (pool, _, _) = prepare_database(&settings)?;
            let started = std::time::Instant::now();
            let mut conn = pool.get()?;
            let scope = crate::judged::scope(&mut conn, None, &judgement, crate::judged::InFull::Every)?
                .ok_or_else(|| anyhow::anyhow!("{}", say(lang, "目录中没有规划", "the catalog has no plans")))?;
            let (charts, failed) = crate::charts::render_all(&scope.plans, &scope.assessed, scope.full, lang);
            for chart in &charts {
                let path = out.join(&chart.name);
                let folder = path.parent().unwrap_or(&out);
                std::fs::create_dir_all(folder).with_context(|| writing(folder, lang))?;
                for (file, bytes) in
                    [(path.with_extension("svg"), chart.svg.as_bytes()), (path.with_extension("png"), &chart.png)]
                {
                    std::fs::write(&file, bytes).with_context(|| writing(&file, lang))?;
                }
            }
            for (name, error) in &failed {
                eprintln!("{name}: {error}");
            }
            let (n, seconds) = (charts.len(), started.elapsed().as_secs_f64());
            outln!(
                "{}",
                say(
                    lang,
                    format!("已写出 {n} 张图表到 {}，用时 {seconds:.1} 秒", out.display()),
                    format!("{n} charts written to {} in {seconds:.1} s", out.display())
                )
            );
            Ok(if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Status { plan, department, view, format } => {
            let judgement = view.judgement();
            let (pool, _, _) = prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let department = department.map(|slug| find_department(&mut conn, &slug, lang)).transpose()?;
            if let Some(plan) = &plan
                && crate::db::queries::plan_by_slug(&mut conn, plan)?.is_none()
            {
                anyhow::bail!(
                    "{}",
                    say(
                        lang,
                        format!("没有规划“{plan}”（规划列表见 `plantrack catalog stats`）"),
                        format!("no plan `{plan}` (see `plantrack catalog stats` for the plans)")
                    )
                );
            }
            let plan = plan.map(|slug| plan_in_force(&mut conn, &slug, judgement.as_of)).transpose()?;
            let mut assessed = crate::judged::assess_list(&mut conn, plan.as_deref(), None, &judgement)?;
            if let Some(department) = &department {
                assessed.retain(|a| a.owners.iter().any(|o| *o == department.slug));
            }
            let out = match format {
                StatusFormat::Table => status::table(&assessed, &judgement, lang),
                StatusFormat::Json => status::json(&assessed)?,
                StatusFormat::Csv => status::csv(&assessed)?,
            };
            outln!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog(CatalogCommand::Check { no_sync }) => catalog_check(&settings, no_sync, lang),

        Command::Catalog(CatalogCommand::Stats) => {
            let Some(catalog) = load_catalog_or_report(&settings, lang)? else {
                return Ok(ExitCode::FAILURE);
            };
            out!("{}", crate::catalog::stats::render(&catalog, &settings.seed_actuals_dir));
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog(CatalogCommand::Export { format: ExportFormat::Json, plan: _, document: _, no_sync }) => {
            let catalog = if no_sync {
                load_catalog_or_report(&settings, lang)?
            } else {
                // With the database: the plans published from drafts are part of the catalog.
                let (_, catalog, report) = prepare_database(&settings)?;
                let changed = report.targets.inserted + report.targets.updated;
                // stdout is the JSON; the sync reports on stderr.
                eprintln!(
                    "{}",
                    say(
                        lang,
                        format!("目录已同步：{changed} 个目标有变化"),
                        format!("catalog synced: {changed} targets changed")
                    )
                );
                Some(catalog)
            };
            let Some(catalog) = catalog else {
                return Ok(ExitCode::FAILURE);
            };
            outln!("{}", serde_json::to_string_pretty(&catalog)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog(CatalogCommand::Export { format: ExportFormat::Toml, plan, document, no_sync: _ }) => {
            plan::export_toml(&settings, plan.as_deref(), document.as_deref(), lang)
        }
        Command::Plan(command) => plan::run(&settings, command, lang),
    }
}

/// One of two texts, by the CLI's language.
fn writing(path: &std::path::Path, lang: Lang) -> String {
    say(lang, format!("无法写入 {}", path.display()), format!("writing {}", path.display()))
}

fn say(lang: Lang, zh: impl Into<String>, en: impl Into<String>) -> String {
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

fn load_catalog_or_report(settings: &Settings, lang: Lang) -> anyhow::Result<Option<Catalog>> {
    match Catalog::load(&settings.catalog_paths()) {
        Ok(catalog) => Ok(Some(catalog)),
        Err(errors) => {
            for problem in &errors.0 {
                eprintln!("{}", problem.shown(lang));
            }
            let n = errors.0.len();
            eprintln!("{}", say(lang, format!("目录有 {n} 处问题"), format!("the catalog has {n} problem(s)")));
            Ok(None)
        }
    }
}

fn catalog_check(settings: &Settings, no_sync: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    let Some(catalog) = load_catalog_or_report(settings, lang)? else {
        return Ok(ExitCode::FAILURE);
    };
    let (plans, indicators, targets) = (catalog.plans.len(), catalog.indicators.len(), catalog.targets.len());
    outln!(
        "{}",
        say(
            lang,
            format!("目录无误：{plans} 个规划，{indicators} 个指标，{targets} 个目标"),
            format!("catalog ok: {plans} plans, {indicators} indicators, {targets} targets")
        )
    );
    if !seed_actuals_ok(settings, &catalog, lang) {
        return Ok(ExitCode::FAILURE);
    }
    if !no_sync {
        let (_, _, report) = prepare_database(settings)?;
        let url = crate::redact(&settings.database_url);
        let t = report.targets;
        outln!(
            "{}",
            say(
                lang,
                format!(
                    "已同步到 {url}：目标新增 {}，更新 {}，停用 {}，不变 {}",
                    t.inserted, t.updated, t.retired, t.unchanged
                ),
                format!(
                    "synced into {url}: targets {} new, {} updated, {} retired, {} unchanged",
                    t.inserted, t.updated, t.retired, t.unchanged
                )
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(mut settings: Settings) -> anyhow::Result<ExitCode> {
    // Reports are laid out by this same program in a child process (see report::Renderer).
    settings.report_worker = Some(
        std::env::current_exe()
            .with_context(|| crate::present::message("找不到本程序的路径", "finding this program's own path"))?,
    );
    for (variable, meant) in Settings::unknown_variables() {
        let (zh, en) = match meant {
            Some(name) => (format!("（是否想写 PLANTRACK_{name}？）"), format!(" (did you mean PLANTRACK_{name}?)")),
            None => (String::new(), String::new()),
        };
        let said = crate::present::message(
            format!("环境变量 {variable} 不是一项设置，已忽略{zh}"),
            format!("the environment variable {variable} is not a setting and is ignored{en}"),
        );
        tracing::warn!("{said}");
    }
    check_data_dir(&settings.data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let sqlite_file = match db::Backend::from_url(&settings.database_url) {
            Ok(db::Backend::Sqlite(path)) if !path.starts_with(':') => Some(std::path::PathBuf::from(path)),
            _ => None,
        };
        let created = sqlite_file.as_ref().is_some_and(|file| !file.exists());
        let app = Application::build(&settings)?;
        // Which database, by the path the file has: a mistyped one is a new, empty database.
        match sqlite_file.map(|file| std::fs::canonicalize(&file).unwrap_or(file)) {
            Some(file) if created => tracing::warn!(
                file = %file.display(),
                "a new SQLite database was created: if the office's database was meant, check database_url"
            ),
            Some(file) => tracing::info!(file = %file.display(), "SQLite database opened"),
            None => tracing::info!(database = %crate::redact(&settings.database_url), "database opened"),
        }
        tracing::info!(bind = %settings.bind, "plantrack listening");
        app.run_until_stopped().await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// A consistent copy of the SQLite database (`VACUUM INTO`, a read transaction: the server
/// goes on). A copy of the file itself can miss what is still in its write-ahead log.
fn backup(settings: &Settings, out: &std::path::Path, lang: Lang) -> anyhow::Result<ExitCode> {
    if matches!(db::Backend::from_url(&settings.database_url)?, db::Backend::Postgres(_)) {
        anyhow::bail!(
            "{}",
            say(
                lang,
                "PostgreSQL 数据库请用 pg_dump 备份（pg_dump 数据库URL > 备份.sql），报告文件在数据目录的 reports 中",
                "back up a PostgreSQL database with pg_dump (pg_dump URL > backup.sql); kept reports are in the data folder's reports"
            )
        );
    }
    if out.exists() {
        anyhow::bail!(
            "{}",
            say(
                lang,
                format!("{} 已存在：请换一个文件名", out.display()),
                format!("{} exists: choose a new file", out.display())
            )
        );
    }
    use diesel::RunQueryDsl;
    let pool = db::connect(&settings.database_url, 1)?;
    let started = std::time::Instant::now();
    let target = out
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{}", say(lang, "文件名须为 UTF-8", "the file name must be UTF-8")))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(target)
        .execute(&mut *pool.get()?)
        .with_context(|| writing(out, lang))?;
    let (mb, seconds) = (std::fs::metadata(out).map(|m| m.len() >> 20).unwrap_or(0), started.elapsed().as_secs_f64());
    let reports = settings.data_dir.join("reports");
    outln!(
        "{}",
        say(
            lang,
            format!(
                "已把数据库备份到 {}（{mb} MB，用时 {seconds:.1} 秒）；报告文件请另行复制 {}",
                out.display(),
                reports.display()
            ),
            format!(
                "database copied to {} ({mb} MB in {seconds:.1} s); copy the kept reports in {} as well",
                out.display(),
                reports.display()
            )
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// The data folder must take files (reports are kept there): a folder that cannot be written is
/// said at start, not at the first report.
fn check_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let reports = dir.join("reports");
    let probe = reports.join(".plantrack-probe");
    let written = std::fs::create_dir_all(&reports).and_then(|()| std::fs::write(&probe, b"ok"));
    let _ = std::fs::remove_file(&probe);
    written.with_context(|| {
        let dir = reports.display();
        crate::present::message(
            format!("数据目录 {dir} 无法写入：请检查 data_dir 设置和目录权限"),
            format!("the data folder {dir} cannot be written: check the data_dir setting and the folder's permissions"),
        )
    })
}

/// Validates the seed CSVs against the catalog; prints every problem, and warns about facts that
/// two documents report differently (both are kept: the later file's value is current).
/// A revised plan named: the version in force on the view's date.
fn plan_in_force(conn: &mut crate::db::DbConn, slug: &str, as_of: chrono::NaiveDate) -> anyhow::Result<String> {
    let plans = crate::db::queries::list_plans(conn)?.into_iter().map(std::sync::Arc::new).collect();
    Ok(crate::judged::version_in_force(plans, slug, as_of))
}

fn seed_actuals_ok(settings: &Settings, catalog: &Catalog, lang: Lang) -> bool {
    let today = crate::clock::today();
    match crate::ingest::check_seed_files(&settings.seed_actuals_dir, catalog, today) {
        Err(files) => {
            for (file, errors) in files {
                for e in errors.errors {
                    let dir = settings.seed_actuals_dir.display();
                    let value = e.value.map(|v| format!(" «{v}»")).unwrap_or_default();
                    let (line, column) = (e.line, e.column.unwrap_or_default());
                    eprintln!(
                        "  {}",
                        say(
                            lang,
                            format!("{dir}/{file}：第 {line} 行 {column}{value}：{}", e.reason_zh),
                            format!("{dir}/{file}: line {line} {column}{value}: {}", e.reason)
                        )
                    );
                }
            }
            eprintln!("{}", say(lang, "种子数据有问题", "the seed actuals have problems"));
            false
        }
        Ok(crate::ingest::SeedCheck { rows, conflicts }) => {
            outln!("{}", say(lang, format!("种子数据无误：{rows} 行"), format!("seed actuals ok: {rows} rows")));
            for c in &conflicts {
                let reports: Vec<String> = c.reports.iter().map(|(at, v)| format!("{v} ({at})")).collect();
                let (indicator, region, period) = (&c.indicator, &c.region, &c.period);
                outln!(
                    "{}",
                    say(
                        lang,
                        format!("提示：{indicator} {region} {period} 各文件所报不同：{}", reports.join(" 与 ")),
                        format!(
                            "warning: {indicator} {region} {period} is reported differently: {}",
                            reports.join(" vs ")
                        )
                    )
                );
            }
            true
        }
    }
}

fn token(settings: &Settings, command: TokenCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    let pool = db::connect(&settings.database_url, 1)?;
    let mut conn = pool.get()?;
    match command {
        TokenCommand::Create { name, role, department } => {
            let role: crate::server::auth::Role = role.parse().map_err(|_| {
                let role = role.escape_debug();
                anyhow::anyhow!(
                    "{}",
                    say(
                        lang,
                        format!("没有角色“{role}”：请用 viewer（查看）、uploader（上传）或 admin（管理）"),
                        format!("unknown role `{role}`: use viewer, uploader or admin")
                    )
                )
            })?;
            if let Some(slug) = &department {
                // The departments come from the catalog: written into the database first.
                drop(conn);
                let (pool, _, _) = prepare_database(settings)?;
                conn = pool.get()?;
                if !db::queries::list_departments(&mut conn)?.iter().any(|d| &d.slug == slug) {
                    anyhow::bail!(
                        "{}",
                        say(
                            lang,
                            format!("没有部门“{slug}”（见 targets/departments.toml）"),
                            format!("no department `{slug}` (see targets/departments.toml)")
                        )
                    );
                }
                if role != crate::server::auth::Role::Uploader {
                    anyhow::bail!(
                        "{}",
                        say(
                            lang,
                            "只有 uploader 令牌可以限定部门",
                            "only an uploader token is limited to a department"
                        )
                    );
                }
            }
            // One live token per name: `token revoke --name` would otherwise take the new token
            // with the old one when a token is replaced under its name.
            if db::access::list_tokens(&mut conn)?.iter().any(|t| t.name == name && t.revoked_at.is_none()) {
                let name = name.escape_debug();
                anyhow::bail!(
                    "{}",
                    say(
                        lang,
                        format!("已有名为“{name}”的有效令牌：请换一个名称（更换令牌时，先用新名称创建，再吊销旧的）"),
                        format!(
                            "a live token is named `{name}` already: choose another name (to replace a token, create \
                             the new one under a new name, then revoke the old)"
                        )
                    )
                );
            }
            let token = crate::server::auth::create_token(&mut conn, &name, role, department.as_deref(), crate::now())?;
            eprintln!(
                "{}",
                say(
                    lang,
                    format!("已创建令牌“{name}”（{role}）；它只显示这一次，请现在保存："),
                    format!("token `{name}` ({role}) created; it is shown once, keep it now:")
                )
            );
            outln!("{token}");
        }
        TokenCommand::List => {
            for t in db::access::list_tokens(&mut conn)? {
                let state = match t.revoked_at {
                    Some(at) => say(
                        lang,
                        format!("已吊销 {}", crate::clock::shown(at)),
                        format!("revoked {}", crate::clock::shown(at)),
                    ),
                    None => say(lang, "有效", "live"),
                };
                let created = crate::clock::shown(t.created_at);
                // Names from before names were checked may hold control characters: shown escaped.
                let created = say(lang, format!("创建于 {created}"), format!("created {created}"));
                let department = t.department.as_deref().unwrap_or("-");
                outln!("{}\t{}\t{department}\t{created}\t{state}", t.name.escape_debug(), t.role);
            }
        }
        TokenCommand::Revoke { name } => {
            let revoked = db::write_tx(&mut conn, |conn| {
                let n = db::access::revoke_token(conn, &name, crate::now())?;
                db::access::audit(conn, "cli", "token.revoke", &name, None, crate::now())?;
                Ok::<_, diesel::result::Error>(n)
            })?;
            if revoked == 0 {
                anyhow::bail!(
                    "{}",
                    say(lang, format!("没有名为“{name}”的有效令牌"), format!("no live token named `{name}`"))
                );
            }
            outln!(
                "{}",
                say(
                    lang,
                    format!("已吊销 {revoked} 个名为“{name}”的令牌"),
                    format!("revoked {revoked} token(s) named `{name}`")
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A department by its slug, or an error that lists where to find the slugs.
fn find_department(
    conn: &mut crate::db::DbConn,
    slug: &str,
    lang: Lang,
) -> anyhow::Result<std::sync::Arc<crate::db::models::DepartmentRow>> {
    crate::db::queries::list_departments(conn)?
        .into_iter()
        .find(|d| d.slug == slug)
        .map(std::sync::Arc::new)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}",
                say(
                    lang,
                    format!("没有部门“{slug}”（部门列表见 targets/departments.toml）"),
                    format!("no department `{slug}` (see targets/departments.toml for the departments)")
                )
            )
        })
}
