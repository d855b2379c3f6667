//! The web server over real data on SQLite and PostgreSQL: every API endpoint (answers checked
//! against the tables, 401 without the token, 4xx for bad dates and unknown ids), `/metrics`,
//! and the dashboard in headless Chromium (score, grid and recommendations with real rows; a
//! screenshot under `target/`). One integration-test binary, so the 2-core machine links once.

mod api;
mod browser;
mod hostile;
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

/// Values at the edges of their types: dates outside 1946..=2100 (the old server panicked on
/// 9999-12-31), job ids beyond 64 bits and NUL characters in names (a 500 on PostgreSQL) are
/// JSON 400s, unknown ids 404s, on both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_dates_ids_and_nul_names_are_a_json_400() {
    for t in testing::all().await {
        let app = support::App::start(&t.store, support::clock_at("2024-01-15T23:00:00Z")).await;
        hostile::out_of_range_dates(&app, t.label).await;
        hostile::huge_ids(&app, t.label).await;
        hostile::nul_in_names(&app, t.label).await;
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_status_answers_the_json_error_body() {
    let t = testing::sqlite().await.unwrap();
    let app = support::App::start(&t.store, support::clock_at("2024-01-15T23:00:00Z")).await;
    hostile::every_error_status_is_json(&app, t.label).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_heads_are_dropped_and_stalled_bodies_answer_408() {
    let t = testing::sqlite().await.unwrap();
    let timeout = std::time::Duration::from_millis(400);
    let limits = nba_props_web::Limits {
        header_read_timeout: timeout,
        body_timeout: timeout,
        ..Default::default()
    };
    let app = support::App::start_with(
        &t.store,
        support::clock_at("2024-01-15T23:00:00Z"),
        std::sync::Arc::new(nba_props_runtime::Graph::all()),
        limits,
    )
    .await;
    hostile::slow_clients_are_cut_off(&app, timeout, t.label).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_scraping_phases_are_refused_for_past_dates_and_bodies_are_strict() {
    for t in testing::all().await {
        // 23:00 UTC is 18:00 in New York: today is still the 15th there.
        let app = support::App::start_with(
            &t.store,
            support::clock_at("2024-01-15T23:00:00Z"),
            std::sync::Arc::new(support::graph_with_live_fetch()),
            nba_props_web::Limits::default(),
        )
        .await;
        hostile::live_phases_only_from_today(&app, "2024-01-15", "2024-01-14", t.label).await;
        app.stop().await;
    }
}
