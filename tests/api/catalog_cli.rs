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
        assert!(String::from_utf8_lossy(&out.stdout).contains("用法：plantrack"), "{args:?}");
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

#[test]
fn the_command_line_speaks_chinese_in_help_usage_and_errors() {
    // A locale that names no language (C.UTF-8, as on a server) is answered in Chinese too.
    for locale in ["zh_CN.UTF-8", "C.UTF-8"] {
        let out = plantrack(&["--help"], &[("LANG", locale)]);
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{help}");
        assert!(help.contains("用法：plantrack [选项] <命令>") && help.contains("载入实际数据文件"), "{help}");
        for english in ["Usage", "Options", "Commands", "Print help", "Load files"] {
            assert!(!help.contains(english), "{english} in {help}");
        }
    }
    let out = plantrack(&["help", "status"], &[]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("输出格式 [默认：table] [可选：table, json, csv]"), "{help}");

    let out = plantrack(&["status", "--as-of", "2020-13-01"], &[]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.starts_with("错误：选项 --as-of <AS_OF> 的值“2020-13-01”无效：应为 YYYY-MM-DD 形式的日期"), "{said}");
    assert!(!said.contains("error:") && !said.contains("For more information"), "{said}");

    let english = plantrack(&["--lang", "en", "status", "--as-of", "2020-13-01"], &[]);
    assert!(String::from_utf8_lossy(&english.stderr).contains("invalid value '2020-13-01' for '--as-of <AS_OF>'"));
    let english = plantrack(&["--help"], &[("LANG", "en_US.UTF-8")]);
    assert!(String::from_utf8_lossy(&english.stdout).contains("Usage: plantrack [OPTIONS] <COMMAND>"));
}

#[test]
fn what_the_system_says_of_a_file_is_said_in_chinese() {
    let out = plantrack(&["plan", "draft", "/nonexistent/plan.txt"], &[]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(said.trim(), "错误：无法读取 /nonexistent/plan.txt：文件或文件夹不存在", "{said}");

    let out = plantrack(
        &["token", "create", "--name", "a", "--role", "boss"],
        &[("PLANTRACK_DATABASE_URL", "sqlite::memory:")],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("没有角色“boss”：请用 viewer（查看）"), "{said}");
}

#[test]
fn a_settings_file_named_on_the_command_line_must_exist() {
    // A mistyped path once ran everything on the defaults (public reads, the default database).
    let out = plantrack(&["--config", "/nonexistent/plantrack.toml", "catalog", "stats"], &[]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(said.contains("无法读取设置文件 /nonexistent/plantrack.toml"), "{said}");
}

#[test]
fn output_cut_short_by_its_reader_ends_quietly() {
    use std::io::Read;
    let db = TestDb::new(&crate::helpers::Backend::Sqlite);
    let mut child = Command::new(env!("CARGO_BIN_EXE_plantrack"))
        .args(["catalog", "export", "--format", "json"])
        .current_dir(repo_root())
        .env("RUST_LOG", "warn")
        .env("PLANTRACK_DATABASE_URL", &db.url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -c 100`: read a little, then go away.
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!said.contains("panicked"), "{said}");
    assert_eq!(out.status.code(), Some(0), "{said}");
}

/// Mistakes an operator makes in setting the server up stop it before it serves, in Chinese:
/// an empty catalog folder (it would retire every plan), a data folder that cannot be written
/// (every kept report would fail later), a misspelt setting (reads left open) and a pool of no
/// connections.
#[test]
fn a_server_set_up_wrong_stops_before_serving_and_says_which_setting() {
    let db = TestDb::new(&crate::helpers::Backend::Sqlite);
    let empty = tempfile::tempdir().unwrap();
    let not_a_folder = db.dir.path().join("a-file");
    std::fs::write(&not_a_folder, "x").unwrap();
    let settings = db.dir.path().join("plantrack.toml");
    std::fs::write(&settings, "public_raed = false\n").unwrap();
    let data = db.dir.path().join("data");
    let data = data.to_str().unwrap();
    /// Arguments, settings in the environment, and what the error says.
    type Case<'a> = (&'a [&'a str], Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 4] = [
        (&["serve"], vec![("PLANTRACK_CATALOG_DIR", empty.path().to_str().unwrap())], "没有规划文件"),
        (&["serve"], vec![("PLANTRACK_DATA_DIR", not_a_folder.to_str().unwrap())], "无法写入"),
        (&["--config", settings.to_str().unwrap(), "serve"], vec![], "是否想写 public_read"),
        (&["serve"], vec![("PLANTRACK_POOL_SIZE", "0")], "pool_size"),
    ];
    for (args, mut envs, said) in cases {
        envs.extend([("PLANTRACK_DATABASE_URL", db.url.as_str()), ("PLANTRACK_BIND", "127.0.0.1:0")]);
        if !envs.iter().any(|(k, _)| *k == "PLANTRACK_DATA_DIR") {
            envs.push(("PLANTRACK_DATA_DIR", data));
        }
        let out = plantrack(args, &envs);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} {envs:?} served");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// One live token per name: replacing a token under its own name and then revoking "the old one"
/// by name would revoke both. A revoked name may be used again; the list shows departments.
#[test]
fn a_live_token_name_is_not_given_twice() {
    let db = TestDb::new(&crate::helpers::Backend::Sqlite);
    let env = [("PLANTRACK_DATABASE_URL", db.url.as_str())];
    let create = ["token", "create", "--name", "市数据局科员", "--role", "uploader", "--department", "data-bureau"];
    assert!(plantrack(&create, &env).status.success());
    let again = plantrack(&create, &env);
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success() && said.contains("已有名为“市数据局科员”的有效令牌"), "{said}");
    let list = plantrack(&["token", "list"], &env);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.contains("uploader\tdata-bureau\t"), "{listed}");
    assert!(plantrack(&["token", "revoke", "--name", "市数据局科员"], &env).status.success());
    assert!(plantrack(&create, &env).status.success(), "a revoked name is free again");
}

/// `plantrack backup` writes a consistent copy of the SQLite database that serves the same
/// figures; it never overwrites a file, and a PostgreSQL database is sent to pg_dump.
#[test]
fn a_backup_is_a_database_that_answers_as_the_original() {
    let db = TestDb::new(&crate::helpers::Backend::Sqlite);
    let env = [("PLANTRACK_DATABASE_URL", db.url.as_str())];
    assert!(plantrack(&["catalog", "check"], &env).status.success());
    let copy = db.dir.path().join("备份.db");
    let copy_path = copy.to_str().unwrap();
    let out = plantrack(&["backup", copy_path], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("已把数据库备份到"));
    let status = |url: &str| plantrack(&["status", "--format", "csv"], &[("PLANTRACK_DATABASE_URL", url)]).stdout;
    let copied_url = format!("sqlite://{copy_path}");
    assert_eq!(status(&db.url), status(&copied_url), "the copy answers as the original");
    let again = plantrack(&["backup", copy_path], &env);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("已存在"));
    if let Some(crate::helpers::Backend::Postgres(url)) = backends().into_iter().nth(1) {
        let pg = plantrack(&["backup", "x.db"], &[("PLANTRACK_DATABASE_URL", &url)]);
        assert!(!pg.status.success() && String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
    }
}

/// What an operator reads in the server's log: which database file it opened (a new one said
/// loudly: a mistyped path is an empty database), and each request it turned away or failed
/// with its method, path, status and client — a token refused at `warn`.
#[tokio::test]
async fn the_log_names_the_database_file_and_each_refused_request() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mistyped.sqlit");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_plantrack"))
        .arg("serve")
        .current_dir(repo_root())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("PLANTRACK_DATABASE_URL", format!("sqlite://{}", file.display()))
        .env("PLANTRACK_DATA_DIR", dir.path().join("data"))
        .env("PLANTRACK_BIND", format!("127.0.0.1:{port}"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let address = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while client.get(format!("{address}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "the server did not start");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let refused =
        client.post(format!("{address}/api/v1/uploads")).bearer_auth("not-a-token").body("x").send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let quoted = refused.headers()["x-request-id"].to_str().unwrap().to_owned();
    let missing = client.get(format!("{address}/api/v1/plans/no-such-plan?as_of=2020-01-01")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    terminate(&server);
    let mut log = String::new();
    server.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    server.wait().unwrap();
    let line = |has: &str| log.lines().find(|l| l.contains(has)).unwrap_or_default().to_owned();
    assert!(line("a new SQLite database was created").contains("mistyped.sqlit"), "{log}");
    let refused = line("request refused");
    assert!(refused.contains("WARN") && refused.contains("status=401"), "{log}");
    assert!(refused.contains("/api/v1/uploads") && refused.contains("127.0.0.1"), "{refused}");
    assert!(refused.contains(&format!("request_id=\"{quoted}\"")), "the id the client was given: {refused}");
    let failed = line("request failed");
    assert!(failed.contains("status=404") && failed.contains("/api/v1/plans/no-such-plan"), "{log}");
    assert!(!log.contains("not-a-token") && !log.contains("as_of=2020"), "no token, no query: {log}");
}

/// Stops the server as an operator's SIGTERM does.
fn terminate(server: &std::process::Child) {
    let stopped = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(stopped.success());
}
