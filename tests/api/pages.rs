//! The dashboard pages over HTTP: content, language, headers, escaping, the upload form's guards
//! and every error page. (The browser tests drive the same pages in Chromium.)

use plantrack::server::auth::Role;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, SET_COOKIE};
use reqwest::multipart::{Form, Part};

use crate::helpers::{
    Backend, TestApp, TestDb, backends, copy_catalog, spawn_app, spawn_app_configured, spawn_app_with,
};

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn every_page_answers_in_chinese_with_the_security_headers() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let pages = [
            ("/", "规划目标总览"),
            ("/?status=achieved", "政府数据服务网站开放数据集"),
            ("/?plan=big-data-2016&status=overdue", "上海市大数据发展实施意见"),
            ("/plans/big-data-2016", "沪府发〔2016〕79号"),
            ("/plans/big-data-2016?sort=deadline", "大数据储备和承载能力达到EB级"),
            ("/targets/bd16-open-data-sets", "政府数据服务网站开放数据集超过3000项"),
            ("/targets/bd16-open-data-sets?as_of=2016-06-30", "未到报送期"),
            ("/uploads", "上传记录"),
            ("/reports", "生成 Word 文件（可编辑）"),
        ];
        for (path, expected) in pages {
            let response = app.get(path).await;
            assert_eq!(response.status(), 200, "{backend:?} {path}");
            let headers = response.headers().clone();
            let policy = headers[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
            assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "{policy}");
            assert!(!policy.contains("script-src"), "no script is allowed at all: {policy}");
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["content-type"], "text/html; charset=utf-8");
            let body = response.text().await.unwrap();
            assert!(body.contains(expected), "{backend:?} {path}: no {expected}");
            assert!(!body.contains("<script"), "{path} carries script");
        }
        // The target page judges as of the date: the 2020 figure is not known in mid-2016.
        let (_, body) = page(&app, "/").await;
        assert!(body.contains("src=\"/charts/plans/big-data-2016.svg?lang=zh&amp;as_of="), "the plan chart on demand");
        let (_, body) = page(&app, "/targets/bd16-open-data-sets").await;
        assert!(body.contains("已实现") && body.contains("role=\"img\""));
    }
}

#[tokio::test]
async fn english_is_remembered_in_a_cookie() {
    let app = spawn_app(&Backend::Sqlite).await;
    let response = app.get("/plans/big-data-2016?lang=en").await;
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lang=en") && cookie.contains("SameSite=Lax"), "{cookie}");
    let body = response.text().await.unwrap();
    assert!(body.contains("Document number") && body.contains("<html lang=\"en\">"));
    let remembered = app.client.get(format!("{}/", app.address)).header(COOKIE, "lang=en").send().await.unwrap();
    assert!(remembered.text().await.unwrap().contains("Plan targets at a glance"));
    let (_, body) = page(&app, "/").await;
    assert!(body.contains("规划目标总览"), "Chinese without the cookie");
}

#[tokio::test]
async fn markup_in_a_target_name_is_shown_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = copy_catalog(dir.path());
    let file = catalog.join("big-data-2016.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text =
        text.replacen("name = \"大数据储备和承载能力达到EB级\"", "name = \"<script>alert(1)</script>达到EB级\"", 1);
    std::fs::write(&file, text).unwrap();
    let app = spawn_app_with(TestDb::new(&Backend::Sqlite), Some(catalog)).await;
    for path in ["/plans/big-data-2016", "/targets/bd16-storage-eb", "/?plan=big-data-2016&status=overdue"] {
        let (status, body) = page(&app, path).await;
        assert_eq!(status, 200);
        assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;达到EB级"), "{path}");
        assert!(!body.contains("<script>"), "{path}");
    }
}

/// The form's secret, from the cookie the upload page sets.
async fn form_secret(app: &TestApp) -> String {
    let response = app.get("/uploads").await;
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    let body = response.text().await.unwrap();
    assert!(body.contains(&format!("name=\"csrf\" value=\"{value}\"")));
    value
}

fn upload_form(secret: &str, token: &str, csv: &str) -> Form {
    Form::new()
        .text("csrf", secret.to_owned())
        .text("token", token.to_owned())
        .text("encoding", "auto")
        .part("file", Part::bytes(csv.as_bytes().to_vec()).file_name("月报.csv"))
}

async fn post_form(app: &TestApp, path: &str, cookie: Option<&str>, origin: Option<&str>, form: Form) -> (u16, String) {
    let mut request = app.client.post(format!("{}{path}", app.address)).multipart(form);
    if let Some(secret) = cookie {
        request = request.header(COOKIE, format!("plantrack_csrf={secret}"));
    }
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The hidden field `name` of a page's form.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no field {name}")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

async fn web_uploads(app: &TestApp) -> usize {
    let uploads = app.uploads().await;
    uploads.iter().filter(|u| u["channel"] == "web").count()
}

#[tokio::test]
async fn the_upload_form_previews_then_commits() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let secret = form_secret(&app).await;
        let csv = "指标,期间,数值\naigs-smart-haoban-4,2025,完成\n";
        let (status, body) =
            post_form(&app, "/uploads/preview", Some(&secret), None, upload_form(&secret, &token, csv)).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("检查通过") && body.contains("新增 <strong>1</strong>"), "{body}");
        assert_eq!(web_uploads(&app).await, 0, "a preview writes nothing");

        let commit = Form::new()
            .text("csrf", secret.clone())
            .text("token", hidden(&body, "token"))
            .text("encoding", hidden(&body, "encoding"))
            .text("file_name", hidden(&body, "file_name"))
            .text("sha256", hidden(&body, "sha256"))
            .text("content", hidden(&body, "content"));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = client
            .post(format!("{}/uploads/commit", app.address))
            .header(COOKIE, format!("plantrack_csrf={secret}"))
            .multipart(commit)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let (status, body) = page(&app, &location).await;
        assert_eq!(status, 200);
        assert!(body.contains("月报.csv") && body.contains("已写入"), "{body}");
        assert!(body.contains("/targets/aigs-smart-haoban-4"), "the touched target is listed: {body}");
        assert_eq!(web_uploads(&app).await, 1);
        let (_, target) = app.get_json("/api/v1/targets/aigs-smart-haoban-4").await;
        assert_eq!(target["progress"]["status"], "achieved");
    }
}

#[tokio::test]
async fn the_upload_form_shows_every_bad_row() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let secret = form_secret(&app).await;
    let csv = "指标,期间,数值\naigs-smart-haoban-4,2025,完成\nnope,2025,1\naigs-smart-haoban-4,2099,50\nopen-data-sets,2021,1000亿元\nopen-data-sets,2022,5000项\n";
    let (status, body) =
        post_form(&app, "/uploads/preview", Some(&secret), None, upload_form(&secret, &token, csv)).await;
    assert_eq!(status, 422);
    assert!(body.contains("未知的指标") && body.contains("2099 尚未开始") && body.contains("未写入任何数据"), "{body}");
    // Columns by the template's Chinese heads, problems counted by kind, a unit told to move.
    assert!(body.contains("<td>数值</td>") && !body.contains("<td>value</td>"), "{body}");
    assert!(body.contains("按类型统计") && body.contains("带了单位“亿元”"), "{body}");
    // Two units told to move are counted together, the first one's words said to be the first's.
    assert!(body.contains("2 × 数值，第一处：“1000亿元”"), "{body}");
    assert_eq!(web_uploads(&app).await, 0);
    // In English the reasons are English.
    let response = app
        .client
        .post(format!("{}/uploads/preview", app.address))
        .header(COOKIE, format!("plantrack_csrf={secret}; lang=en"))
        .multipart(upload_form(&secret, &token, csv))
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(body.contains("unknown indicator") && body.contains("2099 has not begun yet"), "{body}");
}

/// Behind a proxy that changes `Host`, forms are taken from the configured public origin only.
#[tokio::test]
async fn forms_behind_a_proxy_are_taken_from_the_public_origin_only() {
    let own = spawn_app(&Backend::Sqlite).await;
    let own_origin = own.address.clone();
    let proxied =
        spawn_app_configured(&Backend::Sqlite, |s| s.public_origin = Some("https://Plans.Example.gov.cn/".into()))
            .await;
    let csv = "指标,期间,数值\naigs-smart-haoban-4,2025,完成\n";
    for (app, origin, expected) in [
        (&own, own_origin.as_str(), 200),
        (&own, "null", 403),
        (&own, "https://plans.example.gov.cn", 403),
        (&proxied, "https://plans.example.gov.cn", 200),
        (&proxied, proxied.address.as_str(), 403),
        (&proxied, "http://plans.example.gov.cn", 403),
        (&proxied, "https://plans.example.gov.cn.evil.example", 403),
    ] {
        let token = app.token(Role::Uploader);
        let secret = form_secret(app).await;
        let form = upload_form(&secret, &token, csv);
        let (status, body) = post_form(app, "/uploads/preview", Some(&secret), Some(origin), form).await;
        assert_eq!(status, expected, "{origin}: {body}");
    }
}

#[tokio::test]
async fn the_upload_form_refuses_other_sites_and_wrong_tokens() {
    let app = spawn_app(&Backend::Sqlite).await;
    let uploader = app.token(Role::Uploader);
    let viewer = app.token(Role::Viewer);
    let secret = form_secret(&app).await;
    let csv = "indicator,period,value\naigs-smart-haoban-4,2025,100\n";
    let cases = [
        ("no cookie", None, None, upload_form(&secret, &uploader, csv), 403, "表单已过期"),
        (
            "wrong secret",
            Some(secret.as_str()),
            None,
            upload_form("0".repeat(32).as_str(), &uploader, csv),
            403,
            "表单已过期",
        ),
        (
            "other origin",
            Some(&secret),
            Some("http://evil.example"),
            upload_form(&secret, &uploader, csv),
            403,
            "来自其他网站",
        ),
        ("unknown token", Some(&secret), None, upload_form(&secret, "pt_nope", csv), 401, "不存在或已吊销"),
        ("viewer token", Some(&secret), None, upload_form(&secret, &viewer, csv), 403, "此操作需要填报权限"),
        (
            "no file",
            Some(&secret),
            None,
            Form::new().text("csrf", secret.clone()).text("token", uploader.clone()),
            400,
            "请选择一个 CSV 文件",
        ),
    ];
    for (case, cookie, origin, form, expected, message) in cases {
        let (status, body) = post_form(&app, "/uploads/preview", cookie, origin, form).await;
        assert_eq!(status, expected, "{case}: {body}");
        assert!(body.contains(message), "{case}: {body}");
        assert!(body.contains("<html"), "{case}: an error page, not JSON");
    }
    // A commit whose file does not match its checksum writes nothing.
    let tampered = Form::new()
        .text("csrf", secret.clone())
        .text("token", uploader.clone())
        .text("file_name", "x.csv")
        .text("sha256", "0".repeat(64))
        .text("content", "aW5kaWNhdG9yLHBlcmlvZCx2YWx1ZQo=");
    let (status, body) = post_form(&app, "/uploads/commit", Some(&secret), None, tampered).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(web_uploads(&app).await, 0);
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.upload_limit_bytes = 1024).await;
    let token = app.token(Role::Uploader);
    let secret = form_secret(&app).await;
    let csv = format!("indicator,period,value\n{}", "aigs-smart-haoban-4,2025,100\n".repeat(3000));
    let (status, body) =
        post_form(&app, "/uploads/preview", Some(&secret), None, upload_form(&secret, &token, &csv)).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("字节的上限"), "{body}");
}

#[tokio::test]
async fn mistakes_in_addresses_are_error_pages() {
    let app = spawn_app(&Backend::Sqlite).await;
    let cases = [
        ("/plans/no-such-plan", 404, "no-such-plan"),
        ("/targets/no-such-target", 404, "no-such-target"),
        ("/uploads/999999", 404, "999999"),
        ("/?as_of=2020-13-01", 400, "不是日期：请写作 YYYY-MM-DD"),
        ("/?status=great", 400, "未知的状态"),
        ("/?plan=nope", 400, "没有规划"),
        ("/?colour=red", 400, "没有名为“colour”的参数"),
        ("/plans/big-data-2016?sort=name", 400, "未知的排序"),
        ("/plans/big-data-2016?sort=name&lang=en", 400, "unknown order"),
        ("/targets/sc13-ftth-takeup?region=火星", 400, "既不是全市"),
        ("/static/fonts/other.ttf", 404, ""),
    ];
    for (path, expected, message) in cases {
        let (status, body) = page(&app, path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body.contains(message), "{path}: {body}");
        // A Chinese error page says nothing in English but the names it echoes.
        if !path.contains("lang=en") && expected != 404 {
            assert!(!body.contains("unknown") && !body.contains("write YYYY"), "{path}: {body}");
        }
    }
}

/// A browser's request: it asks for HTML first, as Chromium and Firefox do when navigating.
async fn browse(app: &TestApp, path: &str, method: reqwest::Method) -> (u16, String, String) {
    let accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let response = app
        .client
        .request(method, format!("{}{path}", app.address))
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get(reqwest::header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    (status, kind.unwrap_or_default(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_browser_at_an_unknown_address_gets_a_page_in_its_language_and_an_api_client_json() {
    let app = spawn_app(&Backend::Sqlite).await;
    // An address with a control character, refused before its page runs, is a page too.
    let (status, kind, body) = browse(&app, "/plans/%00", reqwest::Method::GET).await;
    assert_eq!((status, kind.as_str()), (404, "text/html; charset=utf-8"), "{body}");
    assert!(body.contains("<title>未找到 · plantrack</title>"), "{body}");
    let (status, kind, body) = browse(&app, "/no/such/page", reqwest::Method::GET).await;
    assert_eq!((status, kind.as_str()), (404, "text/html; charset=utf-8"), "{body}");
    assert!(body.contains(r#"<html lang="zh-CN">"#), "{body}");
    assert!(body.contains("<title>未找到 · plantrack</title>") && body.contains("/no/such/page"), "{body}");
    assert!(body.contains(r#"<a href="/">返回总览</a>"#), "a way back: {body}");
    assert!(!visible_text(&body).contains("no route"), "a Chinese page says nothing in English: {body}");
    let (status, _, body) = browse(&app, "/no/such/page?lang=en", reqwest::Method::GET).await;
    assert_eq!(status, 404);
    assert!(body.contains(r#"<html lang="en">"#) && body.contains("<title>Not found · plantrack</title>"), "{body}");
    assert!(body.contains("Back to the overview"), "{body}");
    // An address the router knows with a part it cannot read: a page too.
    let (status, kind, body) = browse(&app, "/uploads/abc", reqwest::Method::GET).await;
    assert_eq!((status, kind.as_str()), (400, "text/html; charset=utf-8"), "{body}");
    assert!(body.contains("<title>请求有误 · plantrack</title>") && body.contains("地址有误"), "{body}");
    // A form's address opened as a link: a page too, still with the methods it answers.
    let response = app
        .client
        .get(format!("{}/uploads/preview", app.address))
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body = response.text().await.unwrap();
    assert!(body.contains("<title>此地址不能这样打开 · plantrack</title>"), "{body}");
    // API clients keep the JSON envelope.
    for (accept, path) in [(None, "/no/such/page"), (Some("application/json"), "/api/v1/nothing")] {
        let mut request = app.client.get(format!("{}{path}", app.address));
        if let Some(accept) = accept {
            request = request.header(reqwest::header::ACCEPT, accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 404);
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["error"]["code"], "not_found", "{json}");
    }
}

#[tokio::test]
async fn pages_need_a_sign_in_when_reads_are_not_public() {
    let app = spawn_app_configured(&Backend::Sqlite, |s| s.public_read = false).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let get = |path: &str, cookie: Option<String>| {
        let mut request = client.get(format!("{}{path}", app.address));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send()
    };
    for path in ["/", "/plans/big-data-2016", "/targets/bd16-open-data-sets", "/uploads", "/reports"] {
        let response = get(path, None).await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        let to = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/signin?next=%2F"), "{path} → {to}");
    }
    assert_eq!(get("/api/v1/plans", None).await.unwrap().status(), 401, "the API answers 401, not a redirect");
    assert_eq!(get("/static/style.css", None).await.unwrap().status(), 200);

    // Signing in: the form's secret, then a viewer token.
    let signin = get("/signin?next=/plans/big-data-2016", None).await.unwrap();
    let secret = signin.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let secret_value = secret.split_once('=').unwrap().1.to_owned();
    let post = |token: String, next: &str| {
        let form = Form::new().text("csrf", secret_value.clone()).text("token", token).text("next", next.to_owned());
        client.post(format!("{}/signin", app.address)).header(COOKIE, secret.clone()).multipart(form).send()
    };
    let refused = post("pt_wrong".to_owned(), "/").await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.text().await.unwrap().contains("不存在或已吊销"));
    let viewer = app.token(Role::Viewer);
    let signed_in = post(viewer.clone(), "/plans/big-data-2016").await.unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/plans/big-data-2016");
    let session = signed_in.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    let session = session.split(';').next().unwrap().to_owned();
    let with_secret = format!("{session}; {secret}");
    let page = get("/plans/big-data-2016", Some(with_secret)).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("href=\"/signout\""), "the page offers to sign out");
    assert_eq!(get("/api/v1/plans", Some(session.clone())).await.unwrap().status(), 200, "reads accept the cookie");
    // A write never counts the cookie, even an uploader's.
    let uploader = post(app.token(Role::Uploader), "/").await.unwrap();
    let uploader_session = uploader.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let write = client
        .post(format!("{}/api/v1/uploads", app.address))
        .header(COOKIE, uploader_session)
        .header("Content-Type", "text/csv")
        .body("indicator,period,value\n")
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 401);
    // Never sent to another site after signing in: not by `//host`, nor by a tab or a line break
    // that a browser would drop, nor by a backslash or a scheme.
    for next in [
        "//evil.example/",
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/ /x",
    ] {
        let elsewhere = post(viewer.clone(), next).await.unwrap();
        assert_eq!(elsewhere.status(), 303, "{next:?}");
        assert_eq!(elsewhere.headers()["location"], "/", "{next:?}");
    }
    let kept = post(viewer.clone(), "/targets/sc13-it-industrialization-index?lang=en").await.unwrap();
    assert_eq!(
        kept.headers()["location"],
        "/targets/sc13-it-industrialization-index?lang=en",
        "a local path with its query is kept"
    );
    // The sign-in page itself never offers another site either.
    let form = get("/signin?next=%2F%09%2Fevil.example", None).await.unwrap();
    assert!(form.text().await.unwrap().contains("name=\"next\" value=\"/\""));
    // The cookie holds a session id, not the token.
    assert!(!session.contains(&viewer), "{session}");
    // Signing out needs the form's secret; then the session ends on the server, not only in the cookie.
    let forged = client.post(format!("{}/signout", app.address)).header(COOKIE, session.clone()).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    let out = client
        .post(format!("{}/signout", app.address))
        .header(COOKIE, format!("{session}; {secret}"))
        .multipart(Form::new().text("csrf", secret_value.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert!(out.headers()[SET_COOKIE].to_str().unwrap().starts_with("plantrack_session=;"));
    assert_eq!(get("/api/v1/plans", Some(session)).await.unwrap().status(), 401, "the session is over");
}

#[tokio::test]
async fn the_stylesheet_and_font_are_served_by_the_app() {
    let app = spawn_app(&Backend::Sqlite).await;
    let css = app.get("/static/style.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let css = css.text().await.unwrap();
    assert!(css.contains("/static/fonts/NotoSansSC-Regular.ttf"));
    // Its colours are the one palette's, with no colour of its own beside them.
    let palette = plantrack::present::palette::css_variables();
    assert!(css.starts_with(&palette), "{css}");
    for retired in ["#ffb000", "#9aa4b2", "#8e1b1b", "#1b7f3b"] {
        assert!(!css[palette.len()..].contains(retired), "{retired} is set outside the palette");
    }
    let font = app.get("/static/fonts/NotoSansSC-Regular.ttf").await;
    assert_eq!(font.status(), 200);
    assert_eq!(
        font.bytes().await.unwrap().len(),
        std::fs::metadata(crate::helpers::repo_root().join("assets/fonts/NotoSansSC-Regular.ttf")).unwrap().len()
            as usize
    );
}

#[tokio::test]
async fn the_reports_form_asks_for_a_pdf_the_server_makes() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (status, body) = page(&app, "/reports").await;
    assert_eq!(status, 200);
    assert!(body.contains("action=\"/reports/status.pdf\""));
    assert!(body.contains("管理员（持令牌或登录）生成的报告会编号保存"), "says who makes the kept reports");
    // What the browser sends when the planner picks one plan and keeps the other defaults.
    for field in ["name=\"plan\"", "name=\"as_of\"", "name=\"method\"", "name=\"lang\""] {
        assert!(body.contains(field), "{field}");
    }
    let today = hidden_date(&body);
    let pdf = app.get(&format!("/reports/status.pdf?plan=big-data-2016&as_of={today}&method=linear&lang=zh")).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
}

/// The date the reports form starts with.
fn hidden_date(body: &str) -> String {
    let marker = "name=\"as_of\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    body[start..start + 10].to_owned()
}

/// `html` without the elements that open with `open` and close with `close`.
fn without(html: &str, open: &str, close: &str) -> String {
    let mut kept = String::new();
    let mut rest = html;
    while let Some(start) = rest.find(open) {
        kept.push_str(&rest[..start]);
        rest = rest[start..].find(close).map_or("", |end| &rest[start + end + close.len()..]);
    }
    kept.push_str(rest);
    kept
}

/// The words a reader sees on a page: no markup, no charts (their own tests read them), and
/// nothing marked as English on purpose (`lang="en"`: a plan's English title).
fn visible_text(html: &str) -> String {
    let mut html = html.to_owned();
    for (open, close) in [("<head>", "</head>"), ("<svg", "</svg>"), ("<dd lang=\"en\"", "</dd>")] {
        html = without(&html, open, close);
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Two English words in a row: a phrase, not a unit, a code or a name.
fn english_phrases(text: &str) -> Vec<String> {
    let english = |w: &str| {
        let w = w.trim_end_matches([',', '.', ':', ';']);
        w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()) && w.chars().any(|c| c.is_ascii_lowercase())
    };
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens.windows(2).filter(|p| english(p[0]) && english(p[1])).map(|p| format!("{} {}", p[0], p[1])).collect()
}

#[tokio::test]
async fn a_chinese_page_carries_no_english_phrase() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let csv = "indicator,period,value,region\n实际光纤入户率,2017,60,浦东新区\n实际光纤入户率,2017,58,黄浦区\n";
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    for path in [
        "/",
        "/plans/smart-city-13th-fyp",
        "/plans/smart-city-13th-fyp?as_of=2018-06-30&as_known=1",
        "/targets/sc13-ftth-takeup",
        "/targets/sc13-ftth-takeup?region=浦东新区",
        "/targets/nu28-city-builders-home-beds",
        "/targets/sc13-open-data-sets",
        "/uploads",
        "/reports",
        "/?status=great",
        "/plans/nope",
    ] {
        let (_, body) = page(&app, path).await;
        let phrases = english_phrases(&visible_text(&body));
        assert!(phrases.is_empty(), "{path}: {phrases:?}");
    }
}

#[tokio::test]
async fn pages_show_bands_the_view_switch_and_district_figures() {
    let app = spawn_app(&Backend::Sqlite).await;
    // 60个左右 is shown as the band it is read as, not as its midpoint.
    let (_, parks) = page(&app, "/targets/fip26-featured-parks-count").await;
    assert!(parks.contains("57—63个"), "{parks}");
    // History loaded today counts at a past date, unless asked "as known then".
    let token = app.token(Role::Uploader);
    let csv = "indicator,period,value\n实际光纤入户率,2016,58\n实际光纤入户率,2017,62\n";
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    let (_, then) = page(&app, "/targets/sc13-ftth-takeup?as_of=2018-06-30").await;
    assert!(then.contains("62% (2017-12-31)"), "{then}");
    // Where it should have been on the figure's date, the date its time elapsed is measured to
    // (54 % in 2015 to 70 % in 2020: 60.4 % at the end of 2017), not on the view's date.
    assert!(then.contains("按计划 2017-12-31 应达到") && then.contains("60.4%"), "{then}");
    let (_, known) = page(&app, "/targets/sc13-ftth-takeup?as_of=2018-06-30&as_known=1").await;
    assert!(known.contains("逾期未报") && known.contains("checked"), "{known}");
    // Links on a past view keep it.
    let (_, plan) = page(&app, "/plans/smart-city-13th-fyp?as_of=2018-06-30").await;
    assert!(plan.contains("/targets/sc13-ftth-takeup?as_of=2018-06-30"), "{plan}");
    // District figures: a table and a sorted chart with the goal, and ?region= judges one.
    let csv = "indicator,period,value,region\n实际光纤入户率,2017,66,浦东新区\n实际光纤入户率,2017,58,黄浦区\n";
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    let (_, target) = page(&app, "/targets/sc13-ftth-takeup?as_of=2018-06-30").await;
    assert!(target.contains("各区最新数据"), "{target}");
    let pudong = target.find("浦东新区</a>").expect("Pudong listed");
    let huangpu = target.find("黄浦区</a>").expect("Huangpu listed");
    assert!(pudong < huangpu, "best first");
    assert!(target.contains("目标 70%"), "the goal line is labelled");
    let (_, judged_in) =
        page(&app, "/targets/sc13-ftth-takeup?as_of=2018-06-30&region=%E6%B5%A6%E4%B8%9C%E6%96%B0%E5%8C%BA").await;
    assert!(judged_in.contains("66% (2017-12-31)"), "{judged_in}");
}

#[tokio::test]
async fn a_chart_on_a_page_is_named_and_described_in_its_language_from_its_figure() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let csv = "indicator,period,value,region\n实际光纤入户率,2017,62,全市\n实际光纤入户率,2017,60,浦东新区\n";
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    for (lang, said) in [("zh", "状态：进度正常"), ("en", "Status: on track")] {
        let (_, body) = page(&app, &format!("/targets/sc13-ftth-takeup?as_of=2018-06-30&lang={lang}")).await;
        for kind in ["target", "districts"] {
            let figure = format!(
                r#"<figure class="chart" aria-labelledby="{kind}-chart-800-title" aria-describedby="{kind}-chart-800-desc">"#
            );
            assert!(body.contains(&figure), "{kind} ({lang}): {body}");
            for part in ["title", "desc"] {
                assert!(body.contains(&format!(r#"<{part} id="{kind}-chart-800-{part}">"#)), "{kind} {part} ({lang})");
                assert!(body.contains(&format!(r#"<{part} id="{kind}-chart-400-{part}">"#)), "{kind} {part} ({lang})");
            }
        }
        let desc = body.split(r#"<desc id="target-chart-800-desc">"#).nth(1).unwrap().split("</desc>").next().unwrap();
        assert!(desc.contains(said), "{lang}: {desc}");
        assert!(body.contains(r##"<figcaption class="note"><a href="#actuals">"##), "the figures are linked");
        assert!(body.contains(r#"id="district-figures""#));
    }
}

#[tokio::test]
async fn chinese_quoted_in_english_pages_carries_its_language() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (_, target) = page(&app, "/targets/aigs-smart-haoban-4?lang=en").await;
    assert!(target.contains(r#"<span lang="zh-CN">沪府办发〔2025〕7号</span>"#), "the 文号: {target}");
    assert!(
        target.contains(r#"“<span lang="zh-CN">市政府办公厅要加强统筹协调</span>”"#),
        "a quote in a note: {target}"
    );
    let (_, plan) = page(&app, "/plans/smart-city-13th-fyp?lang=en").await;
    assert!(plan.contains(r#"<dd><span lang="zh-CN">沪府发〔2016〕80号</span></dd>"#), "{plan}");
    let (_, overview) = page(&app, "/?lang=en").await;
    assert!(overview.contains(r#"<span lang="zh-CN">沪府发〔2016〕80号</span> · 2016–2020"#), "{overview}");
    // The Chinese page's own words are not marked: the page is Chinese.
    let (_, chinese) = page(&app, "/targets/aigs-smart-haoban-4").await;
    assert!(!chinese.contains(r#"<span lang="zh-CN">"#) && chinese.contains(r#"<html lang="zh-CN">"#));
}

#[tokio::test]
async fn every_required_field_says_so_in_its_label_and_tables_name_their_rows() {
    let app = spawn_app(&Backend::Sqlite).await;
    let mut fields = 0;
    for path in ["/uploads", "/signin", "/reports", "/plans/drafts"] {
        for (lang, word) in [("zh", "必填"), ("en", "required")] {
            let (_, body) = page(&app, &format!("{path}?lang={lang}")).await;
            for input in body.split("<input").skip(1).map(|i| &i[..i.find('>').unwrap()]) {
                if !input.contains(" required") {
                    continue;
                }
                let id = input.split(r#"id=""#).nth(1).unwrap().split('"').next().unwrap();
                let label = body
                    .split(&format!(r#"<label for="{id}">"#))
                    .nth(1)
                    .unwrap_or_else(|| panic!("{path}: no label for {id}"));
                let label = &label[..label.find("</label>").unwrap()];
                assert!(
                    label.contains(word),
                    "{path} ({lang}): the label of {id} does not say it is required: {label}"
                );
                fields += 1;
            }
        }
    }
    assert!(fields >= 8, "{fields} required fields checked");
    // A table whose first column names the row has a caption and row headers.
    for path in ["/plans/smart-city-13th-fyp", "/departments", "/uploads", "/targets/bd16-open-data-sets"] {
        let (_, body) = page(&app, path).await;
        assert!(body.contains("<caption"), "{path}: no caption");
        assert!(body.contains(r#"scope="row""#), "{path}: no row headers");
        let tables = body.matches("<table").count();
        assert_eq!(body.matches("<caption").count(), tables, "{path}: every table has a caption");
    }
}

/// A baseline the plan does not state, taken from the figure reported for its base year, says so
/// on the target's page; one the plan states does not.
#[tokio::test]
async fn a_baseline_taken_from_the_figures_says_where_it_came_from() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (status, body) = page(&app, "/targets/sc13-open-data-sets").await;
    assert_eq!(status, 200);
    assert!(body.contains("规划未给基期值，取基期年份的实际值"), "{body}");
    let (_, body) = page(&app, "/targets/sc13-ftth-takeup").await;
    assert!(!body.contains("规划未给基期值"), "the fibre goal's baseline is the plan's own");
}

/// Where a plan's title link stands on a page, if it is there.
fn plan_at(page: &str, slug: &str) -> Option<usize> {
    page.find(&format!("href=\"/plans/{slug}\""))
}

#[tokio::test]
async fn the_overview_puts_plans_in_force_first_and_knows_no_plan_before_its_issue() {
    let app = spawn_app(&Backend::Sqlite).await;
    // On 2026-06-30: the 2025–2030 plan runs, the 2016–2020 one has ended; the running plans come
    // first, the latest issued first.
    let (status, today) = page(&app, "/?as_of=2026-06-30").await;
    assert_eq!(status, 200);
    let running = today.find("实施中的规划").expect("a section of plans in force");
    let ended = today.find("期限已过的规划").expect("a section of plans past their horizon");
    let mnc = plan_at(&today, "mnc-regional-hq-2025").unwrap();
    let smart_city = plan_at(&today, "smart-city-13th-fyp").unwrap();
    assert!(running < mnc && mnc < ended && ended < smart_city, "in force, then past");
    let (sme, hq) = (plan_at(&today, "specialized-sme-measures-2025"), plan_at(&today, "mnc-regional-hq-2025"));
    assert!(sme < hq, "issued 2025-04-03 before 2025-02-17: the latest first");

    // On 2021-06-30 the plans of 2024 and 2025 were not issued: neither listed nor counted.
    let (_, then) = page(&app, "/?as_of=2021-06-30").await;
    assert!(plan_at(&then, "mnc-regional-hq-2025").is_none(), "a plan of 2025 in a view of 2021");
    assert!(plan_at(&then, "smart-city-13th-fyp").is_some());
    let (_, targets) = app.get_json("/api/v1/targets?as_of=2021-06-30&limit=10000").await;
    let targets = targets.as_array().unwrap();
    assert!(targets.iter().all(|t| t["plan"] != "mnc-regional-hq-2025"), "nor judged");
    let total = format!("全部目标 <span class=\"muted\">{}</span>", targets.len());
    assert!(then.contains(&total), "the count is of the plans issued by then: {total}");

    // A department's view lists only the plans where it answers for a target.
    let (_, bureau) = page(&app, "/?department=data-bureau").await;
    assert!(plan_at(&bureau, "ai-gov-services-2025").is_some());
    assert!(plan_at(&bureau, "blood-donation-2017").is_none(), "{bureau}");
    assert!(!bureau.contains(">0 个目标<") && !bureau.contains(" 0 个目标"), "no empty plan cards");
}

/// A goal written in 万张 shows its figures in 万张 beside it, not in the indicator's 张.
#[tokio::test]
async fn figures_are_shown_in_the_unit_their_goal_is_written_in() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let csv = "indicator,period,value\ncity-builders-home-beds,2025,48000\n";
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    let (_, plan) = page(&app, "/plans/new-urbanization-2024-2028?as_of=2026-06-30").await;
    let table = &plan[plan.find("<table").expect("the targets' table")..];
    let row = &table[table.find("新时代城市建设者管理者之家床位").expect("the target listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("≥ 12万张") && row.contains("4.8万张 (2025-12-31)"), "{row}");
    assert!(!row.contains("48000"), "{row}");
}

/// A target past its deadline with no figure since a rising one: the trend's date is said as
/// already past, not as "at this trend the goal is not reached".
#[tokio::test]
async fn a_trend_that_passed_its_goal_before_today_says_so() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let csv = "indicator,period,value\nultra-low-energy-building-area,2023,4800000\n";
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    let (status, page_text) = page(&app, "/targets/eser14-ultra-low-energy-buildings-800?as_of=2026-12-01").await;
    assert_eq!(status, 200, "{page_text}");
    let text = visible_text(&page_text).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("按此趋势应已于") && text.contains("前后达标，尚无数据证实"), "{text}");
    assert!(!text.contains("按此趋势不会达标"), "{text}");
}

/// A figure for a year still running counts from the year's end: the page says it is there.
#[tokio::test]
async fn a_figure_for_a_period_not_yet_over_is_said_to_come_later() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let csv = "indicator,period,value\nultra-low-energy-building-area,2026,5000000\n";
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    let (_, before) = page(&app, "/targets/eser14-ultra-low-energy-buildings-800?as_of=2026-06-30").await;
    let text = visible_text(&before).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("另有 1 个数据的期末在截至日期之后（如 2026 的数据按 2026-12-31 计入）"), "{text}");
    let (_, after) = page(&app, "/targets/eser14-ultra-low-energy-buildings-800?as_of=2027-01-15").await;
    assert!(!after.contains("期末在截至日期之后"), "counted by then");
}

#[tokio::test]
async fn a_target_page_names_the_figures_due_and_not_in_that_its_verdict_does_without() {
    let app = spawn_app(&Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    // The base year and 2024 are in; the 2025 figure was due by 2026-03-31 and has not come.
    let csv = "指标,期间,数值\n千亿级特色产业园区数量,2023,2\n千亿级特色产业园区数量,2024,4\n";
    assert_eq!(app.upload(&admin, "", csv).await.0, 201);
    let page = app.get("/targets/fip26-100bn-parks?as_of=2026-06-30").await.text().await.unwrap();
    assert!(page.contains("应报未报：2025（应于 2026-03-31 前报送）"), "{page}");
    // Once it is in, nothing is said.
    assert_eq!(app.upload(&admin, "", "指标,期间,数值\n千亿级特色产业园区数量,2025,5\n").await.0, 201);
    let page = app.get("/targets/fip26-100bn-parks?as_of=2026-06-30").await.text().await.unwrap();
    assert!(!page.contains("应报未报"), "{page}");
    // A target overdue for want of them names them too: 逾期未报 says which figures.
    let page = app.get("/targets/sc13-ftth-takeup").await.text().await.unwrap();
    assert!(page.contains("应报未报：2016（应于 2017-03-31 前报送）"), "{page}");
    assert!(!page.contains("上面的判断依据已有的数据"), "{page}");
}

/// A change whose reference year has no figure yet has no value to judge against: its page shows
/// the goal as the plan writes it, not a dash, in the facts and in the verdict.
#[tokio::test]
async fn a_change_without_its_reference_figure_shows_the_goal_as_written() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (status, page) = page(&app, "/targets/eser14-energy-intensity-minus-14").await;
    assert_eq!(status, 200);
    assert!(page.contains("下降 ≥ 14%"), "{page}");
    assert!(!page.contains("目标 —") && !page.contains("<dd>— ·"), "{page}");
}

/// A figure recorded in January and corrected today: the page says when it was corrected in
/// Beijing time, and the view as known in June shows the January figure as it stood then.
#[tokio::test]
async fn a_corrections_time_is_beijing_time_and_a_view_as_known_earlier_shows_none_after() {
    let app = spawn_app(&Backend::Sqlite).await;
    let january = chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap().and_hms_opt(2, 0, 0).unwrap();
    app.ingest_at("indicator,period,value\nftth-takeup-rate,2018,64\n", january, false).unwrap();
    let (status, body) =
        app.upload(&app.token(Role::Uploader), "", "indicator,period,value\nftth-takeup-rate,2018,65\n").await;
    assert_eq!(status, 201, "{body}");
    let (_, history) = app.get_json("/api/v1/indicators/ftth-takeup-rate/actuals?history=true").await;
    let old = history.as_array().unwrap().iter().find(|a| a["value"] == 64.0).unwrap().clone();
    let superseded: chrono::DateTime<chrono::Utc> = old["superseded_at"].as_str().unwrap().parse().unwrap();
    let beijing = superseded.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string();

    let (_, now) = page(&app, "/targets/sc13-ftth-takeup").await;
    assert!(now.contains(&format!("已被修订 {beijing}")), "{beijing}: {now}");
    let (_, then) = page(&app, "/targets/sc13-ftth-takeup?known_at=2026-06-01").await;
    let table = &then[then.find("id=\"actuals\"").unwrap()..];
    assert!(
        table.contains("2026-01-10 10:00") && !table.contains("已被修订"),
        "the January figure, current then: {table}"
    );
    assert!(!table.contains(">65%<"), "today's correction was not known in June: {table}");
}

/// The table of actuals is where a clerk checks what was taken in: each figure as stored, not
/// rounded as the facts above it are.
#[tokio::test]
async fn the_table_of_actuals_shows_each_figure_as_stored() {
    let app = spawn_app(&Backend::Sqlite).await;
    let csv = "indicator,period,value\nbig-data-core-industry-output,2017,2015.5\nbig-data-core-industry-output,2018,1623.47\n";
    let (status, body) = app.upload(&app.token(Role::Uploader), "", csv).await;
    assert_eq!(status, 201, "{body}");
    let (_, page) = page(&app, "/targets/bd16-core-industry-output").await;
    let table = &page[page.find("id=\"actuals\"").unwrap()..];
    assert!(table.contains(">2015.5亿元<") && table.contains(">1623.47亿元<"), "{table}");
}

/// A citation is a link to the line it cites: the plan's text, each line numbered and
/// addressable. Only a text some plan cites is served.
#[tokio::test]
async fn a_citation_links_to_its_line_in_the_plans_text() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (_, target) = app.get_json("/api/v1/targets/sc13-ftth-takeup").await;
    let (file, line) = (target["citation"]["document"].as_str().unwrap(), target["citation"]["line"].as_u64().unwrap());
    let quote = target["citation"]["quote"].as_str().unwrap();
    let (_, target_page) = page(&app, "/targets/sc13-ftth-takeup").await;
    let link = format!("href=\"/documents/{file}#L{line}\"");
    assert!(target_page.contains(&link), "{link}: {target_page}");
    let (status, text) = page(&app, &format!("/documents/{file}")).await;
    assert_eq!(status, 200);
    let cited = &text[text.find(&format!("id=\"L{line}\"")).expect("the line's anchor")..];
    assert!(cited[..cited.find("</li>").unwrap()].contains(quote), "{quote}: {cited:.300}");
    assert!(text.contains("href=\"/plans/smart-city-13th-fyp\""), "the plans it holds");
    for wrong in ["/documents/Cargo.toml", "/documents/..%2FCargo.toml", "/documents/%2E%2E%2Fseed%2Fdocuments"] {
        assert_eq!(page(&app, wrong).await.0, 404, "{wrong}");
    }
}
