//! Uploads the way planners keep their figures: Excel workbooks with titles, merged cells, dates
//! and formulas, wide tables with years across, GB18030 CSVs with the names the pages show, and
//! templates filled in outside plantrack (openpyxl, as Excel would) and uploaded back.

use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, backends, spawn_app};
use plantrack::server::auth::Role;

impl TestApp {
    /// Posts `bytes` as a raw body (the way a script sends a file); answers status and JSON.
    pub(crate) async fn upload_bytes(&self, token: &str, query: &str, bytes: Vec<u8>) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/uploads{query}", self.address))
            .bearer_auth(token)
            .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

/// A statistics office's sheet: a merged title, a blank row, years across (a number, 2017年, a
/// formula), the indicator merged over its two regions' rows, an empty cell for a missing year.
fn wide_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("光纤").unwrap();
    sheet.merge_range(0, 0, 0, 4, "2016—2018年光纤入户情况（单位：%）", &Format::new().set_bold()).unwrap();
    sheet.write_string(2, 0, "指标名称").unwrap();
    sheet.write_string(2, 1, "区域").unwrap();
    sheet.write_number(2, 2, 2016).unwrap();
    sheet.write_string(2, 3, "2017年").unwrap();
    sheet.write_string(2, 4, "2018年度").unwrap();
    sheet.merge_range(3, 0, 4, 0, "实际光纤入户率", &Format::new()).unwrap();
    sheet.write_string(3, 1, "全市").unwrap();
    sheet.write_number(3, 2, 58).unwrap();
    sheet.write_string(3, 3, " 62 ").unwrap();
    sheet.write_formula(3, 4, Formula::new("=D4+4").set_result("66")).unwrap();
    sheet.write_string(4, 1, "浦东新区").unwrap();
    sheet.write_number(4, 3, 61.5).unwrap();
    sheet.write_number(4, 4, 63).unwrap();
    workbook.save_to_buffer().unwrap()
}

async fn ftth_figures(app: &TestApp) -> Vec<(String, String, f64)> {
    let (_, actuals) = app.get_json("/api/v1/indicators/ftth-takeup-rate/actuals").await;
    actuals
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["region"].as_str().unwrap().to_owned(),
                a["period"].as_str().unwrap().to_owned(),
                a["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_wide_excel_sheet_with_a_title_uploads_as_the_long_form() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let bytes = wide_workbook();
        let (status, body) = app.upload_bytes(&token, "?name=光纤.xlsx", bytes.clone()).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!((body["format"].as_str(), body["sheet"].as_str()), (Some("xlsx"), Some("光纤")));
        assert_eq!(body["rows_total"], 5, "{body}");
        assert_eq!(body["first_rows"][0]["cell"], "C4");
        let figures = ftth_figures(&app).await;
        for expected in
            [("全市", "2016", 58.0), ("全市", "2017", 62.0), ("全市", "2018", 66.0), ("浦东新区", "2017", 61.5)]
        {
            let expected = (expected.0.to_owned(), expected.1.to_owned(), expected.2);
            assert!(figures.contains(&expected), "{expected:?} in {figures:?}");
        }
        assert!(!figures.iter().any(|(r, p, _)| r == "浦东新区" && p == "2016"), "an empty cell is no figure");
        // The bytes are kept as received; the same bytes again change nothing.
        let id = body["upload_id"].as_i64().unwrap();
        let raw = app.get_as(&format!("/api/v1/uploads/{id}/raw"), &token).await.bytes().await.unwrap();
        assert_eq!(raw.as_ref(), bytes.as_slice());
        let (status, again) = app.upload_bytes(&token, "?name=光纤.xlsx", bytes).await;
        assert_eq!((status, &again["duplicate"]), (200, &Value::Bool(true)), "{again}");
    }
}

/// The wide workbook behind a first sheet of instructions, as offices send templates.
fn workbook_with_instructions_first() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("填报说明").unwrap();
    notes.write_string(0, 0, "填报说明").unwrap();
    notes.write_string(1, 0, "1. 请在“光纤”工作表中按年份填写数值，单位为 %。").unwrap();
    notes.write_string(2, 0, "2. 联系人：市经济信息化委").unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("光纤").unwrap();
    sheet.write_string(0, 0, "指标名称").unwrap();
    sheet.write_string(0, 1, "区域").unwrap();
    sheet.write_string(0, 2, "2017年").unwrap();
    sheet.write_string(1, 0, "实际光纤入户率").unwrap();
    sheet.write_string(1, 1, "全市").unwrap();
    sheet.write_number(1, 2, 62).unwrap();
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_workbook_opening_with_instructions_is_read_from_the_sheet_with_a_header() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let (status, body) =
        app.upload_bytes(&token, "?name=光纤.xlsx&dry_run=true", workbook_with_instructions_first()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sheet"], "光纤", "{body}");
    assert_eq!(body["rows_total"], 1, "{body}");
    // Asked for by name, the instructions are read and say they hold no header.
    let (status, body) =
        app.upload_bytes(&token, "?name=光纤.xlsx&sheet=填报说明", workbook_with_instructions_first()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("header_not_found"), "{body}");
}

/// A long-form workbook whose second sheet is 月报: a date cell, a date serial, a bad period and
/// a bad value.
fn long_workbook(bad: bool) -> Vec<u8> {
    let mut workbook = Workbook::new();
    workbook.add_worksheet().set_name("说明").unwrap().write_string(0, 0, "本表为月报").unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("月报").unwrap();
    for (i, h) in ["指标", "时间", "完成值", "备注"].iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_string(1, 0, "实际光纤入户率").unwrap();
    sheet.write_datetime_with_format(1, 1, ExcelDateTime::from_ymd(2016, 6, 30).unwrap(), &date_format).unwrap();
    sheet.write_string(1, 2, "59").unwrap();
    sheet.write_string(2, 0, "实际光纤入户率").unwrap();
    sheet.write_number(2, 1, 42_643).unwrap(); // 2016-09-30 as a serial
    sheet.write_number(2, 2, 60).unwrap();
    if bad {
        sheet.write_string(3, 0, "实际光纤入户率").unwrap();
        sheet.write_string(3, 1, "2016年第五季度").unwrap();
        sheet.write_number(3, 2, 61).unwrap();
        sheet.write_string(4, 0, "实际光纤入户率").unwrap();
        sheet.write_string(4, 1, "2016年第四季度").unwrap();
        sheet.write_string(4, 2, "约六成").unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn excel_problems_name_the_sheet_and_the_cell() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        let committed = |uploads: Vec<Value>| uploads.iter().filter(|u| u["outcome"] == "committed").count();
        let before = committed(app.uploads().await);
        let (status, body) = app.upload_bytes(&token, "?sheet=%E6%9C%88%E6%8A%A5", long_workbook(true)).await;
        assert_eq!(status, 422, "{body}");
        let errors = body["error"]["details"]["errors"].as_array().unwrap();
        let period = errors.iter().find(|e| e["code"] == "period_invalid").expect("the bad period");
        assert_eq!(
            (&period["sheet"], &period["cell"], &period["line"]),
            (&Value::from("月报"), &Value::from("B4"), &Value::from(4))
        );
        assert!(period["reason_zh"].as_str().unwrap().contains("2020年第三季度"), "{period}");
        let value = errors.iter().find(|e| e["code"] == "value_invalid").expect("the bad value");
        assert_eq!(value["cell"], "C5");
        assert_eq!(committed(app.uploads().await), before, "nothing written");
        // The sheet asked for has no header: it says so, naming the sheet.
        let (status, body) = app.upload_bytes(&token, "?sheet=%E8%AF%B4%E6%98%8E", long_workbook(false)).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["details"]["errors"][0]["code"], "header_not_found", "{body}");
        assert_eq!(body["error"]["details"]["errors"][0]["sheet"], "说明");
        let (status, body) = app.upload_bytes(&token, "?sheet=%E5%B9%B4%E6%8A%A5", long_workbook(false)).await;
        assert_eq!(status, 422);
        let unknown = &body["error"]["details"]["errors"][0];
        assert_eq!(unknown["code"], "sheet_unknown");
        assert!(unknown["reason_zh"].as_str().unwrap().contains("说明、月报"), "{unknown}");
        // The good sheet: a date cell and a serial read as their days.
        let (status, body) = app.upload_bytes(&token, "?sheet=%E6%9C%88%E6%8A%A5", long_workbook(false)).await;
        assert_eq!(status, 201, "{body}");
        let figures = ftth_figures(&app).await;
        assert!(figures.contains(&("全市".to_owned(), "2016-06-30".to_owned(), 59.0)), "{figures:?}");
        assert!(figures.contains(&("全市".to_owned(), "2016-09-30".to_owned(), 60.0)), "{figures:?}");
        // Not a spreadsheet after all: a zip of something else.
        let (status, body) = app.upload_bytes(&token, "", b"PK\x03\x04 not really a workbook".to_vec()).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["details"]["errors"][0]["code"], "spreadsheet_unreadable", "{body}");
        assert!(body["error"]["details"]["errors"][0]["reason_zh"].as_str().unwrap().contains("电子表格"));
    }
}

#[tokio::test]
async fn a_clerks_gb18030_csv_with_chinese_periods_names_and_units_is_read() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(Role::Uploader);
        // The plan page's name of a target, not its indicator's; 区域; periods as offices write them;
        // a count in 万项 for an indicator in 项.
        let csv = "指标,期间,数值,区域,单位,备注\n\
                   家庭光纤用户平均互联网接入带宽,2016年,30,全市,Mbps,\n\
                   实际光纤入户率,2016年第一季度,56,全市,%,\n\
                   实际光纤入户率,2016年上半年,57,全市,%,\n\
                   实际光纤入户率,2017/3,60,全市,,\n\
                   open-data-sets,2017年度,0.3,全市,万项,按万项填报\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(csv);
        let (status, body) = app.upload(&token, "?dry_run=true", bytes.into_owned()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["encoding"], "gb18030");
        assert_eq!(body["rows_new"], 5, "{body}");
        let changes = body["changes"].as_array().unwrap();
        let of = |indicator: &str| changes.iter().find(|c| c["indicator"] == indicator).unwrap();
        assert_eq!(of("household-broadband-access-bandwidth")["period"], "2016");
        assert_eq!(of("open-data-sets")["value"], 3000.0, "万项 converted to 项");
        let periods: Vec<&str> = changes.iter().filter_map(|c| c["period"].as_str()).collect();
        assert!(
            periods.contains(&"2016-Q1") && periods.contains(&"2016-H1") && periods.contains(&"2017-03"),
            "{periods:?}"
        );

        // A unit of another kind, a period decades before the plan, a period not yet begun.
        let bad = "指标,年份,数据,区县,单位\n实际光纤入户率,2017,60,全市,万户\n实际光纤入户率,1990年,40,全市,%\n实际光纤入户率,2099,99,全市,%\n";
        let (status, body) = app.upload(&token, "?dry_run=true", bad).await;
        assert_eq!(status, 422, "{body}");
        let codes: Vec<&str> =
            body["error"]["details"]["errors"].as_array().unwrap().iter().filter_map(|e| e["code"].as_str()).collect();
        assert_eq!(codes, ["unit_mismatch", "period_too_old", "period_future"], "{body}");
    }
}

#[tokio::test]
async fn a_wide_csv_with_years_across_is_read_too() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let csv = "上海市光纤入户率统计,,\n指标,2016年,2017年\n实际光纤入户率,58,62\n";
    let (status, body) = app.upload(&token, "", csv).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["rows_new"], 2);
    assert_eq!(body["first_rows"][1]["cell"], "C3");
    let (status, body) = app.upload(&token, "", "指标,2016年,2017年\n实际光纤入户率,58,六十二\n").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["details"]["errors"][0]["cell"], "C2", "{body}");
    // What was read comes with the problems: the clerk sees how the table was taken.
    let read = body["error"]["details"]["first_rows"].as_array().unwrap();
    assert_eq!((read.len(), &read[1]["period"], &read[1]["value"]), (2, &Value::from("2017"), &Value::from("六十二")));
}

#[tokio::test]
async fn the_web_form_previews_an_excel_file_as_read() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let form_page = app.get("/uploads").await;
    let cookie =
        form_page.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let secret = cookie.split_once('=').unwrap().1.to_owned();
    let page = form_page.text().await.unwrap();
    assert!(page.contains(".xlsx") && page.contains("name=\"sheet\""), "the form takes spreadsheets");
    let form = Form::new()
        .text("csrf", secret)
        .text("token", token)
        .text("encoding", "auto")
        .text("sheet", "")
        .part("file", Part::bytes(wide_workbook()).file_name("光纤.xlsx"));
    let response = app
        .client
        .post(format!("{}/uploads/preview", app.address))
        .header(reqwest::header::COOKIE, cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let preview = response.text().await.unwrap();
    assert!(preview.contains("读取结果") && preview.contains("工作表“光纤”"), "{preview}");
    assert!(preview.contains("<td class=\"num\">E4</td>"), "{preview}");
    assert!(preview.contains("新增 <strong>5</strong>"), "{preview}");
}

#[tokio::test]
async fn a_template_filled_in_with_openpyxl_uploads_unchanged() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let dir = tempfile::tempdir().unwrap();
        for (path, owed) in [
            ("/departments/data-bureau/template.xlsx?as_of=2026-06-01", 8),
            ("/plans/ai-gov-services-2025/template.xlsx?as_of=2026-06-01", 0),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 200, "{path}");
            let template = dir.path().join("template.xlsx");
            std::fs::write(&template, response.bytes().await.unwrap()).unwrap();
            let filled = dir.path().join("filled.xlsx");
            // Excel's way: open the workbook, type into the value column, save.
            let script = "import sys, openpyxl\n\
                          wb = openpyxl.load_workbook(sys.argv[1])\n\
                          ws = wb.worksheets[0]\n\
                          assert [c.value for c in ws[3]] == ['指标', '期间', '地区', '单位', '数值', '备注'], [c.value for c in ws[3]]\n\
                          assert ws.data_validations.dataValidation, 'a drop-down list of regions'\n\
                          n = 0\n\
                          for row in ws.iter_rows(min_row=4):\n\
                          \x20   if row[0].value:\n\
                          \x20       row[4].value = 100; n += 1\n\
                          wb.save(sys.argv[2])\n\
                          print(n)\n";
            let out = std::process::Command::new("python3")
                .args(["-c", script, template.to_str().unwrap(), filled.to_str().unwrap()])
                .output()
                .expect("python3 with openpyxl");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let rows: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            if owed > 0 {
                assert_eq!(rows, owed, "{path}");
            } else {
                assert!(rows >= 8, "the plan's template lists its owed figures: {rows}");
            }
            let (status, body) =
                app.upload_bytes(&app.token(Role::Admin), "?dry_run=true", std::fs::read(&filled).unwrap()).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert_eq!(body["rows_new"].as_u64().unwrap() as usize, rows, "{body}");
        }
        // The department's template, filled, committed: nothing is owed any more.
        let csv = app.get("/plans/ai-gov-services-2025/template.csv?as_of=2026-06-01").await.text().await.unwrap();
        assert!(csv.starts_with("\u{feff}指标,期间,地区,单位,数值,备注"), "{csv}");
        assert_eq!(app.get("/plans/no-such-plan/template.xlsx").await.status(), 404);
        assert_eq!(app.get("/plans/ai-gov-services-2025/template.pdf").await.status(), 404);
    }
}

/// A department's template filled in part, the way Excel keeps what a clerk types: 15% typed into
/// a cell is stored as 0.15 formatted `0%`. The figures filled in are taken (the percentage as 15),
/// the rows left empty are passed over and counted; a percentage typed for an indicator counted in
/// another unit is refused in words, not stored a hundred times too small.
#[tokio::test]
async fn a_template_filled_in_part_with_percentages_as_excel_keeps_them_uploads_what_it_has() {
    let app = spawn_app(&Backend::Sqlite).await;
    let admin = app.token(Role::Admin);
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.xlsx");
    let response = app.get("/departments/eitc/template.xlsx").await;
    std::fs::write(&template, response.bytes().await.unwrap()).unwrap();
    // Fills the first row in % with 15% and the first row counted in 项 with 5100; with `wrong`,
    // the 项 row gets a percentage too.
    let fill = |wrong: bool| {
        let filled = dir.path().join(format!("filled-{wrong}.xlsx"));
        let script = "import sys, openpyxl\n\
                      wb = openpyxl.load_workbook(sys.argv[1])\n\
                      ws = wb.worksheets[0]\n\
                      done = set()\n\
                      for row in ws.iter_rows(min_row=4):\n\
                      \x20   unit = row[3].value\n\
                      \x20   if unit in ('%', '项') and unit not in done:\n\
                      \x20       done.add(unit)\n\
                      \x20       percent = unit == '%' or sys.argv[3] == 'true'\n\
                      \x20       row[4].value = 0.15 if percent else 5100\n\
                      \x20       if percent: row[4].number_format = '0%'\n\
                      \x20       print(row[0].value, row[1].value)\n\
                      wb.save(sys.argv[2])\n";
        let out = std::process::Command::new("python3")
            .args(["-c", script, template.to_str().unwrap(), filled.to_str().unwrap(), &wrong.to_string()])
            .output()
            .expect("python3 with openpyxl");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2, "a row in % and one in 项");
        std::fs::read(filled).unwrap()
    };

    let (status, body) = app.upload_bytes(&admin, "?dry_run=true", fill(false)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["rows_total"].as_u64(), body["rows_new"].as_u64()), (Some(2), Some(2)), "{body}");
    assert!(body["rows_unfilled"].as_u64().unwrap() > 50, "the rows left empty are counted: {body}");
    let changes = body["changes"].as_array().unwrap();
    let percent = changes.iter().find(|c| c["unit"] == "%").unwrap();
    assert_eq!(percent["value"], 15.0, "15% as the clerk saw it, not 0.15: {percent}");
    assert!(!percent["indicator_name"].as_str().unwrap().is_ascii(), "{percent}");

    let (status, body) = app.upload_bytes(&admin, "?dry_run=true", fill(true)).await;
    assert_eq!(status, 422, "{body}");
    let reason = &body["error"]["details"]["errors"][0];
    assert_eq!(reason["reason_zh"], "只有以 % 计量的指标才能带 % 号", "{body}");
    assert_eq!(reason["value"], "15%", "{body}");

    // A template with nothing filled in says so instead of listing every empty row.
    let (status, body) = app.upload_bytes(&admin, "?dry_run=true", std::fs::read(&template).unwrap()).await;
    assert_eq!(status, 422, "{body}");
    let errors = body["error"]["details"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert!(errors[0]["reason_zh"].as_str().unwrap().starts_with("没有一行填写了数值"), "{body}");
}

/// An OpenDocument spreadsheet as LibreOffice saves one: mimetype, manifest, content.
fn ods(rows: &[&[&str]]) -> Vec<u8> {
    let cell = |text: &&str| match text.parse::<f64>() {
        Ok(v) => format!(
            r#"<table:table-cell office:value-type="float" office:value="{v}"><text:p>{text}</text:p></table:table-cell>"#
        ),
        Err(_) => format!(r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#),
    };
    let body: String = rows
        .iter()
        .map(|row| format!("<table:table-row>{}</table:table-row>", row.iter().map(cell).collect::<String>()))
        .collect();
    ods_of(&body)
}

/// An OpenDocument spreadsheet whose one table holds `body` (its rows, as XML).
fn ods_of(body: &str) -> Vec<u8> {
    use std::io::Write;
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="数据">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", content.as_str()),
    ] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn an_opendocument_sheet_and_the_cli_read_the_same_way() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let sheet = ods(&[&["指标", "2016年", "2017年"], &["实际光纤入户率", "58", "62"]]);
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", sheet).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["format"].as_str(), body["sheet"].as_str(), &body["rows_new"]),
        (Some("ods"), Some("数据"), &Value::from(2))
    );
    // LibreOffice keeps a typed 63% as a cell of type percentage holding 0.63, after an empty row
    // repeated and a repeated blank cell: read as the 63 the clerk saw, in its place.
    let text =
        |t: &str| format!(r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#);
    let sheet = ods_of(&format!(
        r#"<table:table-row>{}{}{}</table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row><table:table-row>{}{}<table:table-cell office:value-type="percentage" office:value="0.63"><text:p>63%</text:p></table:table-cell></table:table-row>"#,
        text("指标"),
        text("期间"),
        text("数值"),
        text("实际光纤入户率"),
        text("2018"),
    ));
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", sheet).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changes"][0]["value"], 63.0, "{body}");
    assert_eq!(body["first_rows"][0]["cell"], "C4", "{body}");
    // A row repeated a million times is a few bytes of .ods and three million cells: refused
    // before it is held and checked, like a CSV read whole.
    let repeated = ods_of(&format!(
        r#"<table:table-row>{}{}{}</table:table-row><table:table-row table:number-rows-repeated="1000000">{}{}{}</table:table-row>"#,
        text("指标"),
        text("期间"),
        text("数值"),
        text("实际光纤入户率"),
        text("2018"),
        text("63"),
    ));
    assert!(repeated.len() < 2_000, "{} bytes", repeated.len());
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", repeated).await;
    assert_eq!(
        (status, body["error"]["details"]["errors"][0]["code"].as_str()),
        (422, Some("grid_too_large")),
        "{body}"
    );

    // The CLI takes workbooks and a sheet by name.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("月报.xlsx");
    std::fs::write(&file, long_workbook(false)).unwrap();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_plantrack"))
            .args(args)
            .current_dir(crate::helpers::repo_root())
            .env("PLANTRACK_DATABASE_URL", &app.db_url)
            .env("RUST_LOG", "warn")
            .env("LANG", "zh_CN.UTF-8")
            .output()
            .unwrap()
    };
    let wrong = cli(&["ingest", "--dry-run", "--sheet", "说明", file.to_str().unwrap()]);
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stdout).to_string() + &String::from_utf8_lossy(&wrong.stderr);
    assert!(said.contains("没有表头") && said.contains("说明"), "{said}");
    // Named, or found as the first sheet with a header.
    let found = cli(&["ingest", "--dry-run", file.to_str().unwrap()]);
    assert!(found.status.success(), "{}", String::from_utf8_lossy(&found.stderr));
    let right = cli(&["ingest", "--sheet", "月报", file.to_str().unwrap()]);
    assert!(
        right.status.success(),
        "{}{}",
        String::from_utf8_lossy(&right.stdout),
        String::from_utf8_lossy(&right.stderr)
    );
    assert!(ftth_figures(&app).await.contains(&("全市".to_owned(), "2016-06-30".to_owned(), 59.0)));
}

/// Files of a few kilobytes that declare millions of cells: each is refused with a reason, in a
/// few seconds, and the server goes on serving (the sheet is read by a child process under a
/// memory ceiling; the first of these once ended the server itself).
#[tokio::test]
async fn spreadsheets_built_to_exhaust_memory_are_refused_and_the_server_stays_up() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let mut far_cell = Workbook::new();
    let sheet = far_cell.add_worksheet();
    for (column, name) in ["指标", "期间", "数值"].into_iter().enumerate() {
        sheet.write_string(0, column as u16, name).unwrap();
    }
    sheet.write_number(1_048_575, 16_383, 1).unwrap();
    let far_cell = far_cell.save_to_buffer().unwrap();
    let repeated = ods_of(concat!(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>指标</text:p></table:table-cell></table:table-row>"#,
        r#"<table:table-row><table:table-cell table:number-columns-repeated="400000000" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#,
    ));
    for (name, bytes) in [("far cell", far_cell), ("repeated cell", repeated)] {
        assert!(bytes.len() < 20_000, "{name}: {} bytes", bytes.len());
        let started = std::time::Instant::now();
        let (status, body) = app.upload_bytes(&token, "?name=bomb.xlsx", bytes).await;
        assert_eq!(status, 422, "{name}: {body}");
        let problem = &body["error"]["details"]["errors"][0];
        assert_eq!(problem["code"], "spreadsheet_too_large", "{name}: {body}");
        assert!(problem["reason_zh"].as_str().unwrap().contains("内存"), "{name}: {body}");
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{name}: {:?}", started.elapsed());
        let (status, health) = app.get_json("/healthz").await;
        assert_eq!((status, &health["status"]), (200, &Value::from("ok")), "{name}: the server is still there");
    }
    let uploads = app.uploads().await;
    let sent: Vec<_> = uploads.iter().filter(|u| u["channel"] == "http").collect();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|u| u["rows_new"] == 0 && u["outcome"] == "rejected"), "nothing written: {sent:?}");
}

/// `wide_workbook` with `count` more merges over the whole sheet (A1:XFD1048576) written into its
/// sheet's XML: a few KB that, filled naively, cost `count` × 16 384 columns × the rows.
fn workbook_with_merges(count: usize) -> Vec<u8> {
    use std::io::{Read, Write};
    let original = wide_workbook();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(original)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().to_owned();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let extra = "<mergeCell ref=\"A1:XFD1048576\"/>".repeat(count);
            text = text.replace("</mergeCells>", &format!("{extra}</mergeCells>"));
        }
        out.start_file(name, deflated).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn merged_cells_covering_more_than_the_sheet_are_refused_at_once() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let bomb = workbook_with_merges(100_000);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let started = std::time::Instant::now();
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", bomb).await;
    assert_eq!(status, 422, "{body}");
    let error = &body["error"]["details"]["errors"][0];
    assert_eq!(error["code"], "overlapping_merges", "{body}");
    assert!(error["reason_zh"].as_str().unwrap().contains("合并单元格相互重叠"), "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "{:?}", started.elapsed());
    // The sheet's own merges (a title over five columns, an indicator over two rows) still read.
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", workbook_with_merges(0)).await;
    assert_eq!(status, 200, "{body}");
}

/// A template row whose target totals the figure over its plan says, on the value cell, that the
/// running total is wanted; the other rows say nothing.
#[tokio::test]
async fn a_template_tells_the_clerk_which_rows_want_a_running_total() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let response = app.get("/plans/new-urbanization-2024-2028/template.xlsx?as_of=2026-06-01").await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
    assert!(sheet.contains("请填写自 2024-01-01 起至本期末的累计合计"), "{sheet}");
    let totals = sheet.matches("promptTitle=\"累计值\"").count();
    assert!(totals > 0, "{sheet}");
    let strings = {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/sharedStrings.xml").unwrap(), &mut text).unwrap();
        text
    };
    assert!(strings.contains("新时代城市建设者管理者之家床位"), "the cumulative target's indicator is owed");
    let data_rows = sheet.matches("<row ").count() - 3;
    assert!(totals < data_rows, "only the running totals: {totals} of {data_rows}");
}

/// A clerk's workbook as offices keep them: last year's sheet hidden in front, an old figure in a
/// hidden row, a year typed into a cell formatted `yyyy"年"` (Excel stores 1 January), a figure
/// not to hand marked 暂无, a name broken over two lines in its cell, 浦东 for 浦东新区, 2022年末.
fn clerks_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let old = workbook.add_worksheet();
    old.set_name("旧数据").unwrap();
    for (i, h) in ["指标", "期间", "地区", "数值"].iter().enumerate() {
        old.write_string(0, i as u16, *h).unwrap();
    }
    old.write_string(1, 0, "实际光纤入户率").unwrap();
    old.write_string(1, 1, "2021").unwrap();
    old.write_string(1, 2, "全市").unwrap();
    old.write_number(1, 3, 11).unwrap();
    old.set_hidden(true);
    let sheet = workbook.add_worksheet();
    sheet.set_name("报送数据").unwrap();
    sheet.set_active(true);
    for (i, h) in ["指标", "期间", "地区", "数值"].iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    let year = Format::new().set_num_format("yyyy\"年\"");
    sheet.write_string(1, 0, "实际光纤\n入户率").unwrap();
    sheet.write_datetime_with_format(1, 1, ExcelDateTime::from_ymd(2023, 1, 1).unwrap(), &year).unwrap();
    sheet.write_string(1, 2, "全市").unwrap();
    sheet.write_number(1, 3, 71).unwrap();
    sheet.write_string(2, 0, "实际光纤入户率").unwrap();
    sheet.write_string(2, 1, "2023").unwrap();
    sheet.write_string(2, 2, "全市").unwrap();
    sheet.write_number(2, 3, 999).unwrap();
    sheet.set_row_hidden(2).unwrap();
    sheet.write_string(3, 0, "实际光纤入户率").unwrap();
    sheet.write_string(3, 1, "2022年末").unwrap();
    sheet.write_string(3, 2, "浦东").unwrap();
    sheet.write_number(3, 3, 68).unwrap();
    sheet.write_string(4, 0, "实际光纤入户率").unwrap();
    sheet.write_string(4, 1, "2024年1-12月").unwrap();
    sheet.write_string(4, 2, "全市").unwrap();
    sheet.write_string(4, 3, "暂无").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_clerks_workbook_is_read_as_the_clerk_sees_it() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    let (status, body) = app.upload_bytes(&token, "?name=报送.xlsx", clerks_workbook()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["sheet"], "报送数据", "the hidden sheet is passed over: {body}");
    assert_eq!(body["rows_unfilled"], 1, "暂无 is a figure not to hand: {body}");
    let figures = ftth_figures(&app).await;
    assert!(figures.contains(&("全市".to_owned(), "2023".to_owned(), 71.0)), "a year, not January: {figures:?}");
    assert!(figures.contains(&("浦东新区".to_owned(), "2022".to_owned(), 68.0)), "{figures:?}");
    assert!(!figures.iter().any(|f| f.2 == 999.0 || f.2 == 11.0), "hidden rows and sheets: {figures:?}");

    // Two sheets with a table each: which one is meant is asked, not guessed.
    let mut workbook = Workbook::new();
    for (name, value) in [("2024年", 72), ("2025年", 74)] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).unwrap();
        for (i, h) in ["指标", "期间", "数值"].iter().enumerate() {
            sheet.write_string(0, i as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "实际光纤入户率").unwrap();
        sheet.write_string(1, 1, &name[..4]).unwrap();
        sheet.write_number(1, 2, value).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", bytes.clone()).await;
    assert_eq!(status, 422, "{body}");
    let problem = &body["error"]["details"]["errors"][0];
    assert_eq!(problem["code"], "two_sheets_with_tables", "{body}");
    assert!(problem["reason_zh"].as_str().unwrap().contains("“2024年”和“2025年”"), "{problem}");
    let (status, body) = app.upload_bytes(&token, "?dry_run=true&sheet=2025%E5%B9%B4", bytes).await;
    assert_eq!(status, 200, "a sheet named is read: {body}");
}

/// A sheet headed the way offices head them: 序号 and 指标项, 年度, 数值（亿元） with a line break in
/// the cell; a dash for a figure not to hand, a name with full-width brackets, a 合计 row written in
/// the 序号 column, and a second table lower down headed again under its own title.
fn office_sheet(total_row: bool, ambiguous_period: bool) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = ["序号", "指标项", "年度", "数值\n（亿元）"];
    let mut row = 0;
    let write_header = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32| {
        for (i, h) in header.iter().enumerate() {
            sheet.write_string(row, i as u16, *h).unwrap();
        }
    };
    sheet.write_string(row, 0, "大数据产业情况表").unwrap();
    row += 1;
    write_header(sheet, row);
    let rows: [(&str, &str, &str); 3] =
        [("1", "大数据核心产业产值", "2018"), ("2", "大数据核心产业产值", "2019"), ("3", "大数据核心产业产值", "2020")];
    for (i, (n, name, year)) in rows.iter().enumerate() {
        row += 1;
        sheet.write_string(row, 0, *n).unwrap();
        sheet.write_string(row, 1, *name).unwrap();
        sheet.write_string(row, 2, *year).unwrap();
        match i {
            0 => sheet.write_number(row, 3, 1200.5).unwrap(),
            1 => sheet.write_string(row, 3, "—").unwrap(),
            _ => sheet.write_number(row, 3, 1500).unwrap(),
        };
    }
    if total_row {
        row += 1;
        sheet.write_string(row, 0, "合计").unwrap();
        sheet.write_number(row, 3, 2700.5).unwrap();
    }
    row += 2;
    sheet.write_string(row, 0, "附表：重点企业").unwrap();
    row += 1;
    write_header(sheet, row);
    row += 1;
    sheet.write_string(row, 1, "大数据重点（龙头）企业数量").unwrap();
    if ambiguous_period {
        sheet.write_number(row, 2, 2019.1).unwrap();
    } else {
        sheet.write_string(row, 2, "2019").unwrap();
    }
    sheet.write_number(row, 3, 0.0012).unwrap();
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_office_sheet_with_its_own_headings_is_read_or_refused_where_it_goes_wrong() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(Role::Uploader);
    // 0.0012 亿元 of enterprises is refused as a unit mismatch: the column's unit is every row's.
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", office_sheet(false, false)).await;
    assert_eq!(status, 422, "{body}");
    let errors = body["error"]["details"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "the second table's title and header are no rows: {body}");
    assert_eq!(errors[0]["cell"], "D9", "{body}");
    assert_eq!(errors[0]["code"], "unit_mismatch", "{body}");

    let (status, body) = app.upload_bytes(&token, "?dry_run=true", office_sheet(true, true)).await;
    assert_eq!(status, 422, "{body}");
    let errors = body["error"]["details"]["errors"].as_array().unwrap();
    assert_eq!(errors[0]["code"], "period_ambiguous", "{body}");
    assert_eq!(errors[0]["cell"], "C10", "{body}");
    assert!(errors[0]["reason_zh"].as_str().unwrap().contains("2019年10月"), "{body}");

    let (status, body) = app.upload_bytes(&token, "?dry_run=true", office_sheet(true, false)).await;
    assert_eq!(status, 422, "{body}");
    let codes: Vec<&str> =
        body["error"]["details"]["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"total_row"), "合计 in the 序号 column is a total row: {body}");

    // A sheet whose header lacks a column says which it found and which it did not.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (i, h) in ["指标", "期间", "本年实绩"].iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "大数据核心产业产值").unwrap();
    let (status, body) = app.upload_bytes(&token, "?dry_run=true", workbook.save_to_buffer().unwrap()).await;
    assert_eq!(status, 422, "{body}");
    let problem = &body["error"]["details"]["errors"][0];
    assert_eq!(problem["code"], "header_incomplete", "{body}");
    let said = problem["reason_zh"].as_str().unwrap();
    assert!(said.contains("认出了 指标、期间") && said.contains("缺少 数值") && said.contains("“本年实绩”"), "{said}");

    // 数值（万元） for an indicator in 亿元: converted, as a 单位 column of 万元 would be.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (i, h) in ["指标", "期间", "数值（万元）"].iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "大数据核心产业产值").unwrap();
    sheet.write_string(1, 1, "2018年").unwrap();
    sheet.write_number(1, 2, 12_005_000).unwrap();
    let (status, body) = app.upload_bytes(&token, "", workbook.save_to_buffer().unwrap()).await;
    assert_eq!(status, 201, "{body}");
    let (_, actuals) = app.get_json("/api/v1/indicators/big-data-core-industry-output/actuals").await;
    let figure = actuals.as_array().unwrap().iter().find(|a| a["period"] == "2018").cloned();
    assert_eq!(figure.map(|f| f["value"].as_f64().unwrap()), Some(1200.5), "{actuals}");
}
