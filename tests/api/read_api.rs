use serde_json::{Value, json};

use crate::helpers::{Backend, backends, repo_root, spawn_app};

const SMART_CITY: &str = "smart-city-13th-fyp";

fn document_line(file: &str, line: u64) -> String {
    let text = std::fs::read_to_string(repo_root().join("seed/documents").join(file)).unwrap();
    text.split('\n').nth(line as usize - 1).unwrap().to_owned()
}

#[tokio::test]
async fn health_check_reports_the_database() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (status, body) = app.get_json("/healthz").await;
        assert_eq!(status, 200, "{backend:?}");
        assert_eq!(body["database"], "ok");
    }
}

#[tokio::test]
async fn plans_list_the_smart_city_plan_in_chinese_and_english() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (status, plans) = app.get_json("/api/v1/plans").await;
        assert_eq!(status, 200);
        let plan = plans.as_array().unwrap().iter().find(|p| p["slug"] == SMART_CITY).expect("smart-city plan");
        assert_eq!(plan["title"], "上海市推进智慧城市建设“十三五”规划");
        assert_eq!(plan["doc_number"], "沪府发〔2016〕80号");
        assert!(plan["title_en"].as_str().unwrap().contains("mart"), "{plan}");
        assert_eq!(plan["horizon"], serde_json::json!([2016, 2020]));
        assert!(plan["target_count"].as_i64().unwrap() >= 25);
    }
}

#[tokio::test]
async fn every_smart_city_target_cites_a_verbatim_quote_of_its_line() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (status, targets) = app.get_json(&format!("/api/v1/targets?plan={SMART_CITY}")).await;
        assert_eq!(status, 200);
        let targets = targets.as_array().unwrap();
        assert!(targets.len() >= 25, "{} targets", targets.len());
        for t in targets {
            assert_eq!(t["plan"]["slug"], SMART_CITY);
            assert!(!t["name"].as_str().unwrap().is_empty() && !t["name_en"].as_str().unwrap().is_empty());
            let citation = &t["citation"];
            let line = document_line(citation["document"].as_str().unwrap(), citation["line"].as_u64().unwrap());
            assert!(line.contains(citation["quote"].as_str().unwrap()), "{} not on its line", t["slug"]);
        }
        let ftth = targets.iter().find(|t| t["indicator"]["slug"] == "ftth-takeup-rate").expect("fibre target");
        assert_eq!(ftth["value"], 70.0);
        assert_eq!(ftth["comparator"], ">=");
        assert_eq!(ftth["baseline"]["value"], 54.0);
        assert_eq!(ftth["baseline"]["year"], 2015);
        assert_eq!(ftth["as_written"], "≥ 70%");
        let open_data = targets.iter().find(|t| t["indicator"]["slug"] == "open-data-sets").expect("open data target");
        assert_eq!(open_data["comparator"], ">", "超过 is strict");
        assert_eq!(open_data["value"], 5000.0);
    }
}

#[tokio::test]
async fn targets_filter_by_indicator_across_plans() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (status, targets) = app.get_json("/api/v1/targets?indicator=open-data-sets").await;
        assert_eq!(status, 200);
        let plans: std::collections::BTreeSet<&str> =
            targets.as_array().unwrap().iter().map(|t| t["plan"]["slug"].as_str().unwrap()).collect();
        assert!(plans.len() >= 2, "open data sets are targeted by several plans: {plans:?}");
        let (_, both) = app.get_json(&format!("/api/v1/targets?indicator=open-data-sets&plan={SMART_CITY}")).await;
        assert_eq!(both.as_array().unwrap().len(), 1);
        let (status, indicator) = app.get_json("/api/v1/indicators/open-data-sets").await;
        assert_eq!(status, 200);
        assert_eq!(indicator["name"], "政府数据开放数据集数量");
        assert_eq!(indicator["targets"].as_array().unwrap().len(), targets.as_array().unwrap().len());
        let (_, all) = app.get_json("/api/v1/indicators").await;
        assert!(all.as_array().unwrap().iter().any(|i| i["slug"] == "ftth-takeup-rate" && i["unit"] == "%"));
    }
}

#[tokio::test]
async fn one_target_and_one_plan_by_slug() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (_, targets) = app.get_json(&format!("/api/v1/targets?plan={SMART_CITY}")).await;
        let slug = targets[0]["slug"].as_str().unwrap();
        let (status, mut target) = app.get_json(&format!("/api/v1/targets/{slug}")).await;
        assert_eq!(status, 200);
        let detail = target.as_object_mut().unwrap();
        for only_in_the_detail in ["assessment", "series", "counted_from", "districts", "known_at", "judged_in"] {
            assert!(detail.remove(only_in_the_detail).is_some(), "{only_in_the_detail}");
        }
        assert_eq!(target, targets[0], "the detail is the list entry plus assessment, series and districts");

        let (status, plan) = app.get_json(&format!("/api/v1/plans/{SMART_CITY}")).await;
        assert_eq!(status, 200);
        assert_eq!(plan["targets"].as_array().unwrap().len(), targets.as_array().unwrap().len());
    }
}

#[track_caller]
fn assert_envelope(body: &Value, code: &str, message_contains: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message_en"].as_str().unwrap().contains(message_contains), "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "a Chinese message too: {body}");
}

#[tokio::test]
async fn unknown_slugs_and_routes_are_404_with_the_error_envelope() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        for (path, kind) in [
            ("/api/v1/plans/no-such-plan", "plan"),
            ("/api/v1/indicators/no-such-indicator", "indicator"),
            ("/api/v1/targets/no-such-target", "target"),
        ] {
            let (status, body) = app.get_json(path).await;
            assert_eq!(status, 404, "{path}");
            assert_envelope(&body, "not_found", kind);
        }
        let (status, body) = app.get_json("/api/v1/nothing-here").await;
        assert_eq!(status, 404);
        assert_envelope(&body, "not_found", "/api/v1/nothing-here");
    }
}

#[tokio::test]
async fn bad_query_parameters_are_400_naming_the_parameter() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let (status, body) = app.get_json("/api/v1/targets?plna=smart-city-13th-fyp").await;
        assert_eq!(status, 400);
        assert_envelope(&body, "bad_request", "plna");
        let (status, body) = app.get_json("/api/v1/targets?plan=no-such-plan").await;
        assert_eq!(status, 400);
        assert_envelope(&body, "bad_request", "`plan`");
        assert_eq!(body["error"]["details"]["parameter"], "plan");
        let (status, body) = app.get_json("/api/v1/targets?indicator=no-such-indicator").await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["details"]["parameter"], "indicator");
    }
}

#[tokio::test]
async fn openapi_describes_the_read_api_and_metrics_count_requests() {
    let app = spawn_app(&backends()[0]).await;
    let (status, spec) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    for path in ["/api/v1/plans", "/api/v1/plans/{slug}", "/api/v1/indicators", "/api/v1/targets", "/healthz"] {
        assert!(spec["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    app.get("/api/v1/plans").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("plantrack_http_requests_total") && l.contains("/api/v1/plans")),
        "{metrics}"
    );
    assert!(metrics.contains("plantrack_http_requests_duration_seconds"));
}

/// A target's value comes with the unit it is in: the indicator's when the plan wrote 万 or 亿
/// (3000万平方米 is 30000000 平方米), percent for a change written in %; the unit as written beside.
#[tokio::test]
async fn a_targets_value_is_given_in_the_unit_it_is_in() {
    let app = spawn_app(&Backend::Sqlite).await;
    let (_, retrofit) = app.get_json("/api/v1/targets/eser14-building-energy-retrofit-3000").await;
    assert_eq!(
        (&retrofit["value"], &retrofit["unit"], &retrofit["unit_as_written"]),
        (&json!(30_000_000.0), &json!("平方米"), &json!("万平方米")),
        "{retrofit}"
    );
    assert_eq!(retrofit["as_written"], "≥ 3000万平方米");
    let (_, intensity) = app.get_json("/api/v1/targets/eser14-energy-intensity-minus-14").await;
    assert_eq!((&intensity["value"], &intensity["unit"]), (&json!(-14.0), &json!("%")), "{intensity}");
}
