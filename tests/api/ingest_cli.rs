use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::helpers::{Backend, TestDb, repo_root};

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

fn cli_rows(url: &str) -> i64 {
    use plantrack::db::schema::{actuals, uploads};
    let pool = plantrack::db::connect(url, 1).expect("the database opens");
    let mut conn = pool.get().unwrap();
    actuals::table.inner_join(uploads::table).filter(uploads::channel.eq("cli")).count().get_result(&mut conn).unwrap()
}

#[test]
fn the_cli_prints_every_problem_and_exits_non_zero() {
    let db = TestDb::new(&Backend::Sqlite);
    let bad = db.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "指标,期间,数值\nopen-data-sets,2021,4500\nopen-data-set,2021,1\nftth-takeup-rate,2021-13,60\n",
    )
    .unwrap();
    let out = plantrack(&db).arg("ingest").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("open-data-set") && stderr.contains("2021-13"), "{stderr}");
    assert!(stderr.contains("2 处问题，未写入任何数据"), "{stderr}");
    assert!(stderr.contains("原因") && !stderr.contains("reason"), "a Chinese table: {stderr}");
    let english = plantrack(&db).args(["--lang", "en", "ingest"]).arg(&bad).output().unwrap();
    assert!(String::from_utf8_lossy(&english.stderr).contains("2 problem(s); nothing was written"));
    let locale = plantrack(&db).env("LANG", "en_GB.UTF-8").arg("ingest").arg(&bad).output().unwrap();
    assert!(String::from_utf8_lossy(&locale.stderr).contains("2 problem(s); nothing was written"), "LANG decides");
    assert_eq!(cli_rows(&db.url), 0);

    let good = db.dir.path().join("good.csv");
    std::fs::write(&good, "indicator,period,value\nopen-data-sets,2021,4500\n").unwrap();
    let out = plantrack(&db).args(["ingest", "--dry-run"]).arg(&good).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("将新增 1"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(cli_rows(&db.url), 0, "a dry run writes nothing");
    let out = plantrack(&db).arg("ingest").arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(cli_rows(&db.url), 1);
}

/// A million rows, killed with SIGKILL while the write transaction is under way: afterwards
/// the database opens cleanly and holds all of the file or none of it.
#[test]
fn kill_9_in_the_middle_of_a_million_rows_leaves_all_or_nothing() {
    let db = TestDb::new(&Backend::Sqlite);
    let big = db.dir.path().join("million.csv");
    let generated = Command::new("python3")
        .arg(repo_root().join("bench/gen_actuals.py"))
        .arg("1000000")
        .arg(&big)
        .status()
        .expect("python3 runs the generator");
    assert!(generated.success());
    // Migrate and load the seed first, so the WAL growth below is the big transaction's.
    assert!(plantrack(&db).arg("migrate").status().unwrap().success());
    assert!(plantrack(&db).args(["catalog", "check"]).stdout(Stdio::null()).status().unwrap().success());
    let wal = db.dir.path().join("plantrack.db-wal");
    let base_wal = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);

    let mut child = plantrack(&db).arg("ingest").arg(&big).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    loop {
        let grown = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > base_wal + 8 * 1024 * 1024;
        if grown {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the ingest ended before it could be interrupted");
        assert!(start.elapsed() < Duration::from_secs(300), "the write transaction never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(child.try_wait().unwrap().is_none(), "still running when killed");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let pool = plantrack::db::connect(&db.url, 1).expect("the database opens after the kill");
    let mut conn = pool.get().unwrap();
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let check: Check = diesel::sql_query("PRAGMA integrity_check").get_result(&mut conn).unwrap();
    assert_eq!(check.integrity_check, "ok");
    let rows = cli_rows(&db.url);
    assert!(rows == 0 || rows == 1_000_000, "{rows} rows: half-written");
}
