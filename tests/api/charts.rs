use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn a_target_chart_comes_as_svg_and_png_with_an_etag() {
    let app = spawn_app(&Backend::Sqlite).await;
    let svg = app.get("/charts/targets/sc13-open-data-sets.svg").await;
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml; charset=utf-8");
    let etag = svg.headers()["etag"].to_str().unwrap().to_owned();
    assert!(svg.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let body = svg.text().await.unwrap();
    assert!(
        body.contains("政府数据开放数据集数量 &gt; 5000项（2020）")
            || body.contains("政府数据开放数据集数量 > 5000项（2020）"),
        "{}",
        &body[..600.min(body.len())]
    );
    assert!(body.contains("到期未实现"));
    let again = app
        .client
        .get(format!("{}/charts/targets/sc13-open-data-sets.svg", app.address))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let png = app.get("/charts/targets/sc13-open-data-sets.png?width=640&height=400&lang=en").await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (640, 400));
    let en = app.get("/charts/targets/sc13-open-data-sets.svg?lang=en").await.text().await.unwrap();
    assert!(en.contains("Open government data sets") && en.contains("missed"));
    // A file on its own carries its text alternative in the language asked for.
    assert!(en.contains(r#"aria-describedby="target-chart-800-desc""#), "{en}");
    assert!(en.contains("Status: missed.") && en.contains("the table of actuals on the target's page"), "{en}");
}

#[tokio::test]
async fn a_plan_overview_lists_its_targets() {
    let app = spawn_app(&Backend::Sqlite).await;
    let response = app.get("/charts/plans/smart-city-13th-fyp.svg").await;
    assert_eq!(response.status(), 200);
    let svg = response.text().await.unwrap();
    assert!(svg.contains("上海市推进智慧城市建设"));
    assert!(svg.contains("到期未实现 1"), "legend with counts");
    assert!(
        svg.contains(r#"<desc id="plan-chart-800-desc">"#) && svg.contains("各目标的数值见规划页面的目标列表"),
        "{svg}"
    );
    let png = app.get("/charts/plans/smart-city-13th-fyp.png?lang=en").await;
    assert_eq!(png.status(), 200);
}

#[tokio::test]
async fn unknown_charts_and_absurd_sizes_are_refused_with_the_envelope() {
    let app = spawn_app(&Backend::Sqlite).await;
    for (path, status, code) in [
        ("/charts/targets/no-such-target.svg", 404, "not_found"),
        ("/charts/plans/no-such-plan.png", 404, "not_found"),
        ("/charts/targets/sc13-open-data-sets.gif", 404, "not_found"),
        ("/charts/targets/sc13-open-data-sets.png?width=10", 400, "bad_request"),
        ("/charts/targets/sc13-open-data-sets.png?height=100000", 400, "bad_request"),
        ("/charts/plans/smart-city-13th-fyp.svg?width=99999", 400, "bad_request"),
        // Each side within bounds, but 32 million pixels (96 MB to draw) together.
        ("/charts/plans/smart-city-13th-fyp.png?width=3999&height=7999", 400, "bad_request"),
        ("/charts/targets/sc13-open-data-sets.png?width=4000&height=1601", 400, "bad_request"),
        ("/charts/targets/sc13-open-data-sets.svg?lang=fr", 400, "bad_request"),
        ("/charts/targets/sc13-open-data-sets.svg?as_of=soon", 400, "bad_request"),
    ] {
        let (got, body) = app.get_json(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}");
    }
    // As large as allowed; a wide plan overview is drawn no taller than the pixels allow.
    assert_eq!(app.get("/charts/targets/sc13-open-data-sets.png?width=4000&height=1600").await.status(), 200);
    let wide = app.get("/charts/plans/smart-city-13th-fyp.png?width=4000").await;
    assert_eq!(wide.status(), 200);
    let png = wide.bytes().await.unwrap();
    let reader = png::Decoder::new(std::io::Cursor::new(png.to_vec())).read_info().unwrap();
    assert!(reader.info().width * reader.info().height <= 6_400_000);
}

#[tokio::test]
async fn every_chart_of_the_seed_catalog_renders() {
    let app = spawn_app(&Backend::Sqlite).await;
    let url = app.db_url.clone();
    let (rendered, failed) = tokio::task::spawn_blocking(move || {
        let pool = plantrack::db::connect(&url, 1).unwrap();
        let judgement =
            plantrack::judged::Judgement::on(plantrack::judged::today(), plantrack::progress::Method::Linear);
        let scope =
            plantrack::judged::scope(&mut pool.get().unwrap(), None, &judgement, plantrack::judged::InFull::Every)
                .unwrap()
                .unwrap();
        plantrack::charts::render_all(&scope.plans, &scope.assessed, scope.full, plantrack::present::Lang::Zh)
    })
    .await
    .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let (_, targets) = app.get_json("/api/v1/targets?limit=10000").await;
    let (_, plans) = app.get_json("/api/v1/plans").await;
    assert_eq!(rendered.len(), targets.as_array().unwrap().len() + plans.as_array().unwrap().len());
    // Among them: no data, one point, lower-is-better, ranges and milestones.
    for kind in ["milestone", "range", "change"] {
        assert!(targets.as_array().unwrap().iter().any(|t| t["kind"] == kind), "{kind}");
    }
    assert!(rendered.iter().all(|c| c.svg.contains("<svg") && c.png.starts_with(b"\x89PNG")));
}
