//! New plans from their texts: drafted over HTTP (text, Word, web page, PDF), published after
//! review, validated like the TOML catalog, kept across restarts, versioned, exported as TOML;
//! bad documents and bad publications refused with nothing written.

use std::io::Cursor;

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, backends, spawn_app, spawn_on};
use plantrack::server::auth::Role;

/// A plan text written for these tests in the gazette's style (not a real plan: it is never
/// loaded as data, only drafted and published inside a test's own database).
const TEST_PLAN: &str = "上海市推进测试事项三年行动计划（2026—2028年）
沪府办发〔2026〕1号
2026年3月1日印发
一、主要目标
到2028年，公共数据开放数据集超过8000项，实际光纤入户率达到80%。
（责任单位：市经济信息化委）
二、保障措施
加强组织领导。";

const SLUG: &str = "test-action-plan-2026";

impl TestApp {
    async fn post_draft(&self, token: Option<&str>, name: &str, body: Vec<u8>) -> (u16, Value) {
        let mut request = self.client.post(format!("{}/api/v1/plan-drafts?name={name}", self.address)).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn publish(&self, token: &str, draft: i64, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/plan-drafts/{draft}/publish", self.address))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The reviewed plan: one level target on an existing indicator, one on a new indicator.
fn reviewed(open_data_sets: f64) -> Value {
    json!({
        "plan": {
            "slug": SLUG,
            "title": "上海市推进测试事项三年行动计划（2026—2028年）",
            "doc_number": "沪府办发〔2026〕1号",
            "issued": "2026-03-01",
            "horizon": [2026, 2028]
        },
        "indicators": [
            { "slug": "test-ftth-rate", "name": "测试光纤入户率", "unit": "%", "higher_is_better": true }
        ],
        "targets": [
            {
                "indicator": "open-data-sets", "name": "公共数据开放数据集超过8000项", "kind": "level",
                "comparator": ">", "value": open_data_sets, "unit": "项", "deadline": "2028",
                "owners": ["市经济信息化委"], "owners_line": 6,
                "line": 5, "quote": "公共数据开放数据集超过8000项"
            },
            {
                "indicator": "test-ftth-rate", "name": "实际光纤入户率达到80%", "kind": "level",
                "comparator": ">=", "value": 80, "unit": "%", "deadline": "2028",
                "line": 5, "quote": "实际光纤入户率达到80%"
            }
        ]
    })
}

#[tokio::test]
async fn a_plan_text_is_drafted_published_kept_across_restarts_and_versioned() {
    for backend in backends() {
        let db = TestDb::new(&backend);
        let url = db.url.clone();
        let app = spawn_on(db, |_| {}).await;
        let admin = app.token(Role::Admin);

        let (status, draft) = app.post_draft(Some(&admin), "plan.txt", TEST_PLAN.as_bytes().to_vec()).await;
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_i64().unwrap();
        assert_eq!(draft["document"]["lines"], 8);
        assert_eq!(draft["document"]["format"], "text");
        assert_eq!(draft["review_url"], format!("/plans/drafts/{id}"));
        let lines: Vec<&str> = TEST_PLAN.split('\n').collect();
        for candidate in draft["candidates"].as_array().unwrap() {
            let line = candidate["line"].as_u64().unwrap() as usize;
            let quote = candidate["quote"].as_str().unwrap();
            assert!(lines[line - 1].contains(quote), "«{quote}» is not on line {line}");
        }
        let (status, text) = {
            let response = app
                .client
                .get(format!("{}/api/v1/plan-drafts/{id}/text", app.address))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        };
        assert_eq!((status, text.as_str()), (200, TEST_PLAN));

        let (status, published) = app.publish(&admin, id, &reviewed(8000.0)).await;
        assert_eq!(status, 201, "{published}");
        assert_eq!(published["version"], 1);
        let (status, plan) = app.get_json(&format!("/api/v1/plans/{SLUG}")).await;
        assert_eq!(status, 200, "{plan}");
        assert_eq!(plan["doc_number"], "沪府办发〔2026〕1号");
        let (_, targets) = app.get_json(&format!("/api/v1/targets?plan={SLUG}")).await;
        let targets = targets.as_array().expect("a page of targets").clone();
        assert_eq!(targets.len(), 2, "{targets:?}");
        let open_data = targets.iter().find(|t| t["indicator"]["slug"] == "open-data-sets").unwrap();
        assert_eq!(open_data["owners"][0], "eitc", "{open_data}");
        // Judged like every target: the indicator already has figures from the seed documents.
        assert!(open_data["progress"]["status"].is_string(), "{open_data}");
        let page = app.get(&format!("/plans/{SLUG}")).await;
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("公共数据开放数据集超过8000项"));
        assert_eq!(app.get(&format!("/charts/plans/{SLUG}.svg")).await.status(), 200);

        // Another replica (a restart) syncs the catalog from disk and keeps the published plan.
        let again = spawn_on(TestDb::at(&url), |_| {}).await;
        let (status, _) = again.get_json(&format!("/api/v1/plans/{SLUG}")).await;
        assert_eq!(status, 200, "the published plan survives a restart and the catalog sync");

        // A revision: the same plan published again with a changed target.
        let (status, published) = app.publish(&admin, id, &reviewed(9000.0)).await;
        assert_eq!(status, 201, "{published}");
        assert_eq!(published["version"], 2);
        let (_, targets) = app.get_json(&format!("/api/v1/targets?plan={SLUG}")).await;
        let open_data =
            targets.as_array().unwrap().iter().find(|t| t["indicator"]["slug"] == "open-data-sets").cloned();
        assert_eq!(open_data.unwrap()["value"], 9000.0);
        // Views as of an earlier day judge the version then in force: the first, as its own plan.
        let yesterday = plantrack::judged::today().pred_opt().unwrap();
        let value_of = |targets: &Value, plan: &str| -> Vec<f64> {
            let all = targets.as_array().unwrap().iter();
            all.filter(|t| t["plan"]["slug"] == plan && t["indicator"]["slug"] == "open-data-sets")
                .map(|t| t["value"].as_f64().unwrap())
                .collect()
        };
        let (_, then) = app.get_json(&format!("/api/v1/targets?as_of={yesterday}&limit=10000")).await;
        assert_eq!(value_of(&then, &format!("{SLUG}-v1")), vec![8000.0], "the first version, yesterday");
        assert!(value_of(&then, SLUG).is_empty(), "the revision is not yet in force yesterday");
        let (_, now) = app.get_json("/api/v1/targets?limit=10000").await;
        assert_eq!(value_of(&now, SLUG), vec![9000.0]);
        assert!(value_of(&now, &format!("{SLUG}-v1")).is_empty(), "the first version is superseded today");
        let overview = app.get(&format!("/?as_of={yesterday}")).await.text().await.unwrap();
        assert!(overview.contains(&format!("/plans/{SLUG}-v1")), "yesterday's overview lists the first version");
        let old_page = app.get(&format!("/plans/{SLUG}-v1")).await.text().await.unwrap();
        assert!(old_page.contains("这是规划的旧版本") && old_page.contains(&format!("href=\"/plans/{SLUG}\"")));
        let (_, plans) = app.get_json("/api/v1/plans").await;
        let listed: Vec<&str> = plans.as_array().unwrap().iter().filter_map(|p| p["slug"].as_str()).collect();
        assert!(listed.contains(&SLUG) && !listed.contains(&format!("{SLUG}-v1").as_str()), "{listed:?}");
        let pool = plantrack::db::connect(&url, 1).unwrap();
        let versions = plantrack::db::drafts::versions(&mut pool.get().unwrap(), SLUG).unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions[0].superseded_at.is_some() && versions[1].superseded_at.is_none());
    }
}

#[tokio::test]
async fn a_publication_that_does_not_validate_writes_nothing() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let admin = app.token(Role::Admin);
        let (_, draft) = app.post_draft(Some(&admin), "plan.txt", TEST_PLAN.as_bytes().to_vec()).await;
        let id = draft["id"].as_i64().unwrap();

        let mut wrong = reviewed(8000.0);
        wrong["targets"][0]["quote"] = json!("公共数据开放数据集超过9000项");
        wrong["targets"][1]["indicator"] = json!("no-such-indicator");
        let (status, body) = app.publish(&admin, id, &wrong).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "invalid_plan");
        let problems = body["error"]["details"]["problems"].as_array().unwrap();
        assert!(problems.iter().any(|p| p["field"] == "source.quote"), "{problems:?}");
        assert!(problems.iter().any(|p| p["field"] == "indicator"), "{problems:?}");
        assert!(body["error"]["message"].as_str().unwrap().contains("未发布任何内容"));
        let (status, _) = app.get_json(&format!("/api/v1/plans/{SLUG}")).await;
        assert_eq!(status, 404, "nothing was published");

        // A slug that a catalog file already uses is refused the same way.
        let mut taken = reviewed(8000.0);
        taken["plan"]["slug"] = json!("smart-city-13th-fyp");
        let (status, body) = app.publish(&admin, id, &taken).await;
        assert_eq!(status, 422, "{body}");
        let (_, plan) = app.get_json("/api/v1/plans/smart-city-13th-fyp").await;
        assert_ne!(plan["title"], "上海市推进测试事项三年行动计划（2026—2028年）");

        // Slugs the site or the versions use, and a name past any plan's, are refused.
        for slug in ["drafts", "test-plan-v2"] {
            let mut reserved = reviewed(8000.0);
            reserved["plan"]["slug"] = json!(slug);
            let (status, body) = app.publish(&admin, id, &reserved).await;
            assert_eq!(status, 422, "{slug}: {body}");
            assert_eq!(body["error"]["details"]["field"], "plan.slug", "{body}");
        }
        // A target named as an earlier version's targets are would block that plan's next version.
        let mut versioned = reviewed(8000.0);
        versioned["targets"][0]["slug"] = json!("smart-city-open-data-v1");
        let (status, body) = app.publish(&admin, id, &versioned).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["details"]["field"], "targets.slug", "{body}");
        let mut long = reviewed(8000.0);
        long["targets"][0]["name"] = json!("很".repeat(301));
        let (status, body) = app.publish(&admin, id, &long).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("超过 300 个字"), "{body}");

        let mut none = reviewed(8000.0);
        none["targets"] = json!([]);
        let (status, body) = app.publish(&admin, id, &none).await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = app.publish(&admin, 999_999, &reviewed(8000.0)).await;
        assert_eq!(status, 404);
        assert_eq!(body["error"]["message"], "未找到草稿“999999”", "no English word on the Chinese side");
        // Not JSON, or JSON of another shape: the error envelope, in both languages.
        for (content_type, body) in
            [("text/plain", "{}"), ("application/json", "{\"plan\": 1}"), ("application/json", "{")]
        {
            let response = app
                .client
                .post(format!("{}/api/v1/plan-drafts/{id}/publish", app.address))
                .bearer_auth(&admin)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{content_type} {body}");
            let answer: Value = response.json().await.unwrap();
            assert_eq!(answer["error"]["code"], "bad_request", "{answer}");
            assert!(!answer["error"]["message"].as_str().unwrap().is_ascii(), "{answer}");
        }
        // A reviewed plan past the JSON limit: 413 that speaks of what was sent, not of a file.
        let oversized = json!({"plan": {"title": "计".repeat(2 * 1024 * 1024)}});
        let (status, body) = app.publish(&admin, id, &oversized).await;
        assert_eq!(status, 413, "{body}");
        assert_eq!(body["error"]["message"], "发送的内容超过 4194304 字节的上限", "{body}");
    }
}

#[tokio::test]
async fn bad_documents_are_refused_and_drafts_need_an_administrator() {
    let backend = backends().remove(0);
    let app = spawn_app(&backend).await;
    let admin = app.token(Role::Admin);
    let uploader = app.token(Role::Uploader);

    let (status, _) = app.post_draft(None, "plan.txt", TEST_PLAN.as_bytes().to_vec()).await;
    assert_eq!(status, 401);
    let (status, _) = app.post_draft(Some(&uploader), "plan.txt", TEST_PLAN.as_bytes().to_vec()).await;
    assert_eq!(status, 403);

    for (body, says) in [
        (Vec::new(), "no text"),
        (b" \n\n ".to_vec(), "no text"),
        (b"\x00\x01\x02\x03binary\xff".to_vec(), "not text"),
        (b"PK\x03\x04 not really an archive".to_vec(), "not a Word document"),
        (pdf_without_text(), "no text layer"),
    ] {
        let (status, answer) = app.post_draft(Some(&admin), "plan", body).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer["error"]["message_en"].as_str().unwrap().contains(says), "{answer}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, answer) = app.post_draft(Some(&admin), "big.txt", vec![b'a'; 5 * 1024 * 1024 + 1]).await;
    assert_eq!(status, 413, "{answer}");

    // A text that states no goal: an empty draft that says so.
    let (status, answer) = app.post_draft(Some(&admin), "notice.txt", "关于召开会议的通知\n请准时参加。".into()).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["candidates"], json!([]));
    assert!(answer["note"].as_str().unwrap().contains("没有找到目标"));

    let (_, list) = {
        let response =
            app.client.get(format!("{}/api/v1/plan-drafts", app.address)).bearer_auth(&admin).send().await.unwrap();
        (response.status().as_u16(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(list.as_array().unwrap().len(), 1, "refused documents leave no draft: {list}");
}

/// A document is read in a child process under the work budget: one that takes longer is stopped
/// with 503, and one that unpacks to more text than a plan holds is refused; neither leaves a draft.
#[tokio::test]
async fn documents_are_read_within_the_work_budget_and_their_text_is_bounded() {
    use std::io::Write;
    let hurried = crate::helpers::spawn_app_configured(&backends().remove(0), |s| s.work_budget_seconds = 0.1).await;
    let admin = hurried.token(Role::Admin);
    // Three megabytes of paragraphs: seconds of parsing, far more than a tenth of one.
    let page = format!("<html><body>{}</body></html>", "<p>到2020年，建成平台。".repeat(100_000));
    let started = std::time::Instant::now();
    let (status, answer) = hurried.post_draft(Some(&admin), "plan.html", page.into_bytes()).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "stopped, not waited for: {:?}", started.elapsed());
    assert_eq!(status, 503, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("超过上限"), "{answer}");

    let app = spawn_app(&backends().remove(0)).await;
    let admin = app.token(Role::Admin);
    let paragraph = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "到2030年，建成平台。".repeat(1_000));
    let xml = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{}</w:body></w:document>",
        paragraph.repeat(400)
    );
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    archive.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
    archive.write_all(xml.as_bytes()).unwrap();
    let (status, answer) = app.post_draft(Some(&admin), "big.docx", archive.finish().unwrap().into_inner()).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("超过 8 MB"), "{answer}");
    for app in [&hurried, &app] {
        let response =
            app.client.get(format!("{}/api/v1/plan-drafts", app.address)).bearer_auth(&admin).send().await.unwrap();
        let list: Value = response.json().await.unwrap();
        assert!(list.as_array().is_some_and(|l| l.is_empty()) || list["error"].is_object(), "no draft kept: {list}");
    }
}

#[tokio::test]
async fn word_web_page_and_pdf_documents_are_read_as_numbered_lines() {
    let backend = backends().remove(0);
    let app = spawn_app(&backend).await;
    let admin = app.token(Role::Admin);

    let mut docx = Cursor::new(Vec::new());
    let mut document = docx_rs::Docx::new();
    for line in TEST_PLAN.split('\n') {
        document = document.add_paragraph(docx_rs::Paragraph::new().add_run(docx_rs::Run::new().add_text(line)));
    }
    document.build().pack(&mut docx).unwrap();
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh\"><head><title>计划</title></head><body>{}</body></html>",
        TEST_PLAN.split('\n').map(|l| format!("<p>{l}</p>")).collect::<String>()
    );
    for (name, bytes, format) in [("plan.docx", docx.into_inner(), "docx"), ("plan.html", html.into_bytes(), "html")] {
        let (status, draft) = app.post_draft(Some(&admin), name, bytes).await;
        assert_eq!(status, 201, "{draft}");
        assert_eq!(draft["document"]["format"], format);
        let id = draft["id"].as_i64().unwrap();
        let response =
            app.client.get(format!("{}/api/v1/plan-drafts/{id}/text", app.address)).bearer_auth(&admin).send().await;
        let text = response.unwrap().text().await.unwrap();
        assert!(
            text.split('\n').any(|l| l == "到2028年，公共数据开放数据集超过8000项，实际光纤入户率达到80%。"),
            "{format}: {text}"
        );
    }

    // A PDF with a text layer: the status report this server writes.
    let pdf = app.get("/reports/status.pdf?plan=smart-city-13th-fyp").await.bytes().await.unwrap().to_vec();
    let (status, draft) = app.post_draft(Some(&admin), "report.pdf", pdf).await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["document"]["format"], "pdf");
    let id = draft["id"].as_i64().unwrap();
    let response =
        app.client.get(format!("{}/api/v1/plan-drafts/{id}/text", app.address)).bearer_auth(&admin).send().await;
    let text = response.unwrap().text().await.unwrap();
    assert!(text.contains("智慧城市"), "{text}");

    // Each page starts a line of its own: the last line of a page never runs into the next.
    let (status, draft) = app
        .post_draft(Some(&admin), "pages.pdf", pdf_of_pages(&["Targets for 2020", "Open data sets over 5000"]))
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    let response =
        app.client.get(format!("{}/api/v1/plan-drafts/{id}/text", app.address)).bearer_auth(&admin).send().await;
    assert_eq!(response.unwrap().text().await.unwrap(), "Targets for 2020\nOpen data sets over 5000");
}

/// A valid one-page PDF with nothing written on it (what a scan without OCR looks like to a reader).
/// A PDF whose text layer reads as one glyph over and over (as LibreOffice writes a Chinese text
/// when its fonts carry no character map): refused as unreadable, not drafted as "no goal found".
#[tokio::test]
async fn a_pdf_whose_text_reads_as_one_glyph_is_refused_as_unreadable() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    let garbled = format!("{} 2025 {}", "x".repeat(60), "x".repeat(60));
    let (status, body) = app.post_draft(Some(&admin), "plan.pdf", pdf_of_pages(&[&garbled])).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("文字层读不出原文"), "{body}");
    // A PDF whose text reads does draft.
    let (status, body) =
        app.post_draft(Some(&admin), "plan.pdf", pdf_of_pages(&["The plan: 2025 goals and more words."])).await;
    assert_eq!(status, 201, "{body}");
}

fn pdf_without_text() -> Vec<u8> {
    pdf_of_pages(&[""])
}

/// A PDF of one page per text, written in Helvetica (an empty text: an empty page).
fn pdf_of_pages(pages: &[&str]) -> Vec<u8> {
    let count = pages.len();
    let kids: String = (0..count).map(|i| format!("{} 0 R ", 4 + 2 * i)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!("<< /Type /Pages /Kids [{kids}] /Count {count} >>"),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    for (i, text) in pages.iter().enumerate() {
        let content = if text.is_empty() { String::new() } else { format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET") };
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
            5 + 2 * i
        ));
        objects.push(format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()));
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

#[tokio::test]
async fn an_administrator_reviews_a_draft_in_the_browser_and_publishes_it() {
    use reqwest::header::{COOKIE, LOCATION};
    use reqwest::multipart::{Form, Part};
    for backend in backends() {
        let app = spawn_app(&backend).await.without_redirects();
        let admin = app.token(Role::Admin);
        let (cookies, secret) = crate::departments::sign_in(&app, &admin).await;
        let list = app.client.get(format!("{}/plans/drafts", app.address)).header(COOKIE, &cookies).send().await;
        let list = list.unwrap().text().await.unwrap();
        assert!(list.contains("新规划草稿") && !list.contains("type=\"password\""), "signed in: no token asked");

        let form = Form::new()
            .text("csrf", secret.clone())
            .text("token", "")
            .part("file", Part::bytes(TEST_PLAN.as_bytes().to_vec()).file_name("test-plan.txt"));
        let made = app.client.post(format!("{}/plans/drafts", app.address)).header(COOKIE, &cookies).multipart(form);
        let made = made.send().await.unwrap();
        assert_eq!(made.status(), 303);
        let review_url = made.headers()[LOCATION].to_str().unwrap().to_owned();
        let page = app.client.get(format!("{}{review_url}", app.address)).header(COOKIE, &cookies).send().await;
        let page = page.unwrap().text().await.unwrap();
        assert!(page.contains("<mark>公共数据开放数据集超过8000项</mark>"), "{page}");
        assert!(page.contains("name=\"c1.accept\""), "two candidates to review");
        assert!(page.contains("value=\"test-plan\""), "the slug is prefilled from the file name");

        // Accept the first with an edited value, reject the second; a bad number comes back first.
        let post_with = |field: &'static str, value: &'static str| {
            let form = Form::new()
                .text("csrf", secret.clone())
                .text("token", "")
                .text("plan.slug", SLUG)
                .text("plan.title", "上海市推进测试事项三年行动计划（2026—2028年）")
                .text("plan.from", "2026")
                .text("plan.to", "2028")
                .text("c0.accept", "on")
                .text(field, value);
            app.client
                .post(format!("{}{review_url}/publish", app.address))
                .header(COOKIE, &cookies)
                .multipart(form)
                .send()
        };
        let post = |value: &'static str| post_with("c0.value", value);
        let refused = post("八千").await.unwrap();
        assert_eq!(refused.status(), 422);
        let refused = refused.text().await.unwrap();
        assert!(refused.contains("不是数值") && !refused.contains("not a number"), "{refused}");
        let (status, _) = app.get_json(&format!("/api/v1/plans/{SLUG}")).await;
        assert_eq!(status, 404, "nothing published");
        // A unit the catalog does not know: named by the candidate's line and the field, in Chinese.
        let refused = post_with("c0.owners", "某某不存在局").await.unwrap();
        assert_eq!(refused.status(), 422);
        let refused = refused.text().await.unwrap();
        assert!(refused.contains("第 5 行的目标（责任单位）") && !refused.contains("owners:"), "{refused}");

        let published = post("8500").await.unwrap();
        assert_eq!(published.status(), 303);
        assert_eq!(published.headers()[LOCATION], format!("/plans/{SLUG}").as_str());
        let (_, targets) = app.get_json(&format!("/api/v1/targets?plan={SLUG}")).await;
        let targets = targets.as_array().unwrap();
        assert_eq!(targets.len(), 1, "the rejected candidate is left out: {targets:?}");
        assert_eq!(targets[0]["value"], 8500.0);
        assert_eq!(targets[0]["indicator"]["slug"], "open-data-sets");
        assert_eq!(targets[0]["slug"], format!("{SLUG}-1"), "named after the plan as published, not the file");

        // Without a session or token the review page holds nothing of the draft.
        let anonymous = app.get(&review_url).await.text().await.unwrap();
        assert!(!anonymous.contains("公共数据开放数据集") && anonymous.contains("/signin"), "{anonymous}");
    }
}

/// A text without line breaks: every candidate's sentence is the whole text. The review page shows
/// the sentence around each quote, so it grows with the candidates, not with candidates × text.
#[tokio::test]
async fn the_review_of_a_text_without_line_breaks_shows_each_quote_in_its_sentence_only() {
    use reqwest::header::COOKIE;
    let app = spawn_app(&backends().remove(0)).await;
    let admin = app.token(Role::Admin);
    // Each sentence with figures of its own: a goal stated again word for word is one candidate.
    let line: String = (0..150u32)
        .map(|i| {
            let share = 70.0 + f64::from(i) / 1000.0;
            let fall = 14.0 + f64::from(i) / 1000.0;
            format!(
                "到2020年，实际光纤入户率达到{share}%，政府数据开放数据集超过{}项，单位GDP能耗比2020年下降{fall}%。",
                5000 + i
            )
        })
        .collect();
    let text = format!("上海市推进测试事项三年行动计划（2026—2028年）\n沪府办发〔2026〕1号\n{line}");
    let (status, draft) = app.post_draft(Some(&admin), "one-line.txt", text.into_bytes()).await;
    assert_eq!(status, 201, "{draft}");
    let candidates = draft["candidates"].as_array().unwrap().len();
    assert!(candidates >= 300, "{candidates}");
    let (cookies, _) = crate::departments::sign_in(&app, &admin).await;
    let id = draft["id"].as_i64().unwrap();
    let page = app.client.get(format!("{}/plans/drafts/{id}", app.address)).header(COOKIE, &cookies).send().await;
    let page = page.unwrap().text().await.unwrap();
    assert!(page.contains("<mark>实际光纤入户率达到70%</mark>"), "the quote is marked in its sentence");
    assert!(page.contains("…"), "the rest of the line is left out");
    let per_candidate = page.len() / candidates;
    assert!(per_candidate < 8_000, "{per_candidate} bytes a candidate for a {} byte line", line.len());
}

fn plantrack(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plantrack"));
    command.args(args).current_dir(crate::helpers::repo_root()).env("RUST_LOG", "warn").env("LANG", "zh_CN.UTF-8");
    for (k, v) in envs {
        command.env(k, v);
    }
    command.output().expect("run plantrack")
}

#[tokio::test]
async fn the_cli_drafts_a_catalog_file_that_validates_and_exports_a_published_plan() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = crate::helpers::copy_catalog(dir.path());
    let documents = dir.path().join("documents");
    std::fs::create_dir_all(&documents).unwrap();
    for entry in std::fs::read_dir(crate::helpers::repo_root().join("seed/documents")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, documents.join(path.file_name().unwrap())).unwrap();
    }
    let text = documents.join("test-plan.txt");
    std::fs::write(&text, TEST_PLAN).unwrap();

    // The TOML draft cites the file's own lines: put beside the catalog, it validates as is.
    let out = plantrack(&["plan", "draft", text.to_str().unwrap(), "--format", "toml"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = String::from_utf8(out.stdout).unwrap();
    assert!(toml.contains("slug = \"test-plan\"") && toml.contains("source = \"test-plan.txt\""), "{toml}");
    assert!(toml.contains("owners = [\"eitc\"]"), "names of departments become their slugs: {toml}");
    std::fs::write(catalog.join("test-plan.toml"), &toml).unwrap();
    // An indicator table's rows too: their names hold no tab.
    let table = documents.join("test-table.txt");
    std::fs::write(
        &table,
        format!(
            "{}\n指标\t2025年基数\t2028年目标\t属性\n测试床位数（张）\t120\t200\t预期性",
            TEST_PLAN.replace("1号", "3号").replace("测试事项", "测试床位")
        ),
    )
    .unwrap();
    let out = plantrack(&["plan", "draft", table.to_str().unwrap(), "--format", "toml"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = String::from_utf8(out.stdout).unwrap();
    assert!(toml.contains("name = \"测试床位数（张） 120 200\""), "{toml}");
    std::fs::write(catalog.join("test-table.toml"), &toml).unwrap();
    let envs = [
        ("PLANTRACK_CATALOG_DIR", catalog.to_str().unwrap()),
        ("PLANTRACK_DOCUMENTS_DIR", documents.to_str().unwrap()),
    ];
    let check = plantrack(&["catalog", "check", "--no-sync"], &envs);
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    let out = plantrack(&["plan", "draft", text.to_str().unwrap()], &[]);
    let draft: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(draft["document"]["doc_number"], "沪府办发〔2026〕1号");
    assert_eq!(draft["document"]["horizon"], json!([2026, 2028]));

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let out = plantrack(&["plan", "draft", empty.to_str().unwrap()], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有文字"));

    // A plan published over HTTP is exported as the catalog file it was validated as.
    let backend = backends().remove(0);
    let db = TestDb::new(&backend);
    let url = db.url.clone();
    let app = spawn_on(db, |_| {}).await;
    let admin = app.token(Role::Admin);
    let (_, draft) = app.post_draft(Some(&admin), "plan.txt", TEST_PLAN.as_bytes().to_vec()).await;
    let (status, _) = app.publish(&admin, draft["id"].as_i64().unwrap(), &reviewed(8000.0)).await;
    assert_eq!(status, 201);
    let cited = dir.path().join("cited.txt");
    let out = plantrack(
        &["catalog", "export", "--format", "toml", "--plan", SLUG, "--document", cited.to_str().unwrap()],
        &[("PLANTRACK_DATABASE_URL", &url)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let exported = String::from_utf8(out.stdout).unwrap();
    assert!(exported.contains(&format!("slug = \"{SLUG}\"")) && exported.contains("公共数据开放数据集超过8000项"));
    assert_eq!(std::fs::read_to_string(&cited).unwrap(), TEST_PLAN);
    let out = plantrack(
        &["catalog", "export", "--format", "toml", "--plan", "no-such-plan"],
        &[("PLANTRACK_DATABASE_URL", &url)],
    );
    assert!(!out.status.success());
}

/// A plan whose 主要目标 paragraph names no owner; its 保障措施 names them on another line.
const PLAN_WITH_OWNERS_APART: &str = "上海市推进测试事项行动方案（2026—2027年）
沪府办发〔2026〕2号
2026年4月1日印发
一、主要目标
到2027年，公共数据开放数据集超过9000项。
二、保障措施
市经济信息化委、市发展改革委负责统筹推进。";

#[tokio::test]
async fn owners_typed_for_a_goal_that_names_none_are_cited_from_the_nearest_line_naming_them() {
    use reqwest::header::{COOKIE, LOCATION};
    use reqwest::multipart::Form;
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await.without_redirects();
    let admin = app.token(Role::Admin);
    let (status, draft) = app.post_draft(Some(&admin), "apart.txt", PLAN_WITH_OWNERS_APART.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    assert!(draft["candidates"][0]["owners"].as_array().unwrap().is_empty(), "{draft}");
    let (cookies, secret) = crate::departments::sign_in(&app, &admin).await;
    let review = app.client.get(format!("{}/plans/drafts/{id}", app.address)).header(COOKIE, &cookies).send().await;
    let review = review.unwrap().text().await.unwrap();
    assert!(review.contains("name=\"c0.owners_line\"") && review.contains("责任单位所在行"), "a field of its own");

    let publish = |owners_line: &'static str| {
        let form = Form::new()
            .text("csrf", secret.clone())
            .text("token", "")
            .text("plan.slug", "owners-apart-2026")
            .text("plan.title", "上海市推进测试事项行动方案（2026—2027年）")
            .text("plan.from", "2026")
            .text("plan.to", "2027")
            .text("c0.accept", "on")
            .text("c0.owners", "市经济信息化委、市发展改革委")
            .text("c0.owners_line", owners_line);
        app.client
            .post(format!("{}/plans/drafts/{id}/publish", app.address))
            .header(COOKIE, &cookies)
            .multipart(form)
            .send()
    };
    // A line that does not name them is refused, saying which line and what it reads.
    let refused = publish("5").await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("原文第 5 行中没有«市经济信息化委»"), "the line is checked");
    // Left empty for a unit no line names: said so before anything is validated.
    let form = Form::new()
        .text("csrf", secret.clone())
        .text("token", "")
        .text("c0.accept", "on")
        .text("c0.owners", "市商务委")
        .text("c0.owners_line", "");
    let unnamed = app.client.post(format!("{}/plans/drafts/{id}/publish", app.address)).header(COOKIE, &cookies);
    let unnamed = unnamed.multipart(form).send().await.unwrap();
    assert_eq!(unnamed.status(), 422);
    assert!(unnamed.text().await.unwrap().contains("原文中没有一行同时写有这些单位"), "not a missing field");
    // Left empty: the nearest line naming both is cited.
    let published = publish("").await.unwrap();
    assert_eq!(published.status(), 303, "{}", published.text().await.unwrap());
    assert_eq!(published.headers()[LOCATION], "/plans/owners-apart-2026");
    let (_, targets) = app.get_json("/api/v1/targets?plan=owners-apart-2026").await;
    assert_eq!(targets[0]["owners"], json!(["eitc", "ndrc"]), "{targets}");
}

/// A plan whose last line states a goal the rules do not read (由…增至…左右).
const PLAN_WITH_A_MISSED_GOAL: &str = "上海市推进测试事项三年行动计划（2026—2028年）
沪府办发〔2026〕1号
2026年3月1日印发
一、主要目标
到2028年，公共数据开放数据集超过8000项，实际光纤入户率达到80%。
（责任单位：市经济信息化委）
二、保障措施
加强组织领导，测试示范点由目前的12个增至20个左右。";

#[tokio::test]
async fn a_reviewer_adds_missed_goals_names_new_indicators_and_republishes_from_the_last_edits() {
    use reqwest::header::{COOKIE, LOCATION};
    use reqwest::multipart::Form;
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await.without_redirects();
    let admin = app.token(Role::Admin);
    let (status, draft) = app.post_draft(Some(&admin), "missed.txt", PLAN_WITH_A_MISSED_GOAL.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["candidates"].as_array().unwrap().len(), 2, "line 8 is not read: {draft}");
    let id = draft["id"].as_i64().unwrap();
    let (cookies, secret) = crate::departments::sign_in(&app, &admin).await;
    let review_url = format!("{}/plans/drafts/{id}", app.address);
    let page = app.client.get(&review_url).header(COOKIE, &cookies).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"a0.quote\"") && page.contains("name=\"c0.cumulative\""), "slots and flags");

    let post = |fields: Vec<(&'static str, &'static str)>| {
        let mut form = Form::new()
            .text("csrf", secret.clone())
            .text("token", "")
            .text("plan.slug", SLUG)
            .text("plan.title", "上海市推进测试事项三年行动计划（2026—2028年）")
            .text("plan.from", "2026")
            .text("plan.to", "2028");
        for (name, value) in fields {
            form = form.text(name, value);
        }
        app.client.post(format!("{review_url}/publish")).header(COOKIE, &cookies).multipart(form).send()
    };
    // Every problem of the added targets at once, and nothing published.
    let refused = post(vec![
        ("c0.accept", "on"),
        ("a0.quote", "测试示范点由目前的12个增至30个"),
        ("a1.quote", "加强组织领导"),
        ("a1.value", ""),
        ("a2.quote", "组织"),
        ("a2.kind", "milestone"),
        ("a2.baseline_value", "12"),
    ])
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("原文中没有这段文字"), "a quote not in the text: {refused}");
    assert!(refused.contains("a1.value: 必填"), "a level target needs its value: {refused}");
    assert!(refused.contains("须一起填写"), "half a baseline: {refused}");
    assert!(refused.contains("value=\"测试示范点由目前的12个增至30个\""), "the typed quote comes back to be mended");
    assert_eq!(app.get_json(&format!("/api/v1/plans/{SLUG}")).await.0, 404, "nothing published");

    let published = post(vec![
        ("plan.title_en", "Test action plan"),
        ("c0.accept", "on"),
        ("c0.stretch", "yes"),
        ("c1.accept", "on"),
        ("a0.quote", "测试示范点由目前的12个增至20个左右"),
        ("a0.comparator", "≈"),
        ("a0.value", "20"),
        ("a0.unit", "个"),
        // The indicator left empty: a new one, named as typed, without a slug to invent.
        ("a0.new_name", "测试示范点数量"),
        // Its unit as typed (figures will come in 万个).
        ("a0.new_unit", "万个"),
        ("a0.baseline_value", "12"),
        ("a0.baseline_year", "2025"),
        ("a0.baseline_line", "8"),
        ("a1.quote", "加强组织领导"),
        ("a1.kind", "milestone"),
    ])
    .await
    .unwrap();
    assert_eq!(published.status(), 303, "{}", published.text().await.unwrap());
    assert_eq!(published.headers()[LOCATION], format!("/plans/{SLUG}").as_str());
    let (_, targets) = app.get_json(&format!("/api/v1/targets?plan={SLUG}")).await;
    let by_slug = |slug: String| targets.as_array().unwrap().iter().find(|t| t["slug"] == slug).cloned();
    let added = by_slug(format!("{SLUG}-3")).expect("the goal added by hand");
    assert!(added["indicator"]["slug"].as_str().unwrap().starts_with("new-l8-"), "{added}");
    assert_eq!(added["indicator"]["name"], "测试示范点数量", "the new indicator as named: {added}");
    assert_eq!(added["indicator"]["unit"], "万个", "in the unit typed: {added}");
    assert!(added["as_written"].as_str().unwrap_or_default().contains("20个"), "{added}");
    assert_eq!(added["citation"]["line"], 8, "found by its quote: {added}");
    assert_eq!(by_slug(format!("{SLUG}-4")).expect("the milestone added")["kind"], "milestone");
    assert_eq!(by_slug(format!("{SLUG}-1")).unwrap()["stretch"], true, "{targets}");

    // Reviewed again: the form starts from what was published, not from the rules.
    let page = app.client.get(&review_url).header(COOKIE, &cookies).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"Test action plan\""), "the English title kept");
    assert!(page.contains("value=\"测试示范点由目前的12个增至20个左右\""), "the added goal kept");
    assert!(page.contains("value=\"测试示范点数量\""), "the indicator's name kept");
    // A second version without the fibre target: every other target keeps its name.
    let republished = post(vec![
        ("c0.accept", "on"),
        ("a0.quote", "测试示范点由目前的12个增至20个左右"),
        ("a1.quote", "加强组织领导"),
    ])
    .await
    .unwrap();
    assert_eq!(republished.status(), 303, "{}", republished.text().await.unwrap());
    let (_, targets) = app.get_json(&format!("/api/v1/targets?plan={SLUG}")).await;
    let mut slugs: Vec<&str> = targets.as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
    slugs.sort();
    assert_eq!(slugs, [format!("{SLUG}-1"), format!("{SLUG}-3"), format!("{SLUG}-4")], "{targets}");
    let (_, plan) = app.get_json(&format!("/api/v1/plans/{SLUG}")).await;
    assert_eq!(plan["title_en"], "Test action plan", "{plan}");
}

#[tokio::test]
async fn publications_sent_at_once_never_fail_on_each_others_version_number() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let admin = app.token(Role::Admin);
        let (_, draft) = app.post_draft(Some(&admin), "plan.txt", TEST_PLAN.as_bytes().to_vec()).await;
        let id = draft["id"].as_i64().unwrap();
        let body = reviewed(8000.0);
        let sent = (0..6).map(|_| app.publish(&admin, id, &body));
        let answers = futures_util::future::join_all(sent).await;
        let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
        // Each is published as a version of its own or told the server is busy; none fails on a
        // version number another took meanwhile.
        assert!(statuses.iter().all(|s| [201, 503].contains(s)), "{backend:?}: {answers:?}");
        assert!(statuses.contains(&201), "{backend:?}: {answers:?}");
        let (_, plan) = app.get_json(&format!("/api/v1/plans/{SLUG}")).await;
        assert_eq!(plan["slug"], SLUG, "{plan}");
    }
}

/// A plan text with two milestones, then its revision: the second goal dropped (the milestones
/// move up a place), one added after them, issued half a year later.
const PLAN_V1: &str = "上海市推进测试服务三年行动计划（2026—2028年）
沪府办发〔2026〕2号
2026年3月1日印发
一、主要目标
到2028年，公共数据开放数据集超过8000项。
到2028年，实际光纤入户率达到80%。
2027年底前，建成全市统一的测试服务信息平台。
2028年底前，实现街镇测试服务综合体全覆盖。
到2028年，建成10个测试示范点。";

const PLAN_V2: &str = "上海市推进测试服务三年行动计划（2026—2028年）（修订）
沪府办发〔2026〕9号
2026年9月1日印发
一、主要目标
到2028年，公共数据开放数据集超过9000项。
2027年底前，建成全市统一的测试服务信息平台。
2028年6月底前，实现街镇测试服务综合体全覆盖。
到2028年，测试床位达到5000张。
到2028年，建成10个测试示范点。";

fn plan_input(issued: &str, doc_number: &str) -> Value {
    json!({ "slug": "test-services-2026", "title": "上海市推进测试服务三年行动计划（2026—2028年）",
            "doc_number": doc_number, "issued": issued, "horizon": [2026, 2028] })
}

/// Line 5 of both versions: 公共数据开放数据集超过… on the seeds' indicator.
fn open_data_sets(value: u32) -> Value {
    json!({ "indicator": "open-data-sets", "name": "公共数据开放数据集", "kind": "level", "comparator": ">",
            "value": value, "unit": "项", "deadline": "2028", "line": 5, "quote": format!("公共数据开放数据集超过{value}项") })
}

fn milestone(line: u32, quote: &str, deadline: &str) -> Value {
    json!({ "name": quote, "kind": "milestone", "value": 100, "unit": "%", "deadline": deadline, "line": line, "quote": quote })
}

/// A revision drafted from its own text keeps each restated goal's name, so a milestone's
/// figures stay with it; a goal new to the plan takes a number no version used; views as of a day
/// before the revision was issued show the version then in force.
#[tokio::test]
async fn a_revision_drafted_anew_keeps_each_goals_name_and_figures_and_earlier_days_show_the_first() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    let plan = "test-services-2026";
    let (_, draft) = app.post_draft(Some(&admin), "v1.txt", PLAN_V1.as_bytes().to_vec()).await;
    let mut first = json!({
        "plan": plan_input("2026-03-01", "沪府办发〔2026〕2号"),
        "indicators": [{ "slug": "test-ftth-rate", "name": "测试光纤入户率", "unit": "%", "higher_is_better": true }],
        "targets": [
            open_data_sets(8000),
            { "indicator": "test-ftth-rate", "name": "实际光纤入户率", "kind": "level", "comparator": ">=",
              "value": 80, "unit": "%", "deadline": "2028", "line": 6, "quote": "实际光纤入户率达到80%" },
            milestone(7, "建成全市统一的测试服务信息平台", "2027"),
            milestone(8, "实现街镇测试服务综合体全覆盖", "2028"),
        ]
    });
    first["targets"][2]["name"] = json!("统一的测试服务信息平台建成");
    let (status, published) = app.publish(&admin, draft["id"].as_i64().unwrap(), &first).await;
    assert_eq!(status, 201, "{published}");
    let uploader = app.token(Role::Uploader);
    let csv = format!("indicator,period,value\n{plan}-3,2026-06,50\n");
    assert_eq!(app.upload(&uploader, "", csv).await.0, 201, "half the platform built");

    let (_, draft) = app.post_draft(Some(&admin), "v2.txt", PLAN_V2.as_bytes().to_vec()).await;
    // Its review starts as the plan's next version, the goals stated as before as reviewed then.
    let (cookies, _) = crate::departments::sign_in(&app, &admin).await;
    let review = app
        .client
        .get(format!("{}/plans/drafts/{}", app.address, draft["id"]))
        .header(reqwest::header::COOKIE, &cookies)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(review.contains("标题与已发布的规划") && review.contains(&format!("value=\"{plan}\"")), "{review}");
    assert!(review.contains("value=\"统一的测试服务信息平台建成\""), "the name given in the last review: {review}");
    // The deadline the new text gives the same words; a goal rejected last time starts unticked.
    assert!(review.contains("value=\"2028-06-30\""), "{review}");
    let quoted = review.find("value=\"建成10个测试示范点\"").expect("the goal rejected in the first review");
    let accept = &review[quoted..review[quoted..].find("</label>").map_or(review.len(), |end| quoted + end)];
    assert!(accept.contains(".accept\"") && !accept.contains("checked"), "{accept}");
    let revised = json!({
        "plan": plan_input("2026-09-01", "沪府办发〔2026〕9号"),
        "indicators": [{ "slug": "test-beds", "name": "测试床位数", "unit": "张", "higher_is_better": true }],
        "targets": [
            open_data_sets(9000),
            milestone(6, "建成全市统一的测试服务信息平台", "2027"),
            milestone(7, "实现街镇测试服务综合体全覆盖", "2028-06-30"),
            { "indicator": "test-beds", "name": "测试床位", "kind": "level", "comparator": ">=",
              "value": 5000, "unit": "张", "deadline": "2028", "line": 8, "quote": "测试床位达到5000张" },
        ]
    });
    let (status, published) = app.publish(&admin, draft["id"].as_i64().unwrap(), &revised).await;
    assert_eq!((status, published["version"].as_i64()), (201, Some(2)), "{published}");

    let (_, targets) = app.get_json(&format!("/api/v1/targets?plan={plan}")).await;
    let slug_of = |quote: &str| {
        let mut all = targets.as_array().unwrap().iter();
        all.find(|t| t["citation"]["quote"] == quote).map(|t| t["slug"].as_str().unwrap().to_owned())
    };
    assert_eq!(slug_of("公共数据开放数据集超过9000项"), Some(format!("{plan}-1")), "the goal revised keeps its name");
    assert_eq!(slug_of("建成全市统一的测试服务信息平台"), Some(format!("{plan}-3")), "{targets}");
    assert_eq!(slug_of("实现街镇测试服务综合体全覆盖"), Some(format!("{plan}-4")));
    assert_eq!(slug_of("测试床位达到5000张"), Some(format!("{plan}-5")), "a new goal takes no earlier goal's name");
    let (_, platform) = app.get_json(&format!("/api/v1/targets/{plan}-3")).await;
    assert_eq!(platform["progress"]["latest"]["value"], 50.0, "the platform's figure stays its own: {platform}");
    // Its time runs from the plan's first issue (2026-03-01), not from the revision's.
    let elapsed = platform["progress"]["elapsed"].as_f64().expect("time elapsed");
    let since_first_issue = 121.0 / 670.0;
    assert!((elapsed - since_first_issue).abs() < 0.01, "{elapsed} ≠ {since_first_issue}: {platform}");
    let (_, coverage) = app.get_json(&format!("/api/v1/targets/{plan}-4")).await;
    assert!(coverage["progress"]["latest"].is_null(), "{coverage}");

    // The revision took over on the day it was issued: the first version is shown before it.
    let (_, plan_json) = app.get_json(&format!("/api/v1/plans/{plan}")).await;
    assert_eq!(plan_json["doc_number"], "沪府办发〔2026〕9号");
    let before = app.get(&format!("/plans/{plan}?as_of=2026-06-30")).await.text().await.unwrap();
    assert!(before.contains("这是规划的旧版本") && before.contains("沪府办发〔2026〕2号"), "{before}");
    assert!(before.contains("实际光纤入户率"), "the first version's targets: {before}");
    let now = app.get(&format!("/plans/{plan}")).await.text().await.unwrap();
    assert!(now.contains("自 2026-09-01 起施行") && now.contains(&format!("href=\"/plans/{plan}-v1\"")), "{now}");
    assert!(now.contains("（施行至 2026-08-31）"), "its last day in force, not the day it was replaced: {now}");
    let target_before = app.get(&format!("/targets/{plan}-1?as_of=2026-06-30")).await.text().await.unwrap();
    assert!(
        target_before.contains("超过8000项")
            && target_before.contains("这是目标在规划旧版本中的写法，施行至 2026-08-31"),
        "{target_before}"
    );
    let target_now = app.get(&format!("/targets/{plan}-1")).await.text().await.unwrap();
    assert!(target_now.contains(&format!("href=\"/targets/{plan}-1-v1\"")), "{target_now}");
    // The first version asked for without a date: as of its last day, its targets listed.
    let first_version = app.get(&format!("/plans/{plan}-v1")).await.text().await.unwrap();
    assert!(first_version.contains("实际光纤入户率") && first_version.contains("2026-08-31"), "{first_version}");
    assert!(first_version.contains("50% (2026-06-30)"), "its milestone measured where it always was: {first_version}");
    // The goal the revision added, as of a day before: said to be new.
    let added_before = app.get(&format!("/targets/{plan}-5?as_of=2026-06-30")).await.text().await.unwrap();
    assert!(added_before.contains("起施行的修订版新增"), "{added_before}");
    // The goal the revision dropped keeps its address: the version that set it.
    let dropped = app.get(&format!("/targets/{plan}-2")).await;
    assert_eq!(dropped.status(), 200);
    assert!(dropped.text().await.unwrap().contains("实际光纤入户率达到80%"));

    // The API, the charts and the reports show the same versions as the pages.
    let (_, then) = app.get_json(&format!("/api/v1/plans/{plan}?as_of=2026-06-30")).await;
    assert_eq!((&then["slug"], &then["doc_number"]), (&json!(format!("{plan}-v1")), &json!("沪府办发〔2026〕2号")));
    assert_eq!(then["targets"].as_array().map(Vec::len), Some(4), "the first version's goals: {then}");
    let (_, goal_then) = app.get_json(&format!("/api/v1/targets/{plan}-1?as_of=2026-06-30")).await;
    assert_eq!((&goal_then["slug"], &goal_then["value"]), (&json!(format!("{plan}-1-v1")), &json!(8000.0)));
    let (status, dropped) = app.get_json(&format!("/api/v1/targets/{plan}-2")).await;
    assert_eq!((status, &dropped["slug"]), (200, &json!(format!("{plan}-2-v1"))), "{dropped}");
    let (_, first_version) = app.get_json(&format!("/api/v1/plans/{plan}-v1")).await;
    assert_eq!(
        (first_version["as_of"].as_str(), first_version["targets"].as_array().map(Vec::len)),
        (Some("2026-08-31"), Some(4))
    );
    let (_, listed) = app.get_json(&format!("/api/v1/targets?plan={plan}&as_of=2026-06-30")).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(4), "{listed}");
    let chart = app.get(&format!("/charts/plans/{plan}.svg?as_of=2026-06-30")).await.text().await.unwrap();
    assert!(chart.contains("实际光纤入户率"), "the first version's goals drawn: {chart}");
    let chart = app.get(&format!("/charts/targets/{plan}-1.svg?as_of=2026-06-30")).await.text().await.unwrap();
    assert!(chart.contains("8000") && !chart.contains("9000"), "{chart}");
    let report = app.get(&format!("/reports/status.pdf?plan={plan}&as_of=2026-06-30")).await.bytes().await.unwrap();
    let report = crate::reports::pdf_text(&report);
    assert!(report.contains("印发 2026-03-01") && report.contains("实际光纤入户率"), "{report}");

    // A figure after the revision: today's lists show it at once (an earlier version's targets
    // are in memory but not in today's view, and the view is updated in place).
    assert_eq!(app.upload(&uploader, "", format!("indicator,period,value\n{plan}-3,2026-11,80\n")).await.0, 201);
    let (_, listed) = app.get_json(&format!("/api/v1/targets?plan={plan}")).await;
    let platform = listed.as_array().unwrap().iter().find(|t| t["slug"] == format!("{plan}-3")).cloned().unwrap();
    assert_eq!(platform["progress"]["latest"]["value"], 80.0, "{platform}");
}

/// A plan issued after its base year's figure would have been due: that figure is due as long
/// after the issue, not overdue the day the plan is registered.
#[tokio::test]
async fn a_base_figure_is_not_due_before_its_plan_was_issued() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    let (_, draft) = app.post_draft(Some(&admin), "plan.txt", TEST_PLAN.as_bytes().to_vec()).await;
    let mut body = reviewed(8000.0);
    body["targets"][1]["owners"] = json!(["市经济信息化委"]);
    body["targets"][1]["owners_line"] = json!(6);
    let (status, published) = app.publish(&admin, draft["id"].as_i64().unwrap(), &body).await;
    assert_eq!(status, 201, "{published}");
    let owed = |department: &Value, key: &str| -> Vec<String> {
        let all = department[key].as_array().unwrap().iter();
        all.filter(|f| f["indicator"] == "test-ftth-rate").map(|f| format!("{} {}", f["period"], f["due_on"])).collect()
    };
    // Issued 2026-03-01: the 2025 figure is due 90 days later, on 2026-05-30, not on 2026-03-31.
    let (_, in_may) = app.get_json("/api/v1/departments/eitc?as_of=2026-05-15").await;
    assert!(owed(&in_may, "overdue_figures").is_empty(), "{in_may}");
    assert_eq!(owed(&in_may, "upcoming"), ["\"2025\" \"2026-05-30\""], "{in_may}");
    let (_, in_june) = app.get_json("/api/v1/departments/eitc?as_of=2026-06-01").await;
    assert_eq!(owed(&in_june, "overdue_figures"), ["\"2025\" \"2026-05-30\""], "{in_june}");
}

/// A plan text's file name loses what would make it read otherwise than it is stored (U+202E
/// before "txt.exe" made the name read as a .txt file), as uploads' names do.
#[tokio::test]
async fn a_draft_file_name_loses_direction_marks() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    let name = "%E8%A7%84%E5%88%92%E6%96%87%E6%9C%AC%E2%80%AEtxt.exe%E2%80%8B";
    let (status, draft) = app.post_draft(Some(&admin), name, TEST_PLAN.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["file_name"], "规划文本txt.exe", "{draft}");
}

/// A clerk signed in with a department's token who opens the drafts page is told the token they
/// are signed in with cannot draft, not merely asked for one as if nobody were signed in.
#[tokio::test]
async fn the_drafts_page_tells_a_signed_in_clerk_their_token_cannot_draft() {
    use reqwest::header::COOKIE;
    let app = spawn_app(&backends().remove(0)).await;
    let (cookies, _) = crate::departments::sign_in(&app, &app.department_token("data-bureau")).await;
    let page = app.client.get(format!("{}/plans/drafts", app.address)).header(COOKIE, &cookies).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("该令牌不能处理规划草稿") && page.contains("改用管理员令牌登录"), "{page}");
    let anonymous = app.get("/plans/drafts").await.text().await.unwrap();
    assert!(!anonymous.contains("该令牌不能处理规划草稿") && anonymous.contains("用管理员令牌登录"));
}

/// A revision that drops a milestone measured by its own percent complete: published, and the
/// earlier version keeps measuring it (it was refused: its measure lacked a direction).
#[tokio::test]
async fn a_revision_may_drop_a_milestone_the_plan_measured_by_itself() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    let plan = "test-services-2026";
    let (_, draft) = app.post_draft(Some(&admin), "v1.txt", PLAN_V1.as_bytes().to_vec()).await;
    let first = json!({
        "plan": plan_input("2026-03-01", "沪府办发〔2026〕2号"),
        "targets": [open_data_sets(8000), milestone(7, "建成全市统一的测试服务信息平台", "2027")]
    });
    let (status, published) = app.publish(&admin, draft["id"].as_i64().unwrap(), &first).await;
    assert_eq!(status, 201, "{published}");
    let (_, draft) = app.post_draft(Some(&admin), "v2.txt", PLAN_V2.as_bytes().to_vec()).await;
    let revised = json!({ "plan": plan_input("2026-09-01", "沪府办发〔2026〕9号"), "targets": [open_data_sets(9000)] });
    let (status, published) = app.publish(&admin, draft["id"].as_i64().unwrap(), &revised).await;
    assert_eq!((status, published["version"].as_i64()), (201, Some(2)), "{published}");
    let (status, dropped) = app.get_json(&format!("/api/v1/targets/{plan}-2")).await;
    assert_eq!((status, &dropped["slug"]), (200, &json!(format!("{plan}-2-v1"))), "{dropped}");
    // Asked for later, it is seen as on its last day in force, not judged (and chased) since.
    let (_, later) = app.get_json(&format!("/api/v1/targets/{plan}-2?as_of=2028-06-30")).await;
    assert_eq!(later["progress"]["as_of"], "2026-08-31", "{later}");
    // The first version owes only what fell due while it was in force: the 2025 figure its
    // open-data goal is measured from (due 2026-05-30), not the milestone due in 2028.
    let (_, first) = app.get_json(&format!("/api/v1/plans/{plan}-v1?as_of=2028-06-30")).await;
    assert_eq!(first["completeness"]["due"], 1, "{first}");
}
