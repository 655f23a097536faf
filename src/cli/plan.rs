//! `plantrack plan draft FILE`: the candidate targets of a newly issued plan, read from its text;
//! `plantrack catalog export --format toml --plan P`: a plan's catalog file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

use super::say;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::intake::{self, KnownIndicator};
use crate::present::Lang;

#[derive(Subcommand)]
pub(super) enum PlanCommand {
    /// Draft the targets of a plan text (.txt UTF-8 or GB18030, .docx, .html, .pdf with text):
    /// JSON for review, or TOML in the shape of targets/*.toml with every candidate accepted.
    Draft {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = DraftFormat::Json)]
        format: DraftFormat,
        /// The plan's slug in the TOML (default: from the file name).
        #[arg(long)]
        slug: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum DraftFormat {
    Json,
    Toml,
}

pub(super) fn run(settings: &Settings, command: PlanCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    match command {
        PlanCommand::Draft { file, format, slug } => draft(settings, &file, format, slug, lang),
    }
}

fn reading(file: &Path, lang: Lang) -> String {
    say(lang, format!("无法读取 {}", file.display()), format!("reading {}", file.display()))
}

fn draft(
    settings: &Settings,
    file: &Path,
    format: DraftFormat,
    slug: Option<String>,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(file).with_context(|| reading(file, lang))?.len();
    if size > intake::MAX_DOCUMENT_BYTES as u64 {
        eprintln!(
            "{}",
            say(
                lang,
                format!("{}：文件超过 {} MB 的上限", file.display(), intake::MAX_DOCUMENT_BYTES >> 20),
                format!("{}: the document is larger than {} MB", file.display(), intake::MAX_DOCUMENT_BYTES >> 20)
            )
        );
        return Ok(ExitCode::FAILURE);
    }
    let bytes = std::fs::read(file).with_context(|| reading(file, lang))?;
    let text = match intake::read_document(&bytes) {
        Ok(text) => text,
        Err(said) => {
            eprintln!("{}：{}", file.display(), said.pick(lang));
            return Ok(ExitCode::FAILURE);
        }
    };
    // Matched against the catalog on disk; a catalog with problems leaves every indicator new.
    let catalog = Catalog::load(&settings.catalog_paths()).ok();
    let read: std::collections::HashMap<&str, bool> = catalog
        .iter()
        .flat_map(|c| &c.targets)
        .filter_map(|t| {
            let total = crate::domain::reads_running_totals(t.kind, t.cumulative, t.baseline.is_some())?;
            Some((t.indicator.as_str(), total))
        })
        .collect();
    let known: Vec<KnownIndicator> = catalog
        .iter()
        .flat_map(|c| &c.indicators)
        .map(|i| KnownIndicator {
            slug: i.slug.clone(),
            name: i.name.clone(),
            unit: i.unit.clone(),
            running_total: read.get(i.slug.as_str()).copied(),
        })
        .collect();
    let draft = intake::draft(&text, &known);
    if let Some(note) = draft.empty_note() {
        eprintln!("{}", note.pick(lang));
    }
    match format {
        DraftFormat::Json => outln!("{}", serde_json::to_string_pretty(&draft)?),
        DraftFormat::Toml => {
            let slug = slug.unwrap_or_else(|| {
                intake::publish::slug_from_name(&file.file_name().unwrap_or_default().to_string_lossy())
            });
            let request = intake::publish::accept_all(&draft, &slug);
            let document_name = file.file_name().unwrap_or_default().to_string_lossy();
            let departments = catalog.map(|c| c.departments).unwrap_or_default();
            match intake::publish::catalog_file(&request, &document_name, &departments) {
                Ok(toml) => out!("{toml}"),
                Err(said) => {
                    eprintln!("{}", said.pick(lang));
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a plan's catalog file: the published version in force, else `targets/P.toml`.
pub(super) fn export_toml(
    settings: &Settings,
    plan: Option<&str>,
    document: Option<&Path>,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let Some(plan) = plan else {
        eprintln!("{}", say(lang, "导出 TOML 须用 --plan 指定规划", "TOML export needs --plan"));
        return Ok(ExitCode::FAILURE);
    };
    let pool = crate::db::connect(&settings.database_url, 1)?;
    let mut conn = pool.get()?;
    let published = crate::db::drafts::published_in_force(&mut conn)?;
    if let Some(file) = published.iter().find(|p| p.slug == plan) {
        out!("{}", file.catalog);
        if let Some(path) = document {
            std::fs::write(path, &file.document_text).with_context(|| {
                say(lang, format!("无法写入 {}", path.display()), format!("writing {}", path.display()))
            })?;
            eprintln!(
                "{}",
                say(
                    lang,
                    format!("引用的文本已写入 {}（放入 seed/documents/{}）", path.display(), file.document_name),
                    format!(
                        "the cited text is in {} (put it in seed/documents/{})",
                        path.display(),
                        file.document_name
                    )
                )
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let on_disk = settings.catalog_paths().targets_dir.join(format!("{plan}.toml"));
    match std::fs::read_to_string(&on_disk) {
        Ok(text) if plan.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            out!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{}", say(lang, format!("没有规划“{plan}”"), format!("no plan `{plan}`")));
            Ok(ExitCode::FAILURE)
        }
    }
}
