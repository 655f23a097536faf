//! Departments and reporting duties over HTTP: completeness, overdue against awaiting, duties an
//! administrator sets, uploads limited to a department, templates, the department filter, and
//! reminders posted to a real receiver.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Datelike;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestDb, backends, spawn_app, spawn_on};
use plantrack::config::{Webhook, WebhookFormat};
use plantrack::server::auth::Role;

/// 市数据局: the lead owner of eight milestones due by the end of 2025 (figures due 2026-03-31).
const DATA_BUREAU: &str = "data-bureau";
const ITS_INDICATOR: &str = "aigs-remote-window-platform";

impl TestApp {
    pub(crate) fn department_token(&self, department: &str) -> String {
        let pool = plantrack::db::connect(&self.db_url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        plantrack::server::auth::create_token(&mut conn, "科员", Role::Uploader, Some(department), plantrack::now())
            .unwrap()
    }

    async fn put_duty(&self, token: Option<&str>, indicator: &str, body: Value) -> (u16, Value) {
        let mut request = self.client.put(format!("{}/api/v1/indicators/{indicator}/duty", self.address)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

fn statuses(body: &Value) -> Vec<(String, u64)> {
    body["status_counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["count"].as_u64().unwrap() > 0)
        .map(|s| (s["status"].as_str().unwrap().to_owned(), s["count"].as_u64().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_department_sees_what_it_owes_before_and_after_the_due_date() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        // A month before the figures for 2025 are due: nothing is late, all eight fall due soon.
        let (status, before) = app.get_json(&format!("/api/v1/departments/{DATA_BUREAU}?as_of=2026-03-01")).await;
        assert_eq!(status, 200, "{before}");
        assert_eq!(before["name"], "市数据局");
        assert_eq!(before["completeness"], json!({"due": 0, "on_time": 0, "late": 0, "missing": 0}));
        assert_eq!(before["overdue_figures"].as_array().unwrap().len(), 0);
        assert_eq!(before["upcoming"].as_array().unwrap().len(), 8, "{}", before["upcoming"]);
        assert_eq!(statuses(&before), [("awaiting".to_owned(), 17)]);
        // Two months after: eight figures overdue, their targets 逾期未报 — not missed.
        let (_, after) = app.get_json(&format!("/api/v1/departments/{DATA_BUREAU}?as_of=2026-06-01")).await;
        assert_eq!(after["completeness"], json!({"due": 8, "on_time": 0, "late": 0, "missing": 8}));
        assert_eq!(after["reporting_rate"], 0.0);
        assert_eq!(statuses(&after), [("overdue".to_owned(), 8), ("awaiting".to_owned(), 9)]);
        let first = &after["overdue_figures"][0];
        assert_eq!(first["due_on"], "2026-03-31");
        assert_eq!(first["arrival"], "missing");
        assert_eq!(first["reporter"], DATA_BUREAU);
        let (_, target) = app.get_json(&format!("/api/v1/targets/{ITS_INDICATOR}?as_of=2026-06-01")).await;
        assert_eq!(target["progress"]["status"], "overdue", "{target}");
        assert_eq!(target["owners"][0], DATA_BUREAU);

        // The figure comes in late: counted as received, late; the target judged on it.
        let admin = app.token(Role::Admin);
        let (status, body) =
            app.upload(&admin, "", format!("indicator,period,value\n{ITS_INDICATOR},2025,完成\n")).await;
        assert_eq!(status, 201, "{body}");
        let (_, now) = app.get_json(&format!("/api/v1/departments/{DATA_BUREAU}")).await;
        assert_eq!(now["completeness"]["late"], 1, "{}", now["completeness"]);
        assert_eq!(now["completeness"]["missing"], 7);
        assert!(now["uploads"].as_array().unwrap().iter().any(|u| u["id"] == body["upload_id"]), "{now}");
        // As known on 2026-06-01 it had not come.
        let (_, then) = app.get_json(&format!("/api/v1/departments/{DATA_BUREAU}?known_at=2026-06-01")).await;
        assert_eq!(then["completeness"]["missing"], 8);
        assert_eq!((&then["known_at"], &now["known_at"]), (&json!("2026-06-01"), &Value::Null), "the view says so");
        let (_, plan) = app.get_json("/api/v1/plans/ai-gov-services-2025?known_at=2026-06-01").await;
        assert_eq!(plan["known_at"], "2026-06-01", "{plan}");
        // Before its due date it was owed by nobody yet: not counted late there, still to come.
        let (_, early) = app.get_json(&format!("/api/v1/departments/{DATA_BUREAU}?as_of=2026-03-01")).await;
        assert_eq!(early["completeness"], json!({"due": 0, "on_time": 0, "late": 0, "missing": 0}), "{early}");
        assert_eq!(early["upcoming"].as_array().unwrap().len(), 8, "{}", early["upcoming"]);

        // Every department with targets is listed; one that does not exist is a 404.
        let (_, all) = app.get_json("/api/v1/departments?as_of=2026-06-01&known_at=2026-06-01").await;
        let all = all.as_array().unwrap();
        assert!(all.len() > 50, "{} departments", all.len());
        assert!(all.iter().any(|d| d["slug"] == DATA_BUREAU && d["overdue"] == 8));
        // Viewed as of that day with what is known now, the figure came — late — as the target
        // judged on it beside it says: no longer owed.
        let (_, all) = app.get_json("/api/v1/departments?as_of=2026-06-01").await;
        let bureau = all.as_array().unwrap().iter().find(|d| d["slug"] == DATA_BUREAU).cloned().unwrap();
        assert_eq!(
            (&bureau["overdue"], &bureau["completeness"]["late"]),
            (&serde_json::json!(7), &serde_json::json!(1)),
            "{bureau}"
        );
        assert_eq!(app.get_json("/api/v1/departments/no-such-office").await.0, 404);
        assert_eq!(app.get_json("/api/v1/departments?as_of=2026-13-01").await.0, 400);

        // A plan's completeness sums its figures (as known that day: none had come).
        let (_, plan) = app.get_json("/api/v1/plans/ai-gov-services-2025?as_of=2026-06-01&known_at=2026-06-01").await;
        let completeness = &plan["completeness"];
        assert!(completeness["missing"].as_u64().unwrap() >= 8, "{completeness}");
        assert_eq!(completeness["due"], completeness["missing"]);
    }
}

#[tokio::test]
async fn an_administrator_sets_a_reporting_duty_and_nobody_else_can() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let admin = app.token(Role::Admin);
        let uploader = app.token(Role::Uploader);
        let quarterly = json!({"frequency": "quarterly", "due_days": 15, "reporter": "ndrc"});
        assert_eq!(app.put_duty(None, ITS_INDICATOR, quarterly.clone()).await.0, 401);
        let (status, body) = app.put_duty(Some(&uploader), ITS_INDICATOR, quarterly.clone()).await;
        assert_eq!(status, 403, "{body}");
        for (bad, field) in [
            (json!({"frequency": "weekly", "due_days": 15}), "frequency"),
            (json!({"frequency": "annual", "due_days": 999}), "due_days"),
            (json!({"frequency": "annual", "due_days": 30, "reporter": "no-such-office"}), "reporter"),
        ] {
            let (status, body) = app.put_duty(Some(&admin), ITS_INDICATOR, bad).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(body["error"]["details"]["field"], field, "{body}");
            assert!(!body["error"]["message_en"].to_string().contains("query parameter"), "a body's field: {body}");
            assert!(body["error"]["message"].as_str().unwrap().chars().any(|c| c > '\u{2e80}'), "{body}");
        }
        assert_eq!(app.put_duty(Some(&admin), "no-such-indicator", quarterly.clone()).await.0, 404);
        let (_, unchanged) = app.get_json(&format!("/api/v1/indicators/{ITS_INDICATOR}")).await;
        assert_eq!(unchanged["duty"]["frequency"], "annual", "nothing was written: {unchanged}");

        let (status, duty) = app.put_duty(Some(&admin), ITS_INDICATOR, quarterly.clone()).await;
        assert_eq!(status, 200, "{duty}");
        // The same duty set again is kept once; one left without a reporter answers with the
        // lead owner who reports it.
        assert_eq!(app.put_duty(Some(&admin), ITS_INDICATOR, quarterly).await.0, 200);
        let pool = plantrack::db::connect(&app.db_url, 1).unwrap();
        let kept = plantrack::db::queries::duty_changes(&mut pool.get().unwrap()).unwrap();
        assert_eq!(kept.len(), 1, "{kept:?}");

        let (_, indicator) = app.get_json(&format!("/api/v1/indicators/{ITS_INDICATOR}")).await;
        assert_eq!(indicator["duty"], json!({"frequency": "quarterly", "due_days": 15, "reporter": "ndrc"}));
        // The figures are now quarterly, due 15 days after each quarter, and owed by 市发展改革委.
        let (_, ndrc) = app.get_json("/api/v1/departments/ndrc?as_of=2026-06-01").await;
        let owed: Vec<&Value> =
            ndrc["overdue_figures"].as_array().unwrap().iter().filter(|f| f["indicator"] == ITS_INDICATOR).collect();
        // A milestone owes one figure: its completion, for the quarter of its deadline.
        assert_eq!(owed.len(), 1, "{owed:?}");
        assert_eq!((&owed[0]["period"], &owed[0]["due_on"]), (&json!("2025-Q4"), &json!("2026-01-15")));
        let (_, bureau) = app.get_json(&format!("/api/v1/departments/{DATA_BUREAU}?as_of=2026-06-01")).await;
        assert_eq!(bureau["completeness"]["missing"], 7, "the bureau no longer owes it");

        // As known the day before, the duty was the catalog's: a view made then is made again
        // as it was — the bureau owed the yearly figure, 市发展改革委 nothing of it.
        let yesterday = plantrack::clock::today().pred_opt().unwrap();
        let then = |department: &str| format!("/api/v1/departments/{department}?as_of=2026-06-01&known_at={yesterday}");
        let (_, bureau) = app.get_json(&then(DATA_BUREAU)).await;
        assert_eq!(bureau["completeness"]["missing"], 8, "{}", bureau["completeness"]);
        let owed = bureau["overdue_figures"].as_array().unwrap().iter().find(|f| f["indicator"] == ITS_INDICATOR);
        let owed = owed.expect("owed by the bureau as known then");
        assert_eq!((&owed["period"], &owed["due_on"]), (&json!("2025"), &json!("2026-03-31")));
        let (_, ndrc) = app.get_json(&then("ndrc")).await;
        assert!(!ndrc["overdue_figures"].as_array().unwrap().iter().any(|f| f["indicator"] == ITS_INDICATOR), "{ndrc}");
        // The target, as known then, was overdue since the yearly figure's due date, not the
        // quarter's.
        let target = |known_at: &str| format!("/api/v1/targets/{ITS_INDICATOR}?as_of=2026-02-01{known_at}");
        let (_, now) = app.get_json(&target("")).await;
        assert_eq!(now["progress"]["status"], "overdue", "{now}");
        let (_, before) = app.get_json(&target(&format!("&known_at={yesterday}"))).await;
        assert_eq!(before["progress"]["status"], "awaiting", "{before}");
        // The bureau's page as known then counts that target among those it reports itself.
        let elsewhere = |page: String| -> u32 {
            let said = &page[page.find("其中 ").expect("the count of targets reported elsewhere") + "其中 ".len()..];
            said[..said.find(' ').unwrap()].parse().unwrap()
        };
        let page = |query: String| {
            let app = &app;
            async move {
                app.get(&format!("/departments/{DATA_BUREAU}?as_of=2026-06-01{query}")).await.text().await.unwrap()
            }
        };
        let (now, then) =
            (elsewhere(page(String::new()).await), elsewhere(page(format!("&known_at={yesterday}")).await));
        assert_eq!(now, then + 1, "reported elsewhere: {now} now, {then} as known then");
        // A duty set without a reporter is reported by the lead owner, and says so.
        let unnamed = json!({"frequency": "annual", "due_days": 90});
        let (status, answer) = app.put_duty(Some(&admin), ITS_INDICATOR, unnamed).await;
        assert_eq!((status, &answer["reporter"]), (200, &json!(DATA_BUREAU)), "{answer}");
    }
}

#[tokio::test]
async fn a_department_token_writes_only_its_own_figures() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.department_token(DATA_BUREAU);
        let mixed = format!("指标,期间,数值\n{ITS_INDICATOR},2025,完成\n实际光纤入户率,2020,70\n");
        let (status, body) = app.upload(&token, "", mixed.clone()).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "not_your_indicators");
        let listed = body["error"]["details"].to_string();
        let refused = &body["error"]["details"]["errors"][0];
        assert_eq!(refused["value"], "实际光纤入户率", "the name, not an internal code: {body}");
        assert!(
            refused["reason_zh"].as_str().unwrap().contains("不负责报送“实际光纤入户率”：该指标尚未指定报送单位"),
            "{listed}"
        );
        assert_eq!(body["error"]["details"]["errors"][0]["line"], 3, "{body}");
        // Once a department reports it, the refusal says which.
        let duty = json!({"frequency": "annual", "due_days": 90, "reporter": "ndrc"});
        assert_eq!(app.put_duty(Some(&app.token(Role::Admin)), "ftth-takeup-rate", duty).await.0, 200);
        let (_, body) = app.upload(&token, "", mixed).await;
        let said = body["error"]["details"]["errors"][0]["reason_zh"].as_str().unwrap().to_owned();
        assert!(said.contains("该指标由市发展改革委报送（见“责任单位”页面）"), "{said}");
        let (_, actuals) = app.get_json(&format!("/api/v1/indicators/{ITS_INDICATOR}/actuals")).await;
        assert_eq!(actuals.as_array().unwrap().len(), 0, "nothing written: {actuals}");
        // Another department's file, already committed by an administrator, is still not its to
        // send: refused, not answered as a duplicate naming the other upload.
        let theirs = "指标,期间,数值
实际光纤入户率,2020,70
";
        assert_eq!(app.upload(&app.token(Role::Admin), "", theirs).await.0, 201);
        let (status, body) = app.upload(&token, "", theirs).await;
        assert_eq!((status, &body["error"]["code"]), (403, &json!("not_your_indicators")), "{body}");
        let (status, body) = app.upload(&token, "", format!("指标,期间,数值\n{ITS_INDICATOR},2025,完成\n")).await;
        assert_eq!(status, 201, "{body}");
    }
}

/// Signs in with `token` the way the sign-in page does; answers the cookies a browser then sends.
pub(crate) async fn sign_in(app: &TestApp, token: &str) -> (String, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(format!("{}/signin?next=/uploads", app.address)).send().await.unwrap();
    let secret = form.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let value = secret.split_once('=').unwrap().1.to_owned();
    let fields = Form::new().text("csrf", value.clone()).text("token", token.to_owned()).text("next", "/uploads");
    let response = client
        .post(format!("{}/signin", app.address))
        .header(COOKIE, secret.clone())
        .multipart(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let session = response.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    (format!("{session}; {secret}"), value)
}

#[tokio::test]
async fn a_signed_in_clerk_uploads_through_the_form_without_the_token() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (cookies, secret) = sign_in(&app, &app.department_token(DATA_BUREAU)).await;
        let page = app.client.get(format!("{}/uploads", app.address)).header(COOKIE, &cookies).send().await.unwrap();
        let page = page.text().await.unwrap();
        assert!(page.contains("已登录为") && !page.contains("type=\"password\""), "not asked for the token again");
        let preview = |csv: String| {
            let form = Form::new()
                .text("csrf", secret.clone())
                .text("token", "")
                .text("encoding", "auto")
                .part("file", Part::bytes(csv.into_bytes()).file_name("数据局.csv"));
            app.client.post(format!("{}/uploads/preview", app.address)).header(COOKIE, &cookies).multipart(form).send()
        };
        let refused = preview("指标,期间,数值\n实际光纤入户率,2020,70\n".to_owned()).await.unwrap();
        assert_eq!(refused.status(), 403);
        let refused = refused.text().await.unwrap();
        assert!(refused.contains("实际光纤入户率") && refused.contains("未写入任何数据"), "{refused}");
        let accepted = preview(format!("指标,期间,数值\n{ITS_INDICATOR},2025,完成\n")).await.unwrap();
        assert_eq!(accepted.status(), 200);
        assert!(accepted.text().await.unwrap().contains("检查通过"));
        // The form's secret is still required.
        let form = Form::new().text("token", "").part("file", Part::bytes(b"a".to_vec()).file_name("x.csv"));
        let forged =
            app.client.post(format!("{}/uploads/preview", app.address)).header(COOKIE, &cookies).multipart(form);
        assert_eq!(forged.send().await.unwrap().status(), 403);
    }
}

#[tokio::test]
async fn a_filled_template_uploads_as_is() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let response = app.get(&format!("/departments/{DATA_BUREAU}/template.csv?as_of=2026-06-01")).await;
        assert_eq!(response.status(), 200);
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
        // Named in Chinese (RFC 6266 filename*, percent-encoded UTF-8): 市数据局数据报送模板-2026-06-01.csv.
        let named = "%E5%B8%82%E6%95%B0%E6%8D%AE%E5%B1%80%E6%95%B0%E6%8D%AE%E6%8A%A5%E9%80%81%E6%A8%A1%E6%9D%BF%2D2026%2D06%2D01.csv";
        assert!(disposition.contains(&format!("filename*=UTF-8''{named}")), "{disposition}");
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark for Excel");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "指标,期间,地区,单位,数值,备注");
        assert_eq!(lines.len(), 9, "{text}");
        assert!(lines.contains(&"构建本市“远程虚拟窗口”平台,2025,全市,%,,"), "{text}");
        // The clerk fills in the value column; the rest goes back unchanged.
        let filled: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| if i == 0 { format!("{l}\n") } else { l.replacen(",,", ",完成,", 1) + "\n" })
            .collect();
        let (status, body) = app.upload(&app.department_token(DATA_BUREAU), "", filled).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["rows_new"], 8, "{body}");
        let (_, after) = app.get_json(&format!("/api/v1/departments/{DATA_BUREAU}")).await;
        assert_eq!(after["completeness"]["missing"], 0, "{}", after["completeness"]);
        // A wrong unit is refused where it stands.
        let wrong = format!("指标,期间,地区,单位,数值\n{ITS_INDICATOR},2025,全市,万户,1\n");
        let (status, body) = app.upload(&app.token(Role::Admin), "?dry_run=true", wrong).await;
        assert_eq!(status, 422, "{body}");
        let problems = body.to_string();
        assert!(problems.contains("unit_mismatch") && problems.contains("单位“万户”"), "{problems}");
        // Unknown department: 404; a bad date: 400.
        assert_eq!(app.get("/departments/nobody/template.csv").await.status(), 404);
        assert_eq!(app.get(&format!("/departments/{DATA_BUREAU}/template.csv?as_of=x")).await.status(), 400);
        // In English: slugs, English headers.
        let english = app
            .get(&format!("/departments/{DATA_BUREAU}/template.csv?as_of=2026-06-01&known_at=2026-06-01&lang=en"))
            .await;
        let english = english.text().await.unwrap();
        assert!(english.contains("indicator,period,region,unit,value,note") && english.contains(ITS_INDICATOR));
    }
}

#[tokio::test]
async fn the_department_filter_narrows_every_view() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (status, targets) = app.get_json(&format!("/api/v1/targets?department={DATA_BUREAU}&limit=10000")).await;
        assert_eq!(status, 200);
        let targets = targets.as_array().unwrap();
        assert_eq!(targets.len(), 17);
        assert!(targets.iter().all(|t| t["owners"].as_array().unwrap().iter().any(|o| o == DATA_BUREAU)));
        let (status, body) = app.get_json("/api/v1/targets?department=nobody").await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["details"]["parameter"], "department");

        let overview = app.get(&format!("/?department={DATA_BUREAU}")).await.text().await.unwrap();
        assert!(overview.contains("全部目标 <span class=\"muted\">17</span>"), "{overview}");
        let plan = app.get(&format!("/plans/ai-gov-services-2025?department={DATA_BUREAU}")).await;
        let plan = plan.text().await.unwrap();
        assert!(plan.contains("目标 <span class=\"muted\">8</span>"), "{plan}");
        assert_eq!(app.get("/plans/ai-gov-services-2025?department=nobody").await.status(), 400);

        let report = app.get(&format!("/reports/status.pdf?department={DATA_BUREAU}")).await;
        assert_eq!(report.status(), 200);
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("r.pdf");
        std::fs::write(&pdf, report.bytes().await.unwrap()).unwrap();
        let text = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("市数据局牵头的目标"), "{text}");
        assert!(text.contains("构建本市“远程虚拟窗口”平台") && !text.contains("实际光纤入户率"));
        // Only the targets it leads: one it supports under another lead is another's to report.
        let supported: Vec<&str> = targets
            .iter()
            .filter(|t| t["owners"][0] != DATA_BUREAU)
            .map(|t| t["name"].as_str().unwrap())
            .filter(|name| name.chars().count() <= 12)
            .collect();
        assert!(!supported.is_empty(), "the bureau supports some target it does not lead");
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for name in supported {
            assert!(!flat.contains(name), "{name} is led by another department: {text}");
        }
    }
}

#[tokio::test]
async fn the_department_pages_list_its_targets_and_what_it_owes() {
    let app = spawn_app(&Backend::Sqlite).await;
    let list = app.get("/departments?as_of=2026-06-01").await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(list.contains("市数据局") && list.contains("逾期未报") && list.contains("报送率"), "{list}");
    let one = app.get(&format!("/departments/{DATA_BUREAU}?as_of=2026-06-01")).await.text().await.unwrap();
    assert!(one.contains("应报 8 项：按时 0，逾期报送 0，未报 8"), "{one}");
    assert!(one.contains("逾期未报的数据 <span class=\"muted\">8</span>"), "{one}");
    assert!(one.contains("template.csv"), "{one}");
    // An overdue figure's targets are named by deadline and goal, their plan's title to hover.
    let link =
        format!("<a href=\"/targets/{ITS_INDICATOR}?as_of=2026-06-01\" title=\"上海市加快“人工智能+政务服务”改革");
    let at = one.find(&link).unwrap_or_else(|| panic!("{one}"));
    assert!(one[at..].split("</a>").next().unwrap().ends_with(">2025年 完成"), "{one}");
    let sme = app.get("/departments/eitc?as_of=2026-06-01").await.text().await.unwrap();
    assert!(sme.contains(">2026-12-31 ≥ 40%</a>") && !sme.contains("2026-12-31年"), "{sme}");
    assert!(one.contains("href=\"/?status=overdue&amp;department=data-bureau\""), "a count leads to those targets");
    // The figures of plans still running first; those of plans past their horizon folded below.
    let eitc = app.get("/departments/eitc?as_of=2026-06-01").await.text().await.unwrap();
    let running = eitc.find("在施规划逾期未报的数据").expect("the running plans' figures");
    let ended = eitc.find("<details><summary>规划期已结束的规划：").expect("the ended plans' figures, folded");
    assert!(running < ended, "running first");
    assert!(!eitc[running..ended].contains("2016</td>"), "no 2016 figure among the running plans'");
    assert!(eitc[ended..].contains("2016</td>"), "the 2016 plans' backlog is there, folded");
    let early = app.get(&format!("/departments/{DATA_BUREAU}?as_of=2026-03-01")).await.text().await.unwrap();
    assert!(early.contains("未来 90 天应报 <span class=\"muted\">8</span>"), "{early}");
    assert_eq!(app.get("/departments/nobody").await.status(), 404);
    // A target's page names who answers for it and who reports its figure.
    let target = app.get(&format!("/targets/{ITS_INDICATOR}")).await.text().await.unwrap();
    assert!(target.contains("责任单位：<a href=\"/departments/data-bureau\">市数据局</a>（牵头）、"), "{target}");
    assert!(target.contains("每年报送，期末后 90 天内由市数据局报送"), "{target}");
    assert_eq!(app.get(&format!("/departments/{DATA_BUREAU}?sort=status")).await.status(), 400);
    let english = app.get(&format!("/departments/{DATA_BUREAU}?lang=en")).await.text().await.unwrap();
    assert!(english.contains("Overdue figures") && english.contains("Municipal Data Bureau"), "{english}");
}

/// A webhook receiver: answers 500 to the first `failures` requests, then 200, after `delay`;
/// keeps every body it got and the status it answered.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(u16, Value)>>>,
    seen: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(failures: usize, delay: Duration) -> (Receiver, String) {
        let receiver = Receiver::default();
        let state = receiver.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
        let server = actix_web::HttpServer::new(move || {
            let state = state.clone();
            actix_web::App::new().route(
                "/hook",
                actix_web::web::post().to(move |body: actix_web::web::Json<Value>| {
                    let state = state.clone();
                    async move {
                        tokio::time::sleep(delay).await;
                        let n = state.seen.fetch_add(1, Ordering::SeqCst);
                        let status = if n < failures { 500 } else { 200 };
                        state.got.lock().unwrap().push((status, body.into_inner()));
                        let code = actix_web::http::StatusCode::from_u16(status).unwrap();
                        actix_web::HttpResponse::build(code).json(json!({"errcode": 0, "errmsg": "ok"}))
                    }
                }),
            )
        })
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        (receiver, url)
    }

    fn accepted(&self) -> Vec<Value> {
        self.got.lock().unwrap().iter().filter(|(s, _)| *s == 200).map(|(_, b)| b.clone()).collect()
    }
}

/// A duty that makes last month's figure of `indicator` fall due in three days, and the month
/// before's overdue since about four weeks.
fn due_in_three_days() -> Value {
    let today = plantrack::judged::today();
    let last_month_end = today.with_day(1).unwrap().pred_opt().unwrap();
    let due_days = (today - last_month_end).num_days() + 3;
    json!({"frequency": "monthly", "due_days": due_days})
}

/// 上市培育库企业 (市经济信息化委), a level target due in 2030.
const MONTHLY: &str = "listing-cultivation-pool-firms";

async fn notifications(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get_json("/api/v1/notifications?limit=1000").await;
    assert_eq!(status, 200, "{body}");
    body["notifications"].as_array().unwrap().clone()
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn fast_reminders(url: &str, format: WebhookFormat) -> impl FnOnce(&mut plantrack::config::Settings) {
    let url = url.to_owned();
    move |s| {
        s.webhooks = vec![Webhook { name: "办公室群".to_owned(), url, format, department: None }];
        s.reminder_seconds = 0.2;
        s.reminder_retry_seconds = 0.1;
    }
}

#[tokio::test]
async fn reminders_reach_a_receiver_that_fails_twice_then_accepts() {
    for backend in backends() {
        let (receiver, url) = Receiver::start(2, Duration::ZERO).await;
        let app = spawn_on(TestDb::new(&backend), fast_reminders(&url, WebhookFormat::Wecom)).await;
        let admin = app.token(Role::Admin);
        assert_eq!(app.put_duty(Some(&admin), MONTHLY, due_in_three_days()).await.0, 200);
        let is = |n: &Value, kind: &str| n["kind"] == kind && n["payload"]["indicator"] == MONTHLY;
        wait_for("the due and overdue notices, delivered", async || {
            let all = notifications(&app).await;
            ["due_soon", "overdue"].iter().all(|k| all.iter().any(|n| is(n, k) && n["state"] == "delivered"))
        })
        .await;
        // A target turns achieved: noticed on the next look.
        let upload = format!("indicator,period,value\n{ITS_INDICATOR},2025,完成\n");
        assert_eq!(app.upload(&admin, "", upload).await.0, 201);
        wait_for("the status change, delivered", async || {
            notifications(&app).await.iter().any(|n| {
                n["kind"] == "status_changed" && n["payload"]["target"] == ITS_INDICATOR && n["state"] == "delivered"
            })
        })
        .await;
        let all = notifications(&app).await;
        let texts: Vec<String> =
            receiver.accepted().iter().map(|b| b["text"]["content"].as_str().unwrap_or_default().to_owned()).collect();
        assert!(receiver.accepted().iter().all(|b| b["msgtype"] == "text"), "the group robot's format");
        assert!(
            texts.iter().any(|t| t.starts_with("【报送提醒】市经济信息化委") && t.contains("还有 3 天")),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t.starts_with("【逾期未报】")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("由“逾期未报”变为“已实现”")), "{texts:?}");
        // Each notice went through once; the two failures were retried.
        let delivered: Vec<&Value> = all.iter().filter(|n| n["state"] == "delivered").collect();
        assert_eq!(receiver.accepted().len(), delivered.len(), "{all:?}");
        let attempts: i64 = all.iter().map(|n| n["attempts"].as_i64().unwrap()).sum();
        assert_eq!(attempts as usize, receiver.seen.load(Ordering::SeqCst));
        assert!(delivered.iter().any(|n| n["attempts"].as_i64().unwrap() >= 2), "a retried notice: {all:?}");
        // Filters and bounds of the list.
        let (_, failed) = app.get_json("/api/v1/notifications?state=failed").await;
        assert_eq!(failed["total"], 0);
        assert_eq!(app.get_json("/api/v1/notifications?state=lost").await.0, 400);
        assert_eq!(app.get_json("/api/v1/notifications?limit=0").await.0, 400);
    }
}

/// A group robot that cannot be reached: the error kept with the notice (which anyone may read on
/// a public server) says why, without the robot's address and the key in it.
#[tokio::test]
async fn an_unreachable_robot_is_told_without_its_key() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}/cgi-bin/webhook/send?key=ROBOT-KEY-7f3a");
    let app = spawn_on(TestDb::new(&Backend::Sqlite), fast_reminders(&url, WebhookFormat::Wecom)).await;
    let admin = app.token(Role::Admin);
    assert_eq!(app.put_duty(Some(&admin), MONTHLY, due_in_three_days()).await.0, 200);
    wait_for("a failed attempt", async || notifications(&app).await.iter().any(|n| n["last_error"].is_string())).await;
    let listed = app.get("/api/v1/notifications?limit=1000").await.text().await.unwrap();
    assert!(listed.contains("last_error"), "{listed}");
    assert!(!listed.contains("ROBOT-KEY") && !listed.contains("webhook/send"), "{listed}");
}

#[tokio::test]
async fn two_replicas_deliver_each_reminder_once() {
    let Some(postgres) = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_))) else {
        return;
    };
    let (receiver, url) = Receiver::start(0, Duration::from_millis(30)).await;
    let first = spawn_on(TestDb::new(&postgres), fast_reminders(&url, WebhookFormat::Json)).await;
    let second = spawn_on(TestDb::at(&first.db_url), fast_reminders(&url, WebhookFormat::Json)).await;
    let admin = first.token(Role::Admin);
    assert_eq!(first.put_duty(Some(&admin), MONTHLY, due_in_three_days()).await.0, 200);
    wait_for("every notice delivered", async || {
        let all = notifications(&second).await;
        all.iter().any(|n| n["payload"]["indicator"] == MONTHLY)
            && all.iter().all(|n| n["state"] == "delivered")
            && receiver.accepted().len() == all.len()
    })
    .await;
    // Give both replicas a few more looks: nothing is posted twice.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut keys: Vec<String> = receiver
        .accepted()
        .iter()
        .map(|b| format!("{}:{}:{}:{}", b["kind"], b["indicator"], b["period"], b["target"]))
        .collect();
    let total = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), total, "a notice was posted twice: {:?}", receiver.accepted());
    assert_eq!(total, notifications(&first).await.len());
}

#[tokio::test]
async fn the_cli_prints_one_departments_targets() {
    let db = TestDb::new(&Backend::Sqlite);
    let url = db.url.clone();
    let app = crate::helpers::spawn_app_with(db, None).await;
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_plantrack"))
            .args(args)
            .current_dir(crate::helpers::repo_root())
            .env("PLANTRACK_DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .env("LANG", "zh_CN.UTF-8")
            .output()
            .unwrap()
    };
    let out = cli(&["status", "--department", DATA_BUREAU, "--format", "json", "--as-of", "2026-06-01"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, api) = app.get_json(&format!("/api/v1/targets?department={DATA_BUREAU}&as_of=2026-06-01")).await;
    let slugs = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(slugs(&printed), slugs(&api));
    assert_eq!(slugs(&printed).len(), 17);
    let table = cli(&["status", "--department", DATA_BUREAU, "--as-of", "2026-06-01"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("逾期未报 overdue") && table.contains("共 17 个目标"), "{table}");
    let unknown = cli(&["status", "--department", "nobody"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("没有部门“nobody”"));
    let unknown = cli(&["report", "--department", "nobody", "-o", "/dev/null"]);
    assert!(!unknown.status.success());
}

/// The departments page counts every figure due, as the report does: those no department is named
/// to report are counted too, and said apart.
#[tokio::test]
async fn the_departments_page_counts_the_figures_no_department_reports() {
    let app = spawn_app(&Backend::Sqlite).await;
    let page = app.get("/departments?as_of=2026-06-01").await.text().await.unwrap();
    let due_after = |marker: &str| -> usize {
        let rest = &page[page.find(marker).unwrap_or_else(|| panic!("{marker}: {page}")) + marker.len()..];
        let rest = rest.trim_start_matches("</strong>").trim_start_matches("应报 ");
        rest[..rest.find(' ').unwrap()].parse().unwrap()
    };
    let all = due_after("全部数据：");
    let unassigned = due_after("其中未指定报送单位的：");
    let (_, departments) = app.get_json("/api/v1/departments?as_of=2026-06-01").await;
    let by_departments: usize =
        departments.as_array().unwrap().iter().map(|d| d["completeness"]["due"].as_u64().unwrap() as usize).sum();
    assert!(unassigned > 0);
    assert_eq!(all, by_departments + unassigned, "{page}");
}

/// A department that leads targets whose figures others report is told so beside them, so their
/// 逾期未报 is not read as figures it owes.
#[tokio::test]
async fn a_department_page_says_which_of_its_targets_others_report() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (_, departments) = app.get_json("/api/v1/departments?as_of=2026-06-01").await;
    // A department answering for more targets than figures it reports.
    let leading = departments
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["targets"].as_u64().unwrap_or(0) > d["completeness"]["due"].as_u64().unwrap_or(0) + 2)
        .expect("a department leading targets others report");
    let slug = leading["slug"].as_str().unwrap();
    let page = app.get(&format!("/departments/{slug}?as_of=2026-06-01")).await.text().await.unwrap();
    assert!(page.contains("的数据由其他单位报送或未指定报送单位"), "{page}");
}

/// 单位生产总值能源消耗比2020年下降14% (by 2025): the catalog gives no 2020 figure.
const ENERGY_TARGET: &str = "eser14-energy-intensity-minus-14";
const ENERGY_INDICATOR: &str = "energy-intensity-gdp";

#[tokio::test]
async fn the_figure_a_target_is_measured_from_is_owed_and_once_it_comes_the_target_is_judged() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let admin = app.token(Role::Admin);
        // A later figure alone: the target cannot be judged without the 2020 one.
        let (status, body) =
            app.upload(&admin, "", format!("indicator,period,value\n{ENERGY_INDICATOR},2023,0.27\n")).await;
        assert_eq!(status, 201, "{body}");
        let (_, target) = app.get_json(&format!("/api/v1/targets/{ENERGY_TARGET}?as_of=2024-06-01")).await;
        assert_eq!(target["progress"]["status"], "not_assessable", "{target}");

        // So 市发展改革委 owes the 2020 figure, marked as the base year, in its list and its template.
        let periods = |department: &Value| -> Vec<(String, bool)> {
            department["overdue_figures"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["indicator"] == ENERGY_INDICATOR)
                .map(|f| (f["period"].as_str().unwrap().to_owned(), f["base_period"].as_bool().unwrap()))
                .collect()
        };
        let (_, ndrc) = app.get_json("/api/v1/departments/ndrc").await;
        let owed = periods(&ndrc);
        let expected: Vec<(String, bool)> =
            [("2020", true), ("2021", false), ("2022", false), ("2024", false), ("2025", false)]
                .map(|(p, b)| (p.to_owned(), b))
                .to_vec();
        assert_eq!(owed, expected, "2023 came; the rest are owed, 2020 as the base year");
        let page = app.get("/departments/ndrc").await.text().await.unwrap();
        assert!(page.contains("（基期）"), "the page marks the base year");
        let template = app.get("/departments/ndrc/template.csv").await.text().await.unwrap();
        assert!(template.contains("单位生产总值能源消耗（单位GDP能耗）,2020,全市,吨标准煤/万元,,"), "{template}");

        // The 2020 figure comes: down 10 % of the 14 % in three of five years — judged.
        let (status, body) =
            app.upload(&admin, "", format!("indicator,period,value\n{ENERGY_INDICATOR},2020,0.30\n")).await;
        assert_eq!(status, 201, "{body}");
        let (_, target) = app.get_json(&format!("/api/v1/targets/{ENERGY_TARGET}?as_of=2024-06-01")).await;
        assert_eq!(target["progress"]["status"], "on_track", "{target}");
        let (_, ndrc) = app.get_json("/api/v1/departments/ndrc").await;
        assert_eq!(periods(&ndrc).first().map(|(p, _)| p.as_str()), Some("2021"), "the 2020 figure came");

        // A target whose catalog states its baseline, or one built up from 0, owes no base figure.
        let (_, ecology) = app.get_json("/api/v1/departments/ecology-environment").await;
        let nox: Vec<(&Value, &Value)> = ecology["overdue_figures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["indicator"] == "nox-key-project-emission-reduction")
            .map(|f| (&f["period"], &f["base_period"]))
            .collect();
        assert_eq!(nox.first(), Some(&(&json!("2021"), &json!(false))), "{nox:?}");
    }
}

#[tokio::test]
async fn figures_the_plans_themselves_state_are_no_departments_late_report() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    // Only the seed figures are in: what the plans' texts state (base years, mostly).
    let (status, departments) = app.get_json("/api/v1/departments").await;
    assert_eq!(status, 200);
    let departments = departments.as_array().unwrap();
    let late: Vec<&serde_json::Value> = departments.iter().filter(|d| d["completeness"]["late"] != 0).collect();
    assert!(late.is_empty(), "no department sent anything, so none sent late: {late:?}");
    let (_, eitc) = app.get_json("/api/v1/departments/eitc").await;
    let seed_uploads: Vec<&serde_json::Value> =
        eitc["uploads"].as_array().unwrap().iter().filter(|u| u["channel"] == "seed").collect();
    assert!(seed_uploads.is_empty(), "the seed files are no upload of the department's: {seed_uploads:?}");
    let figures =
        eitc["overdue_figures"].as_array().unwrap().len() + eitc["upcoming_figures"].as_array().map_or(0, Vec::len);
    assert!(figures > 0, "it still owes its own figures: {eitc}");
}

/// A figure of a shorter period than its indicator's duty (a half-year's of one reported yearly)
/// would be judged as the latest figure, a part read as the whole: it is flagged, with the period
/// to write if the figure is the whole period's; a whole period's figure is not.
#[tokio::test]
async fn a_figure_of_a_shorter_period_than_its_duty_is_flagged() {
    let app = spawn_app(&Backend::Sqlite).await;
    let uploader = app.token(Role::Uploader);
    let flagged = |body: &Value| -> Vec<(u64, String, String)> {
        body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !c["doubt"].is_null())
            .map(|c| {
                let doubt = &c["doubt"];
                (c["line"].as_u64().unwrap(), doubt["code"].to_string(), doubt["reason_zh"].to_string())
            })
            .collect()
    };
    let csv = "indicator,period,value\nftth-takeup-rate,2024年上半年,45\nftth-takeup-rate,2024,46\n";
    let (status, body) = app.upload(&uploader, "?dry_run=true", csv).await;
    assert_eq!(status, 200, "{body}");
    let doubts = flagged(&body);
    assert_eq!(doubts.len(), 1, "{body}");
    let (line, code, reason) = &doubts[0];
    assert_eq!((*line, code.as_str()), (2, "\"shorter_period\""), "{body}");
    assert!(reason.contains("每年报送") && reason.contains("期间请写 2024"), "{reason}");

    let quarterly = json!({"frequency": "quarterly", "due_days": 30});
    assert_eq!(app.put_duty(Some(&app.token(Role::Admin)), "ftth-takeup-rate", quarterly).await.0, 200);
    let csv = "indicator,period,value\nftth-takeup-rate,2024-Q1,45\nftth-takeup-rate,2024-05,46\n";
    let (status, body) = app.upload(&uploader, "?dry_run=true", csv).await;
    assert_eq!(status, 200, "{body}");
    let doubts = flagged(&body);
    assert_eq!(
        doubts.iter().map(|(line, code, _)| (*line, code.as_str())).collect::<Vec<_>>(),
        [(3, "\"shorter_period\"")]
    );
    assert!(doubts[0].2.contains("每季度报送") && doubts[0].2.contains("期间请写 2024-Q2"), "{}", doubts[0].2);
}
