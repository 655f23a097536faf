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
