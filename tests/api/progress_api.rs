use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestDb, backends, repo_root, spawn_app, spawn_app_with};

fn by_slug(targets: &Value) -> HashMap<String, Value> {
    targets.as_array().unwrap().iter().map(|t| (t["slug"].as_str().unwrap().to_owned(), t.clone())).collect()
}

#[tokio::test]
async fn the_2016_open_data_goals_are_judged_by_the_2020_figure_of_the_2021_plan() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (status, targets) = app.get_json("/api/v1/targets?indicator=open-data-sets").await;
        assert_eq!(status, 200);
        let targets = by_slug(&targets);
        // 智慧城市“十三五”: 开放数据集超过 5000 项 by 2020; the 2021 plan reports 超过4000 for 2020.
        let more_than_5000 = &targets["sc13-open-data-sets"]["progress"];
        assert_eq!(more_than_5000["status"], "missed", "{more_than_5000}");
        assert_eq!(more_than_5000["latest"]["value"], 4000.0);
        assert_eq!(more_than_5000["latest"]["date"], "2020-12-31");
        // The 2016 big-data plan's 3000 was reached.
        assert_eq!(targets["bd16-open-data-sets"]["progress"]["status"], "achieved");
    }
}

#[tokio::test]
async fn targets_filter_by_status_and_plans_count_them() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (_, achieved) = app.get_json("/api/v1/targets?status=achieved").await;
    let achieved = achieved.as_array().unwrap();
    assert!(!achieved.is_empty());
    assert!(achieved.iter().all(|t| t["progress"]["status"] == "achieved"));
    let (_, plan) = app.get_json("/api/v1/plans/smart-city-13th-fyp").await;
    let counted: u64 = plan["status_counts"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(counted as usize, plan["targets"].as_array().unwrap().len());
    let missed = plan["status_counts"].as_array().unwrap().iter().find(|c| c["status"] == "missed").unwrap();
    assert!(missed["count"].as_u64().unwrap() >= 1);
    assert_eq!(missed["label"], "到期未实现");
    let (_, plans) = app.get_json("/api/v1/plans").await;
    assert!(plans.as_array().unwrap().iter().all(|p| p["status_counts"].is_array()));
}

#[tokio::test]
async fn bad_status_date_and_method_are_400_naming_the_parameter() {
    let app = spawn_app(&Backend::Sqlite).await;
    for (path, parameter) in [
        ("/api/v1/targets?status=fine", "status"),
        ("/api/v1/targets?as_of=2020-13-01", "as_of"),
        ("/api/v1/targets?method=magic", "method"),
        ("/api/v1/targets/sc13-open-data-sets?as_of=yesterday", "as_of"),
        ("/api/v1/plans/smart-city-13th-fyp?method=okr", "method"),
        ("/api/v1/departments?known_at=2999-01-01", "known_at"),
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["error"]["details"]["parameter"], parameter, "{path}: {body}");
    }
    // What is known today may be asked for; tomorrow's, not.
    let today = plantrack::judged::today();
    assert_eq!(app.get_json(&format!("/api/v1/targets?known_at={today}")).await.0, 200);
    let tomorrow = today.succ_opt().unwrap();
    // A page's "as known then" switch on a date still to come shows what is known today.
    let ahead = app.get(&format!("/targets/sc13-ftth-takeup?as_of={tomorrow}&as_known=1")).await;
    assert_eq!(ahead.status(), 200);
    let page = app.get(&format!("/targets/sc13-ftth-takeup?known_at={tomorrow}")).await;
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("晚于今天"));
}

#[tokio::test]
async fn history_loaded_today_counts_at_past_dates_unless_asked_as_known_then() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(plantrack::server::auth::Role::Uploader);
        let csv = "indicator,period,value\n实际光纤入户率,2016,58\n实际光纤入户率,2017,62\n实际光纤入户率,2018,65\n\
                   实际光纤入户率,2019,68\n实际光纤入户率,2020,71\n";
        let (status, body) = app.upload(&token, "", csv).await;
        assert_eq!(status, 201, "{body}");
        // The view of 2018-06-30: the periods ended by then (2016 and 2017), uploaded today.
        let (_, then) = app.get_json("/api/v1/targets/sc13-ftth-takeup?as_of=2018-06-30").await;
        let progress = &then["progress"];
        assert_eq!(progress["latest"]["value"], 62.0, "{then}");
        assert_eq!(progress["latest"]["date"], "2017-12-31");
        assert_eq!(progress["status"], "on_track", "{then}");
        // As reported at the time: none of these figures had been recorded in 2018.
        let (_, known) = app.get_json("/api/v1/targets/sc13-ftth-takeup?as_of=2018-06-30&known_at=2018-06-30").await;
        assert_eq!(
            known["progress"]["status"], "overdue",
            "nothing recorded by then, and the 2016 figure was due: {known}"
        );
        // The plan's list agrees with the target.
        let (_, plan) = app.get_json("/api/v1/plans/smart-city-13th-fyp?as_of=2018-06-30").await;
        let listed = plan["targets"].as_array().unwrap().iter().find(|t| t["slug"] == "sc13-ftth-takeup").unwrap();
        assert_eq!(listed["progress"]["status"], "on_track");
        let (_, listed) =
            app.get_json("/api/v1/targets?plan=smart-city-13th-fyp&as_of=2018-06-30&known_at=2018-06-30").await;
        let listed = by_slug(&listed);
        assert_eq!(listed["sc13-ftth-takeup"]["progress"]["status"], "overdue");
        // Today: achieved, so no forecast is offered.
        let (_, now) = app.get_json("/api/v1/targets/sc13-ftth-takeup").await;
        assert_eq!(now["progress"]["status"], "achieved", "{now}");
        assert!(now["assessment"]["projection"].is_null(), "{now}");
        let (status, body) = app.get_json("/api/v1/targets/sc13-ftth-takeup?known_at=2018-02-30").await;
        assert_eq!((status, &body["error"]["details"]["parameter"]), (400, &Value::from("known_at")), "{body}");
    }
}

#[tokio::test]
async fn the_seed_figures_judge_the_open_data_goal_missed_without_a_forecast() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (_, now) = app.get_json("/api/v1/targets/sc13-open-data-sets").await;
    assert_eq!(now["progress"]["status"], "missed");
    assert!(now["assessment"]["projection"].is_null(), "a missed target states what happened: {now}");
    assert_eq!(now["series"].as_array().unwrap().len(), 2, "800 (2015) and 4000 (2020)");
    let (_, cagr) = app.get_json("/api/v1/targets/sc13-open-data-sets?method=cagr").await;
    assert!(cagr["assessment"]["cagr_ratio"].as_f64().is_some(), "{cagr}");
}

#[tokio::test]
async fn district_figures_are_shown_judged_by_region_and_never_summed_unless_the_indicator_says_how() {
    let app = spawn_app(&Backend::Sqlite).await;
    let token = app.token(plantrack::server::auth::Role::Uploader);
    let districts = [
        "黄浦区",
        "徐汇区",
        "长宁区",
        "静安区",
        "普陀区",
        "虹口区",
        "杨浦区",
        "闵行区",
        "宝山区",
        "嘉定区",
        "浦东新区",
        "金山区",
        "松江区",
        "青浦区",
        "奉贤区",
        "崇明区",
    ];
    let mut csv = String::from("indicator,period,value,region\n");
    for (i, d) in districts.iter().enumerate() {
        csv.push_str(&format!("实际光纤入户率,2017,{},{d}\n", 50 + i));
    }
    let (status, body) = app.upload(&token, "", csv).await;
    assert_eq!(status, 201, "{body}");
    // The city target is not judged on a sum (or mean) of districts: a rate says no aggregate.
    let (_, city) = app.get_json("/api/v1/targets/sc13-ftth-takeup?as_of=2018-06-30").await;
    assert_ne!(city["progress"]["latest"]["date"], "2017-12-31", "{city}");
    // ?region= judges the city target on one district's figures.
    let (_, pudong) = app.get_json("/api/v1/targets/sc13-ftth-takeup?as_of=2018-06-30&region=浦东新区").await;
    assert_eq!(pudong["progress"]["latest"]["value"], 60.0, "{pudong}");
    assert_ne!(pudong["progress"]["status"], "not_assessable", "a rate is each district's own goal too: {pudong}");
    let (_, plan) = app.get_json("/api/v1/plans/smart-city-13th-fyp?as_of=2018-06-30&region=浦东新区").await;
    let listed = plan["targets"].as_array().unwrap().iter().find(|t| t["slug"] == "sc13-ftth-takeup").unwrap();
    assert_eq!(listed["progress"]["latest"]["value"], 60.0);
    // Every district's latest figure, on the target.
    let figures = city["districts"].as_array().expect("district figures");
    assert_eq!(figures.len(), 16, "{city}");
    assert!(figures.iter().any(|f| f["region"] == "崇明区" && f["value"] == 65.0));
    let (status, body) = app.get_json("/api/v1/targets/sc13-ftth-takeup?region=火星").await;
    assert_eq!((status, &body["error"]["details"]["parameter"]), (400, &Value::from("region")), "{body}");
}

#[tokio::test]
async fn the_cli_and_the_api_agree() {
    let db = TestDb::new(&Backend::Sqlite);
    let url = db.url.clone();
    let app = spawn_app_with(db, None).await;
    let (_, api) = app.get_json("/api/v1/targets?plan=smart-city-13th-fyp").await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plantrack"))
        .args(["status", "--plan", "smart-city-13th-fyp", "--format", "json"])
        .current_dir(repo_root())
        .env("PLANTRACK_DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| (t["slug"].as_str().unwrap().to_owned(), t["progress"]["status"].as_str().unwrap().to_owned()))
            .collect()
    };
    assert_eq!(statuses(&cli), statuses(&api));

    let table = std::process::Command::new(env!("CARGO_BIN_EXE_plantrack"))
        .args(["status", "--plan", "smart-city-13th-fyp", "--lang", "zh"])
        .current_dir(repo_root())
        .env("PLANTRACK_DATABASE_URL", &url)
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("政府数据开放数据集") || text.contains("开放数据集"), "{text}");
    assert!(text.contains("到期未实现 missed"), "{text}");
    let csv = std::process::Command::new(env!("CARGO_BIN_EXE_plantrack"))
        .args(["status", "--format", "csv", "--method", "cagr"])
        .current_dir(repo_root())
        .env("PLANTRACK_DATABASE_URL", &url)
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("target,plan,indicator,name"));
    assert!(csv.lines().any(|l| l.starts_with("sc13-open-data-sets,") && l.contains(",missed,")));
    // Each figure with the unit it is in: 3000万平方米 is 30000000 平方米.
    assert!(csv.lines().next().unwrap().ends_with(",method,unit"), "{csv}");
    let retrofit = csv.lines().find(|l| l.starts_with("eser14-building-energy-retrofit-3000,")).unwrap();
    assert!(retrofit.contains(",30000000,") && retrofit.ends_with(",平方米"), "{retrofit}");
}

#[tokio::test]
async fn a_city_figure_is_the_sum_of_its_districts_only_when_the_indicator_says_so_and_every_district_reported() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(plantrack::server::auth::Role::Uploader);
        let districts = [
            "黄浦区",
            "徐汇区",
            "长宁区",
            "静安区",
            "普陀区",
            "虹口区",
            "杨浦区",
            "闵行区",
            "宝山区",
            "嘉定区",
            "浦东新区",
            "金山区",
            "松江区",
            "青浦区",
            "奉贤区",
            "崇明区",
        ];
        // 2016: fifteen districts reported; 2017: all sixteen, 420 人份 each.
        let mut csv = String::from("indicator,period,value,region\n");
        for d in &districts[..15] {
            csv.push_str(&format!("年度应急献血实战演练献血量,2016,400,{d}\n"));
        }
        for d in &districts {
            csv.push_str(&format!("年度应急献血实战演练献血量,2017,420,{d}\n"));
        }
        let (status, body) = app.upload(&token, "", csv).await;
        assert_eq!(status, 201, "{body}");
        let (_, target) = app.get_json("/api/v1/targets/bd17-emergency-drill?as_of=2018-01-31").await;
        let progress = &target["progress"];
        assert_eq!(progress["latest"]["value"], 6720.0, "16 × 420: {target}");
        assert_eq!(progress["latest"]["date"], "2017-12-31", "2016 lacked a district: no partial sum");
        assert_eq!(progress["status"], "achieved");
        assert_eq!(target["indicator"]["slug"], "blood-emergency-drill-volume");
        // The city's 2017 figure is made from the districts': not owed as well; 2016's is.
        let page = app.get("/targets/bd17-emergency-drill?as_of=2018-06-30").await.text().await.unwrap();
        assert!(page.contains("应报未报：2016（应于") && !page.contains("2017（应于"), "{page}");
        // Each district's part of the city total is not held against the city's goal.
        let table = &page[page.find("id=\"district-figures\"").unwrap()..];
        assert!(page.contains("目标是全市的，不逐区比较") && !table.contains(">否<"), "{table}");
        // Judged on one district's figures, the part is not held against the whole's goal
        // either: not assessable, saying why, on the target, its page and its plan.
        let (_, chongming) = app.get_json("/api/v1/targets/bd17-emergency-drill?as_of=2018-01-31&region=崇明区").await;
        let judged = &chongming["assessment"];
        assert_eq!((&judged["status"], &judged["reason"]), (&json!("not_assessable"), &json!("part_of_city_total")));
        assert_eq!((&judged["latest"]["value"], &judged["target_value"]), (&json!(420.0), &Value::Null), "{judged}");
        let page = app.get("/targets/bd17-emergency-drill?as_of=2018-01-31&region=%E5%B4%87%E6%98%8E%E5%8C%BA").await;
        let page = page.text().await.unwrap();
        assert!(page.contains("本区最新实际值 420人份；各区数值相加为全市数") && !page.contains("尚未达到"), "{page}");
        let (_, plan) = app.get_json("/api/v1/plans/blood-donation-2017?as_of=2018-01-31&region=崇明区").await;
        let listed = plan["targets"].as_array().unwrap().iter().find(|t| t["slug"] == "bd17-emergency-drill").unwrap();
        assert_eq!(listed["progress"]["status"], "not_assessable", "{listed}");
        // A figure the city reports itself wins over the sum.
        let (status, body) =
            app.upload(&token, "", "indicator,period,value\n年度应急献血实战演练献血量,2017,6500\n").await;
        assert_eq!(status, 201, "{body}");
        let (_, target) = app.get_json("/api/v1/targets/bd17-emergency-drill?as_of=2018-01-31").await;
        assert_eq!(target["progress"]["latest"]["value"], 6500.0, "{target}");
    }
}

/// Two plans total one indicator: the 2021—2025 plan's 累计 3000万平方米 and the 2024—2028 plan's
/// 4000万平方米 done within its own years. The figures are totals since 2021 (the earlier plan's
/// start), so the later plan counts from the total reported for 2023 — owed as its starting
/// figure until it comes.
#[tokio::test]
async fn a_later_plan_totals_its_own_years_on_an_earlier_plans_running_totals() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let token = app.token(plantrack::server::auth::Role::Uploader);
        let name = "既有建筑节能改造面积（累计）";
        let without_2023 = format!(
            "指标,期间,数值,单位\n{name},2021,500,万平方米\n{name},2022,1100,万平方米\n{name},2024,2450,万平方米\n"
        );
        let (status, body) = app.upload(&token, "", without_2023).await;
        assert_eq!(status, 201, "{body}");
        let later = "/api/v1/targets/nu28-building-energy-retrofit?as_of=2025-06-30";
        let (_, waiting) = app.get_json(later).await;
        assert_eq!(waiting["progress"]["status"], "overdue", "the 2023 total it counts from is owed: {waiting}");
        assert!(waiting["counted_from"]["total"].is_null(), "{waiting}");
        assert_eq!(waiting["counted_from"]["totals_since"], "2021-01-01");
        let (_, eitc) = app.get_json("/api/v1/departments/housing-construction?as_of=2025-06-30").await;
        assert!(eitc.to_string().contains("2023"), "the 2023 total is listed as owed: {eitc}");

        let (status, body) = app.upload(&token, "", format!("指标,期间,数值,单位\n{name},2023,1900,万平方米\n")).await;
        assert_eq!(status, 201, "{body}");
        let (_, counted) = app.get_json(later).await;
        let progress = &counted["progress"];
        // 2450 − 1900 = 550万 of 4000万 done within the plan: 13.75 %, a year of five gone.
        assert_eq!(progress["latest"]["value"], 5_500_000.0, "{counted}");
        assert_eq!(progress["baseline"]["value"], 0.0);
        assert!((progress["progress"].as_f64().unwrap() - 0.1375).abs() < 1e-9, "{counted}");
        assert_eq!(progress["status"], "at_risk");
        assert_eq!(counted["counted_from"]["total"]["value"], 19_000_000.0);
        // The earlier plan keeps counting from 0 at its own start: 2450万 of 3000万.
        let (_, earlier) = app.get_json("/api/v1/targets/eser14-building-energy-retrofit-3000?as_of=2025-06-30").await;
        assert!((earlier["progress"]["progress"].as_f64().unwrap() - 24.5 / 30.0).abs() < 1e-9, "{earlier}");
        assert!(earlier["counted_from"].is_null());
        // The page says what was taken off; both plans' templates ask for totals since 2021.
        let page = app.get("/targets/nu28-building-energy-retrofit?as_of=2025-06-30").await.text().await.unwrap();
        assert!(page.contains("已减去 2023-12-31 的累计数 1900万平方米"), "{page}");
        let template = app.get("/plans/new-urbanization-2024-2028/template.xlsx").await.bytes().await.unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(template.to_vec())).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
        assert!(sheet.contains("请填写自 2021-01-01 起至本期末的累计合计"), "{sheet}");
        // A full report says so under the target's chart, in the PDF and in the Word file.
        let report = "/reports/status.pdf?plan=new-urbanization-2024-2028&layout=full&as_of=2025-06-30";
        let pdf = crate::reports::pdf_text(&app.get(report).await.bytes().await.unwrap());
        let flat: String = pdf.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains("已减去2023-12-31的累计数1900万平方米"), "{pdf}");
        let word = app.get(&report.replace("status.pdf", "status.docx")).await.bytes().await.unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(word.to_vec())).unwrap();
        let mut document = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut document).unwrap();
        assert!(document.contains("已减去 2023-12-31 的累计数 1900万平方米"), "the Word file too");
    }
}

/// A target measured from its base year's figure is overdue once that figure is, as its
/// department's page says — not only once the first figure after it falls due a year later.
#[tokio::test]
async fn a_target_is_overdue_when_the_base_figure_it_needs_is() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (_, target) = app.get_json("/api/v1/targets/fip26-landmark-chains?as_of=2024-06-01").await;
    assert_eq!(target["progress"]["status"], "overdue", "{target}");
    let (_, department) = app.get_json("/api/v1/departments/eitc?as_of=2024-06-01").await;
    let owed = department["overdue_figures"].as_array().unwrap().iter().any(|f| {
        f["indicator"] == "landmark-industrial-chains" && f["period"] == "2023" && f["due_on"] == "2024-03-30"
    });
    assert!(owed, "{department}");
    let (_, before) = app.get_json("/api/v1/targets/fip26-landmark-chains?as_of=2024-03-30").await;
    assert_eq!(before["progress"]["status"], "awaiting", "due that day, not yet late: {before}");
    // With its base figure in (sent in March 2024), nothing is owed until the 2024 figure is.
    let march = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap().and_hms_opt(2, 0, 0).unwrap();
    app.ingest_at("indicator,period,value\nlandmark-industrial-chains,2023,8\n", march, false).unwrap();
    let url = "/api/v1/targets/fip26-landmark-chains?as_of=2024-06-01&known_at=2024-06-01";
    // Written past the server: its figures are read again at its next look (every 0.1 s).
    let mut based = app.get_json(url).await.1;
    for _ in 0..50 {
        if !based["progress"]["latest"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        based = app.get_json(url).await.1;
    }
    assert_eq!(based["progress"]["status"], "awaiting", "{based}");
}

/// The figures the plans' own texts state were known when the plans were issued, not on the day
/// the server first loaded them: a view as known yesterday, on a server installed today with no
/// figure sent since, says what today's says.
#[tokio::test]
async fn the_plans_own_figures_were_known_when_the_plans_were_issued() {
    let app = spawn_app(&Backend::Sqlite).await;
    let yesterday = plantrack::judged::today().pred_opt().unwrap();
    let statuses = |targets: &Value| -> Vec<(String, String)> {
        let all = targets.as_array().unwrap().iter();
        all.map(|t| (t["slug"].as_str().unwrap().to_owned(), t["progress"]["status"].to_string())).collect()
    };
    let (_, today) = app.get_json("/api/v1/targets?limit=10000").await;
    let (_, then) = app.get_json(&format!("/api/v1/targets?limit=10000&known_at={yesterday}")).await;
    assert_eq!(statuses(&today), statuses(&then));
    let broadband = statuses(&then).into_iter().find(|(slug, _)| slug == "sc13-fixed-broadband-download-speed");
    assert_eq!(broadband.map(|(_, s)| s).as_deref(), Some("\"achieved\""));
    let (_, departments_today) = app.get_json("/api/v1/departments").await;
    let (_, departments_then) = app.get_json(&format!("/api/v1/departments?known_at={yesterday}")).await;
    assert_eq!(departments_today, departments_then);
    // Before a plan was issued its own figures were not known: the 2015 fibre take-up it states.
    let (_, before) = app.get_json("/api/v1/targets/sc13-ftth-takeup?as_of=2016-06-30&known_at=2016-06-30").await;
    assert!(before["progress"]["latest"].is_null(), "{before}");
}
