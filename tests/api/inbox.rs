use std::path::Path;
use std::time::{Duration, Instant};

use crate::helpers::{Backend, TestDb, settings, spawn_app_configured};

/// Waits (bounded) until `check` holds.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn inbox_files_are_taken_in_order_and_moved_to_done_or_failed() {
    let inbox_root = tempfile::tempdir().unwrap();
    let inbox = inbox_root.path().join("inbox");
    let inbox_for_app = inbox.clone();
    let app = spawn_app_configured(&Backend::Sqlite, move |s| s.inbox_dir = Some(inbox_for_app)).await;
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("2021-good.csv"), "indicator,period,value\nopen-data-sets,2021-03,4400\n").unwrap();
    std::fs::write(inbox.join("2021-bad.csv"), "indicator,period,value\nopen-data-sets,2021-04,lots\n").unwrap();
    std::fs::write(inbox.join("2021-late.csv.part"), "indicator,period,value\n").unwrap();
    // A workbook, and the lock file Excel keeps beside a workbook it has open.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "指标").unwrap();
    sheet.write_string(0, 1, "2021年5月").unwrap();
    sheet.write_string(1, 0, "open-data-sets").unwrap();
    sheet.write_number(1, 1, 4500).unwrap();
    std::fs::write(inbox.join("2021-may.xlsx"), workbook.save_to_buffer().unwrap()).unwrap();
    std::fs::write(inbox.join("~$2021-may.xlsx"), "lock").unwrap();
    let done = inbox.join("done/2021-good.csv");
    let done_workbook = inbox.join("done/2021-may.xlsx");
    let failed = inbox.join("failed/2021-bad.csv");
    eventually("the files moved", || done.exists() && failed.exists() && done_workbook.exists()).await;
    assert!(inbox.join("~$2021-may.xlsx").exists(), "Excel's lock file is never taken");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inbox.join("failed/2021-bad.csv.errors.json")).unwrap()).unwrap();
    assert_eq!(report["errors"][0]["line"], 2);
    assert_eq!(report["errors"][0]["value"], "lots");
    assert!(inbox.join("2021-late.csv.part").exists(), "a .part file is never taken");
    let (_, actuals) = app.get_json("/api/v1/indicators/open-data-sets/actuals").await;
    assert!(actuals.as_array().unwrap().iter().any(|a| a["period"] == "2021-03" && a["value"] == 4400.0));
    assert!(actuals.as_array().unwrap().iter().any(|a| a["period"] == "2021-05" && a["value"] == 4500.0));
    let uploads = app.uploads().await;
    let inbox_uploads: Vec<_> = uploads.iter().filter(|u| u["channel"] == "inbox").collect();
    assert_eq!(inbox_uploads.len(), 3, "two committed, one rejected");
}

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn two_replicas_on_one_database_take_each_inbox_file_once() {
    for backend in crate::helpers::backends() {
        let db = TestDb::new(&backend);
        let inbox_root = tempfile::tempdir().unwrap();
        let inbox = inbox_root.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let mut replicas = Vec::new();
        for _ in 0..2 {
            let mut s = settings(&db, None);
            s.inbox_dir = Some(inbox.clone());
            s.inbox_poll_seconds = 0.1;
            let app = tokio::task::spawn_blocking(move || plantrack::Application::build(&s)).await.unwrap().unwrap();
            replicas.push(tokio::spawn(app.run_until_stopped()));
        }
        for i in 0..6 {
            let csv = format!("indicator,period,value\nopen-data-sets,2022-{:02},{}\n", i + 1, 5000 + i);
            std::fs::write(inbox.join(format!("f{i}.csv")), csv).unwrap();
        }
        let done = inbox.join("done");
        eventually("all six files done", || count(&done) == 6 && count(&inbox) == 1).await;
        let pool = plantrack::db::connect(&db.url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let commits = plantrack::db::access::audit_entries(&mut conn, 1000)
            .unwrap()
            .into_iter()
            .filter(|e| e.actor == "inbox" && e.action == "upload.commit")
            .count();
        assert_eq!(commits, 6, "{backend:?}: each file committed exactly once");
        for r in replicas {
            r.abort();
        }
    }
}
