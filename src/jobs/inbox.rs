//! The watched inbox: CSV and spreadsheet files (.xlsx, .xls, .ods) dropped into a folder are ingested in name order once fully
//! written, then moved to `done/`, or to `failed/` with `<name>.errors.json` beside them.
//!
//! "Fully written" means: not `*.part`, not hidden, not Excel's `~$` lock file, and the same size and modification time as
//! one look earlier. Replicas sharing a database claim each file in `inbox_claims`, in the same
//! transaction that records its upload: exactly one of them takes it, and a replica that dies
//! half-way leaves no claim, so the file is taken again after the restart. A file whose claim
//! exists but which is still in the inbox (the replica died after its commit, before the move) is
//! moved where its upload says.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::catalog::Regions;
use crate::db::{DbConn, DbPool, access};
use crate::domain::Budget;
use crate::ingest::{self, InboxClaim, IngestError, UploadRequest};

/// What a look at the inbox saw of each file: size and modification time.
#[derive(Debug, Default)]
pub struct Watch {
    seen: HashMap<PathBuf, (u64, SystemTime)>,
}

fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.is_file() && !name.starts_with('.') && !name.starts_with("~$") && !name.ends_with(".part")
}

impl Watch {
    /// Files whose size and time held since the previous look, in name order.
    pub fn ready(&mut self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        let mut now: HashMap<PathBuf, (u64, SystemTime)> = HashMap::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if !is_candidate(&path) {
                continue;
            }
            if let Ok(meta) = path.metadata() {
                now.insert(path, (meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH)));
            }
        }
        let mut ready: Vec<PathBuf> =
            now.iter().filter(|(path, state)| self.seen.get(*path) == Some(state)).map(|(p, _)| p.clone()).collect();
        ready.sort();
        self.seen = now;
        Ok(ready)
    }
}

/// What happened to one inbox file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Outcome {
    Done(PathBuf),
    Failed(PathBuf),
    /// Another replica claimed it.
    Skipped,
}

/// Moves `path` into `dir`, keeping its name unless taken (then a time stamp is added).
fn move_into(path: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let mut target = dir.join(&name);
    if target.exists() {
        target = dir.join(format!("{}-{name}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.f")));
    }
    std::fs::rename(path, &target)?;
    Ok(target)
}

/// Takes one file: claim, ingest, move.
pub fn take(conn: &mut DbConn, path: &Path, regions: &Regions, replica: &str) -> anyhow::Result<Outcome> {
    let inbox = path.parent().unwrap_or(Path::new("."));
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        // Another replica moved it between our look and now.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Outcome::Skipped),
        Err(e) => return Err(e.into()),
    };

    let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let modified = path.metadata()?.modified()?.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let sha256 = ingest::sha256_hex(&bytes);
    let key = format!("{name}@{modified}");
    if let Some((upload_id, outcome)) = access::inbox_claim(conn, &key, &sha256)? {
        // Taken before, but never moved: the replica that took it stopped after its commit.
        tracing::warn!(file = %name, ?upload_id, "inbox file was taken before; moving it now");
        return finish_moved(path, inbox, outcome.as_deref() == Some("rejected"));
    }
    let request = UploadRequest {
        file_name: name.clone(),
        bytes,
        uploaded_by: "inbox".to_owned(),
        channel: "inbox".to_owned(),
        encoding: None,
        sheet: None,
        dry_run: false,
        inbox_claim: Some(InboxClaim { key, replica: replica.to_owned() }),
        allowed_indicators: None,
    };
    match ingest::ingest(conn, &request, regions, crate::now(), &Budget::unlimited()) {
        // Another replica may have taken the same file (it finds the figures already in) and
        // moved it first: then there is nothing left to move, and nothing to say.
        Ok(report) => {
            let outcome = finish_moved(path, inbox, false)?;
            if matches!(outcome, Outcome::Done(_)) {
                tracing::info!(file = %name, new = report.rows_new, revised = report.rows_revised, "inbox file ingested");
            }
            Ok(outcome)
        }
        Err(IngestError::Invalid { problems, upload_id }) => {
            let Outcome::Failed(moved) = finish_moved(path, inbox, true)? else { return Ok(Outcome::Skipped) };
            tracing::warn!(file = %name, problems = problems.total, "inbox file refused");
            let report = serde_json::json!({
                "file": name,
                "upload_id": upload_id,
                "error_count": problems.total,
                "errors": problems.errors,
                "summary": problems.summary,
            });
            let errors_path = PathBuf::from(format!("{}.errors.json", moved.display()));
            std::fs::write(errors_path, serde_json::to_vec_pretty(&report)?)?;
            Ok(Outcome::Failed(moved))
        }
        Err(IngestError::ClaimedElsewhere) => Ok(Outcome::Skipped),
        Err(e) => Err(e.into()),
    }
}

/// Moves a file whose upload is already recorded; another replica may have moved it first.
fn finish_moved(path: &Path, inbox: &Path, rejected: bool) -> anyhow::Result<Outcome> {
    let to = inbox.join(if rejected { "failed" } else { "done" });
    match move_into(path, &to) {
        Ok(moved) if rejected => Ok(Outcome::Failed(moved)),
        Ok(moved) => Ok(Outcome::Done(moved)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Outcome::Skipped),
        Err(e) => Err(e.into()),
    }
}

/// Watches `dir` until the server stops.
pub async fn run(dir: PathBuf, every: Duration, pool: DbPool, regions: Regions) {
    let replica = format!("{}-{}", std::process::id(), crate::now().and_utc().timestamp_micros());
    let mut watch = Watch::default();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        tracing::error!(dir = %dir.display(), error = %e, "cannot create the inbox");
        return;
    }
    tracing::info!(dir = %dir.display(), "watching the inbox");
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let ready = match watch.ready(&dir) {
            Ok(ready) => ready,
            Err(e) => {
                tracing::error!(dir = %dir.display(), error = %e, "cannot read the inbox");
                continue;
            }
        };
        for path in ready {
            let (pool, regions, replica) = (pool.clone(), regions.clone(), replica.clone());
            let shown = path.display().to_string();
            let result = tokio::task::spawn_blocking(move || {
                let mut conn = pool.get()?;
                take(&mut conn, &path, &regions, &replica)
            })
            .await;
            match result {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(file = %shown, error = %e, "inbox file could not be taken"),
                Err(e) => tracing::error!(file = %shown, error = %e, "inbox task failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_another_replica_moved_first_is_skipped_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("taken.csv");
        assert!(matches!(finish_moved(&gone, dir.path(), false), Ok(Outcome::Skipped)));
        assert!(matches!(finish_moved(&gone, dir.path(), true), Ok(Outcome::Skipped)));
        std::fs::write(&gone, "x").unwrap();
        assert!(matches!(finish_moved(&gone, dir.path(), false), Ok(Outcome::Done(_))));
    }

    #[test]
    fn a_file_is_ready_once_it_stops_growing_and_part_files_never_are() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("b.csv");
        std::fs::write(&file, "indicator,period,value\n").unwrap();
        std::fs::write(dir.path().join("a.csv.part"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden.csv"), "x").unwrap();
        let mut watch = Watch::default();
        assert!(watch.ready(dir.path()).unwrap().is_empty(), "first sight: not yet");
        std::fs::write(&file, "indicator,period,value\nopen-data-sets,2021,1\n").unwrap();
        assert!(watch.ready(dir.path()).unwrap().is_empty(), "still growing");
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        assert_eq!(watch.ready(dir.path()).unwrap(), vec![file.clone()], "stable for one look");
        assert_eq!(watch.ready(dir.path()).unwrap(), vec![dir.path().join("a.csv"), file], "name order");
    }
}
