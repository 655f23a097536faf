use diesel::prelude::*;
use plantrack::catalog::Catalog;
use plantrack::db::{self, schema};

use crate::helpers::{TestDb, backends, copy_catalog, settings, spawn_app_with};

fn row_counts(url: &str) -> (i64, i64, i64) {
    let pool = db::connect(url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    (
        schema::plans::table.count().get_result(&mut conn).unwrap(),
        schema::indicators::table.count().get_result(&mut conn).unwrap(),
        schema::targets::table.count().get_result(&mut conn).unwrap(),
    )
}

#[tokio::test]
async fn a_restart_changes_nothing() {
    for backend in backends() {
        let db = TestDb::new(&backend);
        let settings = settings(&db, None);
        let first = tokio::task::spawn_blocking({
            let settings = settings.clone();
            move || plantrack::prepare_database(&settings).unwrap().2
        })
        .await
        .unwrap();
        assert!(first.targets.inserted > 0);
        let counts = row_counts(&db.url);
        let second =
            tokio::task::spawn_blocking(move || plantrack::prepare_database(&settings).unwrap().2).await.unwrap();
        assert!(!second.changed(), "{backend:?}: second sync changed {second:?}");
        assert_eq!(second.targets.unchanged, first.targets.inserted);
        assert_eq!(row_counts(&db.url), counts, "{backend:?}: rows duplicated");
    }
}

#[tokio::test]
async fn an_edited_target_is_updated_and_a_removed_one_retired_then_restored() {
    for backend in backends() {
        let db = TestDb::new(&backend);
        let catalog_dir = copy_catalog(db.dir.path());
        let plan_file = catalog_dir.join("smart-city-13th-fyp.toml");
        let original = std::fs::read_to_string(&plan_file).unwrap();
        let paths = |dir: &std::path::Path| plantrack::catalog::CatalogPaths {
            targets_dir: dir.to_owned(),
            documents_dir: crate::helpers::repo_root().join("seed/documents"),
        };
        let pool = db::connect(&db.url, 2).unwrap();
        let mut conn = pool.get().unwrap();
        db::sync_catalog(&mut conn, &Catalog::load(&paths(&catalog_dir)).unwrap(), plantrack::now()).unwrap();

        // Edit one target's notes.
        let edited = original.replacen("\nnotes = \"", "\nnotes = \"(edited) ", 1);
        assert_ne!(edited, original);
        std::fs::write(&plan_file, &edited).unwrap();
        let report =
            db::sync_catalog(&mut conn, &Catalog::load(&paths(&catalog_dir)).unwrap(), plantrack::now()).unwrap();
        assert_eq!((report.targets.updated, report.targets.inserted, report.targets.retired), (1, 0, 0), "{report:?}");

        // Remove the fibre target: it is retired, not deleted, and the API no longer lists it.
        let catalog = Catalog::load(&paths(&catalog_dir)).unwrap();
        let ftth = catalog.targets.iter().find(|t| t.indicator == "ftth-takeup-rate").unwrap().slug.clone();
        let mut without = catalog.clone();
        without.targets.retain(|t| t.slug != ftth);
        let report = db::sync_catalog(&mut conn, &without, plantrack::now()).unwrap();
        assert_eq!(report.targets.retired, 1, "{report:?}");
        let kept: i64 =
            schema::targets::table.filter(schema::targets::slug.eq(&ftth)).count().get_result(&mut conn).unwrap();
        assert_eq!(kept, 1, "a retired target stays in the database");
        drop(conn);

        let app = spawn_app_with(db, Some(catalog_dir.clone())).await;
        let (status, _) = app.get_json(&format!("/api/v1/targets/{ftth}")).await;
        assert_eq!(status, 200, "the app's own start syncs the full catalog again, restoring the target");
        let mut conn = pool.get().unwrap();
        let report = db::sync_catalog(&mut conn, &without, plantrack::now()).unwrap();
        assert_eq!(report.targets.retired, 1);
        // A change made elsewhere (another process, another replica) is seen at the next look
        // for changes, a tenth of a second later.
        let started = std::time::Instant::now();
        loop {
            let (status, body) = app.get_json(&format!("/api/v1/targets/{ftth}")).await;
            if status == 404 {
                break;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(3), "still {status}: {body}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
