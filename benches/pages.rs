//! Server-side rendering of each dashboard page for the seed catalog (35 plans, 685 targets, the
//! seed actuals), judged in memory as the server keeps them: charts and HTML — everything a
//! request runs but the socket. Run: cargo bench --bench pages

use criterion::{Criterion, criterion_group, criterion_main};
use plantrack::config::Settings;
use plantrack::present::Lang;
use plantrack::web::{self, Ctx, LangQuery, OverviewQuery, PageLang, PageQuery};

fn ctx(path: &str) -> Ctx {
    Ctx { path: path.to_owned(), query: String::new(), lang: PageLang::new(Lang::Zh), signed_in: false }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::load(None).unwrap();
    settings.database_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (pool, _, _) = plantrack::prepare_database(&settings).unwrap();
    let judged = plantrack::judged::Judged::load(pool.clone()).unwrap();
    let mut conn = pool.get().unwrap();
    let reads = &mut web::Reads { judged: &judged, conn: &mut conn };
    let mut group = c.benchmark_group("pages");
    group.bench_function("overview /", |b| {
        b.iter(|| web::overview_page(&ctx("/"), reads, OverviewQuery::default()).unwrap())
    });
    group.bench_function("overview /?status=no_data", |b| {
        let query = || OverviewQuery { status: Some("no_data".to_owned()), ..Default::default() };
        b.iter(|| web::overview_page(&ctx("/"), reads, query()).unwrap())
    });
    group.bench_function("plan /plans/smart-city-13th-fyp", |b| {
        let path = ctx("/plans/smart-city-13th-fyp");
        b.iter(|| web::plan_page(&path, reads, "smart-city-13th-fyp", PageQuery::default()).unwrap())
    });
    group.bench_function("target /targets/bd16-open-data-sets", |b| {
        let path = ctx("/targets/bd16-open-data-sets");
        b.iter(|| web::target_page(&path, reads, "bd16-open-data-sets", PageQuery::default()).unwrap())
    });
    group.bench_function("uploads /uploads", |b| {
        b.iter(|| web::history_page(&ctx("/uploads"), reads.conn, "0123456789abcdef0123456789abcdef", None).unwrap())
    });
    group.bench_function("reports /reports", |b| {
        b.iter(|| web::reports_page(&ctx("/reports"), reads, LangQuery::default()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
