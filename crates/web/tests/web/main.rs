//! The web server over real data on SQLite and PostgreSQL: every API endpoint (answers checked
//! against the tables, 401 without the token, 4xx for bad dates and unknown ids), `/metrics`,
//! and the dashboard in headless Chromium (score, grid and recommendations with real rows; a
//! screenshot under `target/`). One integration-test binary, so the 2-core machine links once.

mod api;
mod browser;
mod mutations;
mod ops;
mod support;

use nba_props_pipeline::testdata;
use nba_props_store::testing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_metrics_and_dashboard_over_real_data() {
    let Some(data) = testdata::shared_data_dir() else {
        return;
    };
    for t in testing::all().await {
        let app = support::App::loaded(&t.store, &data).await;
        api::every_endpoint(&app, t.label).await;
        ops::metrics(&app, t.label).await;
        if t.label == "sqlite" {
            browser::dashboard(&app).await;
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_database_answers_with_empty_lists_and_a_page() {
    for t in testing::all().await {
        let app = support::App::start(&t.store, support::clock_at("2024-01-15T23:00:00Z")).await;
        api::empty(&app, t.label).await;
        app.stop().await;
    }
}
