use plantrack::server::auth::Role;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, backends, spawn_app, spawn_app_configured};

async fn actuals(app: &TestApp, indicator: &str, history: bool) -> Vec<Value> {
    let (status, body) = app.get_json(&format!("/api/v1/indicators/{indicator}/actuals?history={history}")).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

fn rows_for(rows: &[Value], period: &str) -> Vec<Value> {
    rows.iter().filter(|r| r["period"] == period).cloned().collect()
}

#[tokio::test]
async fn writing_needs_an_uploader_token() {
    let app = spawn_app(&Backend::Sqlite).await;
    let csv = "indicator,period,value\nopen-data-sets,2021,4500\n";
    let response = app.client.post(format!("{}/api/v1/uploads", app.address)).body(csv).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, body) = app.upload("pt_not-a-token", "", csv).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (status, body) = app.upload(&app.token(Role::Viewer), "", csv).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let (status, body) = app.upload(&app.token(Role::Uploader), "", csv).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn a_gb18030_excel_export_with_chinese_names_and_headers_is_read() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let text = "指标,期间,数值,地区,备注\r\n实际光纤入户率,2018,\"６５．５％\",全市,年报\r\n\r\n政府数据开放数据集数量,2021-Q2,\"4,600\",全市,\r\n";
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        let (status, report) = app.upload(&app.token(Role::Uploader), "?name=年报.csv", gbk.into_owned()).await;
        assert_eq!(status, 201, "{report}");
        assert_eq!(report["encoding"], "gb18030");
        assert_eq!(report["rows_new"], 2);
        let ftth = actuals(&app, "ftth-takeup-rate", false).await;
        assert_eq!(rows_for(&ftth, "2018")[0]["value"], 65.5);
        assert_eq!(rows_for(&ftth, "2018")[0]["note"], "年报");
        let open = actuals(&app, "open-data-sets", false).await;
        assert_eq!(rows_for(&open, "2021-Q2")[0]["value"], 4600.0);
        assert_eq!(rows_for(&open, "2021-Q2")[0]["period_end"], "2021-06-30");
    }
}

#[tokio::test]
async fn a_utf8_file_with_a_byte_order_mark_and_tabs_is_read() {
    let app = spawn_app(&Backend::Sqlite).await;
    let body = "\u{feff}Indicator\tPeriod\tValue\nopen-data-sets\t2022-07\t5100\n";
    let (status, report) = app.upload(&app.token(Role::Uploader), "", body).await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(rows_for(&actuals(&app, "open-data-sets", false).await, "2022-07")[0]["value"], 5100.0);
}

#[tokio::test]
async fn a_file_with_three_bad_rows_lists_all_three_and_writes_nothing() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let before = actuals(&app, "open-data-sets", true).await.len();
        let csv = "indicator,period,value,region\n\
                   open-data-sets,2021,4500,全市\n\
                   open-data-set,2021,4500,全市\n\
                   ftth-takeup-rate,2020-13,65,全市\n\
                   ftth-takeup-rate,2019,abc,火星\n\
                   open-data-sets,2022,4800,\n";
        let (status, body) = app.upload(&app.token(Role::Uploader), "", csv).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "invalid_upload");
        let errors = body["error"]["details"]["errors"].as_array().unwrap();
        let located: Vec<(u64, &str)> =
            errors.iter().map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap())).collect();
        assert_eq!(located, vec![(3, "indicator"), (4, "period"), (5, "region"), (5, "value")], "{body}");
        assert!(errors[0]["reason"].as_str().unwrap().contains("did you mean open-data-sets"));
        assert_eq!(errors[0]["value"], "open-data-set");
        assert_eq!(errors[3]["value"], "abc");
        assert_eq!(actuals(&app, "open-data-sets", true).await.len(), before, "the good rows were not written either");
        let upload_id = body["error"]["details"]["upload_id"].as_i64().unwrap();
        let (_, upload) = app.get_json(&format!("/api/v1/uploads/{upload_id}")).await;
        assert_eq!(upload["outcome"], "rejected");
        assert_eq!(upload["error_count"], 4);
        // The problems quote the file's cells: the office's to read, like the raw bytes.
        let path = format!("/api/v1/uploads/{upload_id}/problems");
        assert_eq!(app.get(&path).await.status(), 401, "a visitor does not read a refused file's cells");
        let problems: serde_json::Value = app.get_as(&path, &app.token(Role::Viewer)).await.json().await.unwrap();
        assert_eq!(problems["errors"].as_array().unwrap().len(), 4);
        let summary = &upload["problem_summary"][0];
        assert!(
            summary["count"].as_u64().unwrap() > 0 && summary["reason_zh"] == "",
            "kinds and counts only: {upload}"
        );
        let page = app.get(&format!("/uploads/{upload_id}")).await.text().await.unwrap();
        assert!(!page.contains("open-data-set<") && !page.contains("火星"), "nor does the page show them");
        assert!(page.contains("登录后可见"), "it says where they are");
    }
}

#[tokio::test]
async fn every_bad_input_class_is_explained() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    // (csv, expected line, column, words in the reason)
    let cases: [(&str, u64, Option<&str>, &str); 12] = [
        ("indicator,value\nopen-data-sets,1\n", 1, None, "missing column(s) period"),
        ("indicator,period,value,colour\nopen-data-sets,2020,1,red\n", 1, Some("colour"), "unknown column"),
        ("indicator,period,value\nopen-data-sets,2099,1\n", 2, Some("period"), "has not begun"),
        ("indicator,period,value\nopen-data-sets,2020/13,1\n", 2, Some("period"), "is not a period"),
        ("indicator,period,value\nopen-data-sets,2020,NaN\n", 2, Some("value"), "NaN"),
        ("indicator,period,value\nopen-data-sets,2020,inf\n", 2, Some("value"), "infinite"),
        // Near f64's limit a figure overflows once summed over districts (and hung the chart).
        ("indicator,period,value\nopen-data-sets,2020,1.7e308\n", 2, Some("value"), "at most 10^15"),
        ("indicator,period,value,unit\nopen-data-sets,2020,2e12,万项\n", 2, Some("value"), "at most 10^15"),
        ("indicator,period,value\nopen-data-sets,2020,-5\n", 2, Some("value"), "negative"),
        ("indicator,period,value\nopen-data-sets,2020,70%\n", 2, Some("value"), "% sign"),
        (
            "indicator,period,value\nopen-data-sets,2020,1\nopen-data-sets,2020,2\n",
            3,
            Some("period"),
            "duplicate: line 2",
        ),
        ("indicator,period,value\n", 0, None, "no data rows"),
    ];
    for (csv, line, column, reason) in cases {
        let (status, body) = app.upload(&token, "", csv).await;
        assert_eq!(status, 422, "{csv}: {body}");
        let errors = body["error"]["details"]["errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|e| e["line"].as_u64() == Some(line)
                && e["column"].as_str() == column
                && e["reason"].as_str().unwrap().contains(reason)),
            "{csv}: expected line {line} {column:?} «{reason}» in {body}"
        );
    }
    // A milestone's state in other words is answered with the words it takes.
    let (status, body) =
        app.upload(&token, "", "indicator,period,value\naigs-remote-window-platform,2025,基本完成\n").await;
    assert_eq!(status, 422, "{body}");
    let said = body["error"]["details"]["errors"][0]["reason_zh"].as_str().unwrap().to_owned();
    assert!(said.contains("里程碑请填写“完成”“未完成”或完成百分比"), "{body}");
    // In Chinese the indicator is named by its name, not its slug.
    let twice = "indicator,period,value\nopen-data-sets,2020,1\nopen-data-sets,2020,2\n";
    let (_, body) = app.upload(&token, "", twice).await;
    let said = body["error"]["details"]["errors"][0]["reason_zh"].as_str().unwrap().to_owned();
    assert_eq!(said, "重复：第 2 行已给出“政府数据开放数据集数量”在全市 2020 的数值", "{body}");
    let (gbk, _, _) = encoding_rs::GB18030.encode("指标,期间,数值\n实际光纤入户率,2018,60\n");
    let (status, body) = app.upload(&token, "?encoding=utf-8", gbk.into_owned()).await;
    assert_eq!(status, 422);
    assert!(body["error"]["details"]["errors"][0]["reason"].as_str().unwrap().contains("not valid UTF-8"));
    let (status, body) = app.upload(&token, "?encoding=latin1", "x").await;
    assert_eq!((status, body["error"]["details"]["parameter"].as_str()), (400, Some("encoding")));
}

#[tokio::test]
async fn a_dry_run_reports_new_revised_and_unchanged_and_writes_nothing() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    // The seed has open-data-sets 2020 = 4000 and 2015 = 800.
    let csv = "indicator,period,value\nopen-data-sets,2020,4100\nopen-data-sets,2015,800\nopen-data-sets,2021,4500\n";
    let before = actuals(&app, "open-data-sets", true).await;
    let (status, report) = app.upload(&token, "?dry_run=true", csv).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["rows_new"].as_u64(), report["rows_revised"].as_u64(), report["rows_unchanged"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    let revised = report["changes"].as_array().unwrap().iter().find(|c| c["change"] == "revised").unwrap().clone();
    assert_eq!((revised["old_value"].as_f64(), revised["value"].as_f64()), (Some(4000.0), Some(4100.0)));
    assert_eq!(report["upload_id"], Value::Null);
    assert_eq!(actuals(&app, "open-data-sets", true).await, before, "a dry run writes nothing");
}

#[tokio::test]
async fn a_revision_supersedes_and_history_keeps_the_old_value() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let first = "indicator,period,value,source\nopen-data-sets,2021,4500,first report\n";
        let (status, one) = app.upload(&token, "?name=first.csv", first).await;
        assert_eq!(status, 201);
        let (status, two) =
            app.upload(&token, "?name=second.csv", "indicator,period,value\nopen-data-sets,2021,4700\n").await;
        assert_eq!(status, 201);
        assert_eq!(two["rows_revised"], 1);
        let current = rows_for(&actuals(&app, "open-data-sets", false).await, "2021");
        assert_eq!(current.len(), 1);
        assert_eq!(current[0]["value"], 4700.0);
        let history = rows_for(&actuals(&app, "open-data-sets", true).await, "2021");
        assert_eq!(history.len(), 2);
        let old = history.iter().find(|r| r["value"] == 4500.0).unwrap();
        assert!(old["superseded_at"].is_string());
        assert_eq!(old["upload_id"], one["upload_id"]);
        // The same bytes again, sent to undo the second upload, put the first figure back: a
        // file is checked against the figures as they are now, not by its fingerprint.
        let (status, preview) = app.upload(&token, "?dry_run=true", first).await;
        assert_eq!((status, &preview["rows_revised"], &preview["duplicate"]), (200, &1.into(), &false.into()));
        let (status, undone) = app.upload(&token, "?name=first-again.csv", first).await;
        assert_eq!(
            (status, &undone["rows_revised"], &undone["duplicate"]),
            (201, &1.into(), &false.into()),
            "{undone}"
        );
        assert_eq!(rows_for(&actuals(&app, "open-data-sets", false).await, "2021")[0]["value"], 4500.0);
        assert_eq!(rows_for(&actuals(&app, "open-data-sets", true).await, "2021").len(), 3);
        // Sent once more, it changes nothing and answers with the upload that last brought it.
        let (status, again) = app.upload(&token, "?name=first-again.csv", first).await;
        assert_eq!(status, 200);
        assert_eq!((again["duplicate"].as_bool(), &again["upload_id"]), (Some(true), &undone["upload_id"]));
        assert_eq!(rows_for(&actuals(&app, "open-data-sets", true).await, "2021").len(), 3);
        // The raw bytes are kept exactly.
        let raw = app.get_as(&format!("/api/v1/uploads/{}/raw", one["upload_id"]), &token).await.bytes().await.unwrap();
        assert_eq!(&raw[..], first.as_bytes());
    }
}

#[tokio::test]
async fn multipart_uploads_and_the_upload_list() {
    let app = spawn_app(&Backend::Sqlite).await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes("指标,期间,数值\nopen-data-sets,2023,5200\n".as_bytes().to_vec())
            .file_name("月报.csv"),
    );
    let response = app
        .client
        .post(format!("{}/api/v1/uploads", app.address))
        .bearer_auth(app.token(Role::Uploader))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let uploads = app.uploads().await;
    let newest = &uploads[0];
    assert_eq!(newest["file_name"], "月报.csv");
    assert_eq!(newest["uploaded_by"], "test-uploader");
    assert_eq!(newest["channel"], "http");
    assert_eq!(newest["outcome"], "committed");
    assert_eq!(newest["sha256"].as_str().unwrap().len(), 64);
    assert!(uploads.iter().any(|u| u["channel"] == "seed"));
    let (status, body) = app.get_json("/api/v1/uploads/999999").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_with_the_envelope() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.upload_limit_bytes = 1000).await;
    let big = format!("indicator,period,value\n{}", "open-data-sets,2021,4500\n".repeat(100));
    let (status, body) = app.upload(&app.token(Role::Uploader), "", big).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(body["error"]["details"]["limit_bytes"], 1000);
}

#[tokio::test]
async fn eight_clients_uploading_at_once_all_commit() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let uploads = (0..8).map(|i| {
            let csv = format!(
                "indicator,period,value\nopen-data-sets,{}-{:02},{}\nftth-takeup-rate,{}-{:02},{}\n",
                2016 + i,
                i + 1,
                1000 + i,
                2016 + i,
                i + 1,
                55 + i
            );
            app.upload(&token, "", csv)
        });
        let results = futures_util::future::join_all(uploads).await;
        for (status, body) in &results {
            assert_eq!(*status, 201, "{backend:?}: {body}");
        }
        let monthly = actuals(&app, "open-data-sets", false).await;
        assert_eq!(monthly.iter().filter(|r| r["period"].as_str().unwrap().len() == 7).count(), 8);
    }
}

#[tokio::test]
async fn with_public_read_off_reads_need_a_viewer_token() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.public_read = false).await;
    let (status, body) = app.get_json("/api/v1/plans").await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    let response = app
        .client
        .get(format!("{}/api/v1/plans", app.address))
        .bearer_auth(app.token(Role::Viewer))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200, "health stays public");
    assert_eq!(app.get("/charts/plans/smart-city-13th-fyp.svg").await.status(), 401, "charts are data too");
}

#[tokio::test]
async fn every_write_lands_in_the_audit_log() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    app.upload(&token, "", "indicator,period,value\nopen-data-sets,2021,4500\n").await;
    app.upload(&token, "", "indicator,period,value\nnope,2021,1\n").await;
    let pool = plantrack::db::connect(&app.db_url, 1).unwrap();
    let entries = plantrack::db::access::audit_entries(&mut pool.get().unwrap(), 100).unwrap();
    let actions: Vec<(&str, &str)> = entries.iter().map(|e| (e.actor.as_str(), e.action.as_str())).collect();
    for expected in [
        ("test-uploader", "upload.commit"),
        ("test-uploader", "upload.reject"),
        ("cli", "token.create"),
        ("seed", "upload.commit"),
        ("catalog", "catalog.sync"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} not in {actions:?}");
    }
}

#[test]
fn actuals_of_a_missing_indicator_or_upload_are_refused() {
    use diesel::result::{DatabaseErrorKind, Error};
    use plantrack::db::actuals::{NewActual, insert_actuals};
    for backend in backends() {
        let db = crate::helpers::TestDb::new(&backend);
        let (pool, _, _) = plantrack::prepare_database(&crate::helpers::settings(&db, None)).unwrap();
        let mut conn = pool.get().unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap();
        let row = |indicator| NewActual(indicator, "全市", "1999".to_owned(), date, 1.0, None, None);
        let known = plantrack::db::queries::indicator_by_slug(&mut conn, "ftth-takeup-rate").unwrap().unwrap().id;
        for (upload, rows) in [(None, vec![row(known), row(999_999)]), (Some(999_999), vec![row(known)])] {
            let refused = insert_actuals(&mut conn, upload, plantrack::now(), &rows);
            assert!(
                matches!(refused, Err(Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _))),
                "{backend:?} upload {upload:?}: {refused:?}"
            );
        }
    }
}

/// (line, code) of each figure of an upload's answer that carries a doubt.
fn doubts(body: &serde_json::Value) -> Vec<(u64, &str)> {
    body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["doubt"].is_null())
        .map(|c| (c["line"].as_u64().unwrap(), c["doubt"]["code"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_percentage_typed_as_a_fraction_or_a_hundredfold_revision_is_flagged_for_a_second_look() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    // 实际光纤入户率 is in %: 0.401 is most likely 40.1 % typed as Excel shows a fraction.
    let csv = "indicator,period,value\nftth-takeup-rate,2021,0.401\nftth-takeup-rate,2022,40.5%\nftth-takeup-rate,2023,1.5%\n";
    let (status, body) = app.upload(&token, "?dry_run=true", csv).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows_doubtful"], 1, "{body}");
    let doubts = doubts(&body);
    assert_eq!(doubts, [(2, "fraction_of_percent")], "a % sign says what was meant: {body}");
    let doubt = &body["changes"][0]["doubt"];
    assert!(doubt["reason_zh"].as_str().unwrap().contains("如应为 40.1%"), "{doubt}");

    // Written all the same when committed; a revision a hundred times off is flagged too.
    assert_eq!(app.upload(&token, "", "indicator,period,value\nftth-takeup-rate,2021,40.1\n").await.0, 201);
    let (status, body) =
        app.upload(&token, "?dry_run=true", "indicator,period,value\nftth-takeup-rate,2021,4010\n").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changes"][0]["doubt"]["code"], "hundredfold_revision", "{body}");
    let (_, fine) = app.upload(&token, "?dry_run=true", "indicator,period,value\nftth-takeup-rate,2021,41.3\n").await;
    assert_eq!((fine["rows_revised"].as_u64(), fine["rows_doubtful"].as_u64()), (Some(1), Some(0)), "{fine}");

    // The command line says so too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("月报.csv");
    std::fs::write(&file, csv).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plantrack"))
        .args(["ingest", "--dry-run", file.to_str().unwrap()])
        .env("PLANTRACK_DATABASE_URL", &app.db_url)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("1 个数值请核对") && said.contains("第 2 行"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_clerks_total_row_is_named_as_such_and_more_value_headers_are_read() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let sheet = "指标,期间,指标值\n政府数据开放数据集数量,2021,4500\n合 计,,4500\n";
    let (status, body) = app.upload(&token, "?dry_run=true", sheet).await;
    assert_eq!(status, 422, "{body}");
    let errors = body["error"]["details"]["errors"].as_array().unwrap();
    let total = errors.iter().find(|e| e["column"] == "indicator").expect("the total row's indicator");
    assert_eq!((total["line"].as_u64(), total["code"].as_str()), (Some(3), Some("total_row")), "{body}");
    assert!(total["reason_zh"].as_str().unwrap().starts_with("合计行不是一项指标的数据：请删除此行"), "{body}");
    assert_eq!(errors.len(), 1, "the total row's empty period is not a second problem: {body}");
    // Without it the same sheet is taken: 指标值 is the value column.
    let (status, body) =
        app.upload(&token, "?dry_run=true", "指标,期间,指标值\n政府数据开放数据集数量,2021,4500\n").await;
    assert_eq!((status, body["rows_total"].as_u64()), (200, Some(1)), "{body}");
    // An unknown name points the clerk to the department's template, not to an API address.
    let (_, body) = app.upload(&token, "?dry_run=true", "指标,期间,数值\nxyzzy,2021,1\n").await;
    let said = body["error"]["details"]["errors"][0]["reason_zh"].as_str().unwrap().to_owned();
    assert!(said.contains("报送模板") && !said.contains("/api/"), "{said}");
}

#[tokio::test]
async fn figures_that_pass_but_look_wrong_to_a_planner_are_flagged_too() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    assert_eq!(app.upload(&token, "", "indicator,period,value\nftth-takeup-rate,2021,40.1\n").await.0, 201);
    // 150 % of households, 12.5 enterprises, a new year's figure a hundred times the last one.
    let csv = "indicator,period,value\n\
               ftth-takeup-rate,2023,150\n\
               big-data-key-enterprises,2019,12.5\n\
               ftth-takeup-rate,2022,4120\n";
    let (status, body) = app.upload(&token, "?dry_run=true", csv).await;
    assert_eq!(status, 200, "{body}");
    let doubts = doubts(&body);
    assert_eq!(doubts, [(2, "percent_over_100"), (3, "fractional_count"), (4, "hundredfold_jump")], "{body}");
    let jump = body["changes"].as_array().unwrap().iter().find(|c| c["line"] == 4).unwrap();
    assert!(jump["doubt"]["reason_zh"].as_str().unwrap().contains("上一期数值（40.1）"), "{jump}");
    // A plausible next figure is not.
    let (_, fine) = app.upload(&token, "?dry_run=true", "indicator,period,value\nftth-takeup-rate,2022,41.2\n").await;
    assert_eq!(fine["rows_doubtful"], 0, "{fine}");
}

#[tokio::test]
async fn a_count_written_in_ge_is_a_count_of_whatever_the_indicator_counts() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    // 个 is the classifier of any count: 12个 enterprises are the 12家 the indicator counts.
    let csv = "指标,期间,单位,数值\n大数据重点(龙头)企业数量,2019,个,12\n";
    let (status, body) = app.upload(&token, "?dry_run=true", csv).await;
    assert_eq!(status, 200, "{body}");
    // Another thing counted is refused: 12人 are no enterprises.
    let csv = "指标,期间,单位,数值\n大数据重点(龙头)企业数量,2019,人,12\n";
    let (status, body) = app.upload(&token, "?dry_run=true", csv).await;
    assert_eq!(
        (status, body["error"]["details"]["errors"][0]["code"].as_str()),
        (422, Some("unit_mismatch")),
        "{body}"
    );
}

/// 煤炭消费量（煤炭消费总量）: a clerk names it by either name, as the department's page lists it;
/// a bracket several names share (…（累计）) names none of them.
#[tokio::test]
async fn an_indicator_goes_by_either_name_its_brackets_give() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let csv = "指标,期间,数值\n煤炭消费总量,2022,4000\n煤炭消费量,2023,3950\n煤炭消费量（煤炭消费总量）,2024,3900\n";
    let (status, body) = app.upload(&token, "?dry_run=true", csv).await;
    assert_eq!(status, 200, "{body}");
    let named: Vec<&str> =
        body["changes"].as_array().unwrap().iter().map(|c| c["indicator_name"].as_str().unwrap()).collect();
    assert_eq!(named, ["煤炭消费量（煤炭消费总量）"; 3], "{body}");
    let (status, body) = app.upload(&token, "?dry_run=true", "指标,期间,数值\n累计,2022,5\n").await;
    assert_eq!(status, 422, "{body}");
}

/// The original file sent again after a correction (a second clerk forwarding the first e-mail)
/// would put back the figures corrected since: each is flagged, with when it was corrected.
#[tokio::test]
async fn a_file_that_would_undo_a_correction_is_flagged() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let original = "indicator,period,value\nopen-data-sets,2021,4500\nopen-data-sets,2022,4800\n";
        assert_eq!(app.upload(&token, "", original).await.0, 201);
        let corrected = "indicator,period,value\nopen-data-sets,2021,4550\n";
        assert_eq!(app.upload(&token, "", corrected).await.0, 201);
        let (status, body) = app.upload(&token, "?dry_run=true", original).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(doubts(&body), [(2, "reverts_a_correction")], "{body}");
        let said = body["changes"][0]["doubt"]["reason_zh"].as_str().unwrap();
        assert!(said.starts_with("把 4550 改回 4500：4500 已于 ") && said.contains("被更正"), "{said}");
        // A revision to a figure never stored before is an ordinary one.
        let (_, fresh) =
            app.upload(&token, "?dry_run=true", "indicator,period,value\nopen-data-sets,2021,4560\n").await;
        assert_eq!(fresh["rows_doubtful"], 0, "{fresh}");
    }
}

/// "Today" for a figure's period is the office's day: at 02:00 in Beijing (18:00 UTC the day
/// before) a figure for the Beijing day is taken, one for the next day is not yet.
#[tokio::test]
async fn a_period_is_checked_against_the_offices_today_not_utcs() {
    let app = spawn_app(&Backend::Sqlite).await;
    let utc_evening = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap().and_hms_opt(18, 0, 0).unwrap();
    let dry_run = |period: &str| {
        app.ingest_at(&format!("indicator,period,value\nopen-data-sets,{period},1\n"), utc_evening, true)
    };
    let beijing_today = dry_run("2026-12-08");
    assert!(beijing_today.is_ok(), "{:?}", beijing_today.err());
    let tomorrow = dry_run("2026-12-09");
    let Err(plantrack::ingest::IngestError::Invalid { problems, .. }) = tomorrow else { panic!("{tomorrow:?}") };
    assert!(problems.errors[0].reason.contains("today is 2026-12-08"), "{:?}", problems.errors);
}

/// A figure written -0 is 0 on both databases (PostgreSQL kept the sign, SQLite did not).
#[tokio::test]
async fn minus_zero_is_stored_as_zero_on_every_database() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let csv = "indicator,period,value\nbig-data-industry-bases,2019,-0\n";
        let (status, body) = app.upload(&app.token(Role::Uploader), "", csv).await;
        assert_eq!(status, 201, "{body}");
        let rows = actuals(&app, "big-data-industry-bases", false).await;
        let value = &rows_for(&rows, "2019")[0]["value"];
        assert_eq!(value.to_string(), "0.0", "{backend:?}: {value}");
    }
}
