use std::process::{Command, Output};

use crate::helpers::{TestDb, backends, copy_catalog, repo_root};

fn plantrack(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plantrack"));
    command.args(args).current_dir(repo_root()).env("RUST_LOG", "warn").env_remove("LC_ALL").env("LANG", "zh_CN.UTF-8");
    for (k, v) in envs {
        command.env(k, v);
    }
    command.output().expect("run plantrack")
}

#[test]
fn catalog_check_passes_on_the_shipped_catalog_and_syncs_it() {
    for backend in backends() {
        let db = TestDb::new(&backend);
        let out = plantrack(&["catalog", "check"], &[("PLANTRACK_DATABASE_URL", &db.url)]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("目录无误"), "{stdout}");
        assert!(stdout.contains("新增"), "{stdout}");
        let again = plantrack(&["--lang", "en", "catalog", "check"], &[("PLANTRACK_DATABASE_URL", &db.url)]);
        assert!(String::from_utf8_lossy(&again.stdout).contains("0 new, 0 updated, 0 retired"));
    }
}

#[test]
fn catalog_check_rejects_a_broken_quote_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = copy_catalog(dir.path());
    let file = catalog.join("smart-city-13th-fyp.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("quote = \"实际光纤入户率达到 70%\"", "quote = \"实际光纤入户率达到 75%\"", 1))
        .unwrap();
    let out = plantrack(&["catalog", "check", "--no-sync"], &[("PLANTRACK_CATALOG_DIR", catalog.to_str().unwrap())]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("smart-city-13th-fyp.toml"), "{stderr}");
    assert!(stderr.contains("实际光纤入户率达到 75%"), "{stderr}");
    assert!(stderr.contains("字段") && stderr.contains("614"), "in Chinese: {stderr}");
    let english = plantrack(
        &["catalog", "check", "--no-sync", "--lang", "en"],
        &[("PLANTRACK_CATALOG_DIR", catalog.to_str().unwrap())],
    );
    assert!(String::from_utf8_lossy(&english.stderr).contains("is not verbatim on line 614"));
}

#[test]
fn catalog_export_prints_every_target_as_json() {
    let db = TestDb::new(&crate::helpers::Backend::Sqlite);
    let out = plantrack(&["catalog", "export", "--format", "json"], &[("PLANTRACK_DATABASE_URL", &db.url)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let catalog: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = catalog["targets"].as_array().unwrap();
    assert!(targets.len() >= 400);
    assert!(targets.iter().any(|t| t["as_written"] == "≥ 70%" && t["indicator"] == "ftth-takeup-rate"));
    assert!(catalog["plans"].as_array().unwrap().iter().any(|p| p["doc_number"] == "沪府发〔2016〕80号"));
}

#[test]
fn every_command_explains_itself() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["catalog", "check", "--help"],
        vec!["catalog", "export", "--help"],
    ] {
        let out = plantrack(&args, &[]);
        assert!(out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"), "{args:?}");
    }
}

#[test]
fn migrate_creates_the_database_and_a_bad_url_is_a_clear_error() {
    let db = TestDb::new(&crate::helpers::Backend::Sqlite);
    let out = plantrack(&["migrate"], &[("PLANTRACK_DATABASE_URL", &db.url)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = plantrack(&["migrate"], &[("PLANTRACK_DATABASE_URL", "mysql://x")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no known scheme"));
}
