use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn the_status_report_comes_as_a_pdf_over_http() {
    let app = spawn_app(&Backend::Sqlite).await;
    let response = app.get("/reports/status.pdf?plan=smart-city-13th-fyp&lang=zh&method=cagr").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    for (path, status, parameter) in [
        ("/reports/status.pdf?plan=no-such-plan", 404, None),
        ("/reports/status.pdf?lang=fr", 400, Some("lang")),
        ("/reports/status.pdf?as_of=2020-02-30", 400, Some("as_of")),
    ] {
        let (got, body) = app.get_json(path).await;
        assert_eq!(got, status, "{path}: {body}");
        if let Some(parameter) = parameter {
            assert_eq!(body["error"]["details"]["parameter"], parameter);
        }
    }
}

#[tokio::test]
async fn a_scheduled_report_is_written_once_even_with_two_replicas() {
    for backend in crate::helpers::backends() {
        let db = crate::helpers::TestDb::new(&backend);
        let data = tempfile::tempdir().unwrap();
        let mut apps = Vec::new();
        for _ in 0..2 {
            let mut s = crate::helpers::settings(&db, None);
            s.data_dir = data.path().to_owned();
            s.report_schedule = Some("daily".to_owned());
            s.report_hour = 0;
            s.report_check_seconds = 0.2;
            apps.push(tokio::task::spawn_blocking(move || plantrack::Application::build(&s)).await.unwrap().unwrap());
        }
        let port = apps[0].port();
        let handles: Vec<_> = apps.into_iter().map(|a| tokio::spawn(a.run_until_stopped())).collect();
        let client = reqwest::Client::new();
        let start = std::time::Instant::now();
        let listed = loop {
            let list: serde_json::Value = client
                .get(format!("http://127.0.0.1:{port}/api/v1/reports"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if list.as_array().unwrap().iter().any(|r| r["status"] == "done") {
                break list;
            }
            assert!(start.elapsed() < std::time::Duration::from_secs(120), "no report was written: {list}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let again: serde_json::Value =
            client.get(format!("http://127.0.0.1:{port}/api/v1/reports")).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            again.as_array().unwrap().len(),
            1,
            "{backend:?}: one report for today, not one per replica: {again}"
        );
        let id = listed[0]["id"].as_i64().unwrap();
        let pdf = client.get(format!("http://127.0.0.1:{port}/api/v1/reports/{id}")).send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
        assert_eq!(std::fs::read_dir(data.path().join("reports")).unwrap().count(), 1);
        let missing = client.get(format!("http://127.0.0.1:{port}/api/v1/reports/999")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        for h in handles {
            h.abort();
        }
    }
}
