//! The pages in a real browser: Debian's headless Chromium, driven over WebDriver (chromedriver),
//! against the real server. `bash .ci/run` installs both; set PLANTRACK_TEST_CHROMEDRIVER to use
//! another chromedriver. Screenshots land in `target/screenshots/`. axe-core checks every page
//! against WCAG 2.1 AA: `bash .ci/run` installs it under `.ci/node` (PLANTRACK_TEST_AXE names
//! another `axe.min.js`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use plantrack::server::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, repo_root, spawn_app};

/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session on it; both end when this is dropped.
struct Browser {
    driver: Child,
    session: String,
    http: reqwest::Client,
}

fn chromedriver_path() -> PathBuf {
    let path = std::env::var("PLANTRACK_TEST_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    let path = PathBuf::from(path);
    assert!(
        path.exists(),
        "{} is missing: install Debian's chromium and chromium-driver (bash .ci/run does)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    async fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Command::new(chromedriver_path())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("PLANTRACK_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--hide-scrollbars", format!("--window-size={width},{height}")]
            }
        }}});
        let answer: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().await.unwrap().json().await.unwrap();
        let session =
            answer["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {answer}")).to_owned();
        let mut browser = Browser { driver, session: format!("{base}/session/{session}"), http };
        browser.resize(width, height).await;
        // axe-core over a long page takes a while in a debug build on a busy machine.
        browser.call(reqwest::Method::POST, "/timeouts", Some(json!({ "script": 120_000 }))).await;
        browser
    }

    async fn try_call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        match answer["value"].get("error") {
            Some(error) => Err(format!("WebDriver {path}: {error} {}", answer["value"]["message"])),
            None => Ok(answer["value"].clone()),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body).await.unwrap_or_else(|e| panic!("{e}"))
    }

    async fn resize(&mut self, width: u32, height: u32) {
        self.call(reqwest::Method::POST, "/window/rect", Some(json!({ "width": width, "height": height }))).await;
    }

    async fn open(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap().to_owned()
    }

    async fn find(&self, css: &str) -> String {
        let found =
            self.call(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css }))).await;
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn text_of(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{element}/text"), None).await.as_str().unwrap().to_owned()
    }

    async fn page_text(&self) -> String {
        self.text_of("body").await
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Clicks a link or a submit button and waits until the next page has loaded (a click may
    /// return before the navigation it starts has finished).
    async fn click_to_next_page(&self, css: &str) {
        self.evaluate("document.documentElement.setAttribute('data-left', '1')").await;
        let element = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
        let check = "return document.readyState === 'complete' && !document.documentElement.hasAttribute('data-left');";
        for _ in 0..200 {
            // While the old page unloads the script may find no document: that is "not yet".
            let loaded = self
                .try_call(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": check, "args": [] })))
                .await;
            if loaded == Ok(Value::Bool(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("clicking {css} did not lead to a new page");
    }

    /// Evaluates an expression through the driver (DevTools, not the page: its policy allows no script).
    async fn evaluate(&self, expression: &str) -> Value {
        let body = json!({ "script": format!("return {expression};"), "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(body)).await
    }

    /// The WCAG 2.0/2.1 A and AA violations axe-core finds on the page, one line each: rule,
    /// impact, help and every node it names. The script goes in through the driver, which the
    /// pages' policy (no script at all) does not govern.
    async fn axe_violations(&self, axe: &str) -> Vec<String> {
        let inject = json!({ "script": format!("{axe}\nreturn typeof window.axe;"), "args": [] });
        let loaded = self.call(reqwest::Method::POST, "/execute/sync", Some(inject)).await;
        assert_eq!(loaded, "object", "axe-core did not load");
        let run = r#"
            const done = arguments[arguments.length - 1];
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
            axe.run(document, { runOnly: { type: 'tag', values: tags } })
                .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.help}\n` +
                    v.nodes.map(n => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`).join('\n'))))
                .catch(e => done([`axe failed: ${e}`]));
        "#;
        let found =
            self.call(reqwest::Method::POST, "/execute/async", Some(json!({ "script": run, "args": [] }))).await;
        found.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    /// Saves a screenshot of the viewport and returns its PNG size.
    async fn screenshot(&self, name: &str) -> (u32, u32) {
        let encoded = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(encoded.as_str().unwrap()).unwrap();
        let dir = repo_root().join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let info = decoder.read_info().unwrap();
        (info.info().width, info.info().height)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the browser session (best effort), then the driver.
        let session = self.session.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async { reqwest::Client::new().delete(session).send().await })
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Writes a CSV for the form's file field.
fn csv_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn submit_upload(browser: &Browser, app: &TestApp, token: &str, file: &str) {
    browser.open(&format!("{}/uploads", app.address)).await;
    browser.type_into("#token", token).await;
    browser.type_into("#file", file).await;
    browser.click_to_next_page("form[action='/uploads/preview'] button[type=submit]").await;
}

#[tokio::test]
async fn a_planner_reads_the_pages_and_uploads_through_the_form() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let browser = Browser::start(1280, 900).await;
    let files = tempfile::tempdir().unwrap();

    // The overview: every plan, counts, the filters.
    browser.open(&format!("{}/", app.address)).await;
    let text = browser.page_text().await;
    assert!(text.contains("规划目标总览"), "{text}");
    assert!(text.contains("上海市加快“人工智能+政务服务”改革"), "{text}");
    assert!(text.contains("已实现") && text.contains("逾期未报"), "{text}");

    // A plan: its document facts and targets; sorting by progress keeps every target.
    browser.open(&format!("{}/plans/ai-gov-services-2025", app.address)).await;
    let text = browser.page_text().await;
    assert!(text.contains("沪府办发〔2025〕7号") && text.contains("打造“智慧好办”4.0版"), "{text}");
    browser.click_to_next_page("p.sort a[href*='sort=progress']").await;
    assert!(browser.current_url().await.contains("sort=progress"));
    assert!(browser.page_text().await.contains("打造“智慧好办”4.0版"));

    // A target: the goal as written with its line, and no data yet.
    browser.open(&format!("{}/targets/aigs-smart-haoban-4", app.address)).await;
    let text = browser.page_text().await;
    assert!(text.contains("第 5624 行") && text.contains("逾期未报"), "{text}");

    // English on request, remembered by the next page.
    browser.open(&format!("{}/?lang=en", app.address)).await;
    browser.open(&format!("{}/reports", app.address)).await;
    assert!(browser.page_text().await.contains("Make the Word file (editable)"));
    browser.click_to_next_page("a.lang").await;
    assert!(browser.page_text().await.contains("生成 Word 文件（可编辑）"));

    // A file with a bad row: the preview lists it by line, and nothing is written.
    let bad = csv_file(
        files.path(),
        "bad.csv",
        "指标,期间,数值\naigs-smart-haoban-4,2025,完成\nno-such-indicator,2025,12\naigs-smart-haoban-4,2024,abc\n",
    );
    submit_upload(&browser, &app, &token, &bad).await;
    browser.screenshot("upload-errors").await;
    let problems = browser.text_of("table.errors").await;
    assert!(problems.contains("no-such-indicator") && problems.contains("未知的指标"), "{problems}");
    assert!(problems.contains("abc") && problems.contains("里程碑请填写“完成”“未完成”或完成百分比"), "{problems}");
    let uploads = app.uploads().await;
    assert!(uploads.iter().all(|u| u["channel"] != "web"), "a dry run writes nothing");

    // A good file: preview, commit, and the target's new status.
    let good =
        csv_file(files.path(), "智慧好办.csv", "指标,期间,数值,来源\naigs-smart-haoban-4,2025,完成,浏览器测试\n");
    submit_upload(&browser, &app, &token, &good).await;
    browser.screenshot("upload-preview").await;
    let preview = browser.page_text().await;
    assert!(preview.contains("检查通过") && preview.contains("新增 1"), "{preview}");
    browser.click_to_next_page("form[action='/uploads/commit'] button[type=submit]").await;
    assert!(browser.current_url().await.contains("/uploads/"), "the commit lands on its upload");
    let committed = browser.page_text().await;
    assert!(committed.contains("已写入") && committed.contains("打造“智慧好办”4.0版"), "{committed}");
    browser.open(&format!("{}/targets/aigs-smart-haoban-4", app.address)).await;
    let status = browser.text_of("main .badge").await;
    assert!(status.starts_with("已实现"), "{status}");
    assert!(browser.text_of("#actuals + .scroll table").await.contains("浏览器测试"));
}

#[tokio::test]
async fn markup_in_names_shows_as_text() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let (status, _) =
        app.upload(&token, "?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E.csv", "indicator,period,value\nx,2020,1\n").await;
    assert_eq!(status, 422);
    let browser = Browser::start(1280, 900).await;
    browser.open(&format!("{}/uploads", app.address)).await;
    // Had the name run as script, the alert would block every WebDriver call from here on.
    let cell = browser.text_of("section:nth-of-type(2) tbody tr td:nth-child(2)").await;
    assert_eq!(cell, "<script>alert(1)</script>.csv");
}

#[tokio::test]
async fn screenshots_at_desktop_and_phone_widths() {
    let app = spawn_app(&Backend::Sqlite).await;
    // History and every district's figure, so the plan and target pages show their full form.
    let token = app.token(Role::Uploader);
    let mut csv =
        String::from("indicator,period,value,region\n实际光纤入户率,2016,58,全市\n实际光纤入户率,2017,62,全市\n");
    for (i, district) in plantrack::catalog::Catalog::load(&plantrack::config::Settings::defaults().catalog_paths())
        .unwrap()
        .regions
        .districts
        .iter()
        .enumerate()
    {
        csv.push_str(&format!("实际光纤入户率,2017,{},{district}\n", 55 + i));
    }
    assert_eq!(app.upload(&token, "", csv).await.0, 201);
    let mut browser = Browser::start(1280, 900).await;
    let pages = [
        ("overview", "/".to_owned()),
        ("target", "/targets/bd16-open-data-sets".to_owned()),
        ("target-districts", "/targets/sc13-ftth-takeup?as_of=2018-06-30".to_owned()),
        ("plan", "/plans/smart-city-13th-fyp?as_of=2018-06-30".to_owned()),
        ("uploads", "/uploads".to_owned()),
        ("reports", "/reports".to_owned()),
        ("departments", "/departments?as_of=2026-06-01".to_owned()),
        ("department", "/departments/data-bureau?as_of=2026-06-01".to_owned()),
        ("document", "/documents/003_adc202cce85258cc.txt#L20".to_owned()),
    ];
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        browser.resize(width, height).await;
        for (name, path) in &pages {
            browser.open(&format!("{}{path}", app.address)).await;
            let (png_width, _) = browser.screenshot(&format!("{name}-{device}")).await;
            assert!(png_width > 0);
            // Nothing wider than the screen: wide tables scroll inside their own box.
            let page_width = browser.evaluate("document.documentElement.scrollWidth").await.as_f64().unwrap();
            let viewport = browser.evaluate("window.innerWidth").await.as_f64().unwrap();
            assert!(page_width <= viewport, "{name} at {width}px: the page is {page_width}px wide");
            // The fonts came from the app, so Chinese renders on a machine without Chinese fonts.
            // It arrives after the page (font-display: swap): a busy machine may take seconds.
            let mut fonts = Value::Bool(false);
            for _ in 0..50 {
                fonts = browser.evaluate("document.fonts.check('16px \"Noto Sans SC\"', '规划')").await;
                if fonts == Value::Bool(true) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            assert_eq!(fonts, Value::Bool(true), "{name}: the Chinese font is not loaded");
            // Every chart fits the width it is given: nothing inside runs past the screen.
            let widest = browser
                .evaluate("Math.max(0, ...[...document.querySelectorAll('figure.chart svg, ol.progress-list, table')].filter(e => e.offsetParent !== null && !e.closest('.scroll')).map(e => e.getBoundingClientRect().right))")
                .await
                .as_f64()
                .unwrap();
            assert!(widest <= viewport + 0.5, "{name} at {width}px: something reaches {widest}px");
        }
    }
}

#[tokio::test]
async fn an_administrator_drafts_a_plan_text_and_sees_each_candidate_beside_its_sentence() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Admin);
    let mut browser = Browser::start(1280, 900).await;
    let document = repo_root().join("seed/documents/000_ecb06096b0c56956.txt");
    browser.open(&format!("{}/plans/drafts", app.address)).await;
    browser.type_into("#token", &token).await;
    browser.type_into("#file", &document.display().to_string()).await;
    browser.click_to_next_page("form[action='/plans/drafts'] button[type=submit]").await;
    assert!(browser.current_url().await.contains("/plans/drafts/"), "the draft lands on its review page");
    let text = browser.page_text().await;
    assert!(text.contains("审核规划草稿") && text.contains("个候选目标"), "{text}");
    let marked = browser.text_of("fieldset.candidate mark").await;
    assert!(!marked.is_empty(), "the quote is marked in its sentence");
    browser.screenshot("draft-review-desktop").await;
    browser.resize(390, 844).await;
    browser.open(&browser.current_url().await).await;
    browser.screenshot("draft-review-phone").await;
}

/// axe-core's browser script: `.ci/run` installs the npm package under `.ci/node`.
fn axe_script() -> String {
    let path = std::env::var("PLANTRACK_TEST_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join(".ci/node/node_modules/axe-core/axe.min.js"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; install axe-core (bash .ci/run does: npm install --prefix .ci/node axe-core@4)",
            path.display()
        )
    })
}

/// Figures that put the smart-city plan's targets, seen at 2018-06-30, in every status the
/// engine gives (with the seed's achieved, overdue and awaiting ones; missed ones are on the
/// overview today).
const FIGURES_IN_EVERY_STATUS: &str = "indicator,period,value,region
ftth-takeup-rate,2017,62,全市
ftth-takeup-rate,2017,60,浦东新区
ftth-takeup-rate,2017,66,黄浦区
it-industrialization-integration-index,2017,91,全市
ecommerce-transaction-volume,2017,18000,全市
household-broadband-access-bandwidth,2017,30,全市
enterprise-it-investment-revenue-share,2017,0.3,全市
";

#[tokio::test]
async fn every_page_meets_wcag_2_1_aa_by_axe_core() {
    let app = spawn_app(&Backend::Sqlite).await;
    let axe = axe_script();
    let (status, upload) = app.upload(&app.token(Role::Uploader), "", FIGURES_IN_EVERY_STATUS).await;
    assert_eq!(status, 201, "{upload}");
    let admin = app.token(Role::Admin);
    let plan_text = std::fs::read(repo_root().join("seed/documents/000_ecb06096b0c56956.txt")).unwrap();
    let draft: Value = app
        .client
        .post(format!("{}/api/v1/plan-drafts", app.address))
        .bearer_auth(&admin)
        .body(plan_text)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let draft = draft["id"].as_i64().unwrap_or_else(|| panic!("no draft: {draft}"));
    let then = "as_of=2018-06-30";
    let pages = [
        "/".to_owned(),
        format!("/?{then}"),
        format!("/plans/smart-city-13th-fyp?{then}"),
        format!("/targets/sc13-ftth-takeup?{then}"),
        format!("/targets/sc13-it-industrialization-index?{then}"),
        format!("/targets/sc13-ecommerce-volume?{then}"),
        format!("/targets/sc13-enterprise-it-investment-share?{then}"),
        "/targets/sc13-open-data-sets".to_owned(),
        "/targets/aigs-smart-haoban-4".to_owned(),
        "/targets/bd16-open-data-sets".to_owned(),
        "/departments?as_of=2026-06-01".to_owned(),
        "/departments/data-bureau?as_of=2026-06-01".to_owned(),
        "/uploads".to_owned(),
        format!("/uploads/{}", upload["upload_id"]),
        "/uploads/not-a-number".to_owned(),
        "/reports".to_owned(),
        "/signin".to_owned(),
        "/no/such/page".to_owned(),
    ];
    let signed_in = ["/plans/drafts".to_owned(), format!("/plans/drafts/{draft}")];
    let files = tempfile::tempdir().unwrap();
    let bad =
        csv_file(files.path(), "bad.csv", "指标,期间,数值\nno-such-indicator,2025,12\naigs-smart-haoban-4,2024,abc\n");
    let mut browser = Browser::start(1280, 900).await;
    let mut found = Vec::new();
    let mut check = async |browser: &Browser, what: String| {
        for violation in browser.axe_violations(&axe).await {
            found.push(format!("{what}: {violation}"));
        }
    };
    let sizes = [(1280, 900), (390, 844)];
    for (width, height) in sizes {
        browser.resize(width, height).await;
        for lang in ["zh", "en"] {
            for path in &pages {
                let joiner = if path.contains('?') { '&' } else { '?' };
                browser.open(&format!("{}{path}{joiner}lang={lang}", app.address)).await;
                check(&browser, format!("{path} ({lang}, {width}px)")).await;
            }
            // A form with errors: the preview of a file with bad rows.
            browser.open(&format!("{}/uploads?lang={lang}", app.address)).await;
            browser.type_into("#token", &app.token(Role::Uploader)).await;
            browser.type_into("#file", &bad).await;
            browser.click_to_next_page("form[action='/uploads/preview'] button[type=submit]").await;
            browser.text_of("table.errors").await;
            check(&browser, format!("upload with errors ({lang}, {width}px)")).await;
        }
    }
    // The drafts need an administrator's sign-in.
    browser.open(&format!("{}/signin?next=%2Fplans%2Fdrafts", app.address)).await;
    browser.type_into("#token", &admin).await;
    browser.click_to_next_page("form button[type=submit]").await;
    for (width, height) in sizes {
        browser.resize(width, height).await;
        for lang in ["zh", "en"] {
            for path in &signed_in {
                browser.open(&format!("{}{path}?lang={lang}", app.address)).await;
                check(&browser, format!("{path} ({lang}, {width}px)")).await;
            }
        }
    }
    assert!(browser.page_text().await.contains("candidate"), "the review page was checked signed in");
    assert!(found.is_empty(), "{} violation(s) of WCAG 2.1 AA:\n{}", found.len(), found.join("\n"));
}

/// For every element that takes focus: its outline once focused (style, width, colour) and the
/// colour behind it, as `rgb(…)` strings, in the page's own script-free state.
const FOCUS_RINGS: &str = r#"
    const opaque = el => {
        for (; el; el = el.parentElement) {
            const bg = getComputedStyle(el).backgroundColor;
            if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
        }
        return getComputedStyle(document.body).backgroundColor;
    };
    const focusable = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
        .filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY');
    return focusable.map(e => {
        e.focus();
        const style = getComputedStyle(e);
        const ring = { what: e.outerHTML.slice(0, 80), focused: document.activeElement === e,
            style: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor,
            behind: opaque(e.parentElement) };
        e.blur();
        return ring;
    });
"#;

/// The contrast of two `rgb(r, g, b)` colours (WCAG 2.1).
fn contrast(a: &str, b: &str) -> f64 {
    let parse = |s: &str| -> Vec<u8> {
        s.trim_start_matches("rgba(")
            .trim_start_matches("rgb(")
            .trim_end_matches(')')
            .split(',')
            .take(3)
            .map(|v| v.trim().parse().unwrap())
            .collect()
    };
    let (a, b) = (parse(a), parse(b));
    let colour = |c: &[u8]| plantrack::present::Colour(c[0], c[1], c[2]);
    colour(&a).contrast(&colour(&b))
}

#[tokio::test]
async fn every_focusable_element_shows_the_site_s_focus_ring_at_3_to_1() {
    let app = spawn_app(&Backend::Sqlite).await;
    let browser = Browser::start(1280, 900).await;
    let mut checked = std::collections::BTreeSet::new();
    for path in ["/", "/targets/sc13-ftth-takeup", "/uploads", "/plans/smart-city-13th-fyp", "/reports", "/signin"] {
        browser.open(&format!("{}{path}", app.address)).await;
        let rings = browser.evaluate(&format!("(() => {{ {FOCUS_RINGS} }})()")).await;
        for ring in rings.as_array().unwrap() {
            let what = ring["what"].as_str().unwrap();
            if ring["focused"] != Value::Bool(true) {
                continue;
            }
            let (colour, behind) = (ring["colour"].as_str().unwrap(), ring["behind"].as_str().unwrap());
            assert_eq!(ring["style"], "solid", "{path}: {what}");
            assert!(ring["width"].as_f64().unwrap() >= 2.0, "{path}: {what}: {ring}");
            let ratio = contrast(colour, behind);
            assert!(ratio >= 3.0, "{path}: {what}: ring {colour} on {behind} is {ratio:.2}:1");
            checked.insert(what.split([' ', '>']).next().unwrap().to_owned());
        }
    }
    for kind in ["<a", "<button", "<input", "<select", "<summary"] {
        assert!(checked.contains(kind), "no {kind} was checked: {checked:?}");
    }
}

#[tokio::test]
async fn chart_text_grows_when_the_page_is_zoomed() {
    let app = spawn_app(&Backend::Sqlite).await;
    let mut browser = Browser::start(1280, 900).await;
    // The height on screen of the tallest visible text in the target's chart, in CSS pixels.
    let tallest = "Math.max(...[...document.querySelectorAll('figure.chart svg text')].map(t => t.getBoundingClientRect().height))";
    let page = format!("{}/targets/sc13-ftth-takeup", app.address);
    browser.open(&page).await;
    let at_100 = browser.evaluate(tallest).await.as_f64().unwrap();
    // Zoomed to 200 %, a 1280 px window lays the page out 640 CSS pixels wide, each twice the size.
    browser.resize(640, 900).await;
    browser.open(&page).await;
    let at_200 = 2.0 * browser.evaluate(tallest).await.as_f64().unwrap();
    assert!(at_200 >= 1.6 * at_100, "chart text at 200 %: {at_200:.1} device px against {at_100:.1} at 100 %");
}
