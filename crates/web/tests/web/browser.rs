//! The dashboard in headless Chromium (Debian's `chromium`): the DOM after the page's scripts
//! ran, and a screenshot under `target/` for a person to look at.

use crate::support::{App, count};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

/// Runs Chromium headless with `args` and returns its stdout (killed after a minute).
fn run(browser: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not finish in 60 s: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of every `<td>` of a table row, tags stripped.
fn cells(row: &str) -> Vec<String> {
    row.split("<td")
        .skip(1)
        .map(|c| {
            let body = &c[c.find('>').map_or(0, |i| i + 1)..];
            let body = body.split("</td>").next().unwrap_or_default();
            body.replace("&amp;", "&").replace("&#39;", "'")
        })
        .collect()
}

fn table<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let end = start + dom[start..].find("</table>").unwrap();
    &dom[start..end]
}

fn body_rows(table: &str) -> Vec<Vec<String>> {
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr>").skip(1).map(cells).collect()
}

pub async fn dashboard(app: &App) {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED (chromium): no /usr/bin/chromium; `apt-get install -y chromium` to run the dashboard test"
        );
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = format!("{}/", app.base);
    let (b, p, u) = (browser.clone(), profile.path().to_path_buf(), url.clone());
    let dom = tokio::task::spawn_blocking(move || run(&b, &p, &["--dump-dom".into(), u]))
        .await
        .unwrap();
    assert!(
        dom.contains("<title>nba-props dashboard</title>"),
        "not the dashboard:\n{dom:.2000}"
    );

    // The score, as the health endpoint computes it.
    let (_, health) = app.get("/api/health").await;
    let score = health["score"].as_f64().unwrap();
    assert!(
        dom.contains(&format!("data-score=\"{score}\"")),
        "score {score} not on the page"
    );
    assert!(
        dom.contains("id=\"failing\"") && dom.contains("stale_heartbeats"),
        "the failing check is not listed"
    );

    // The grid: 30 dates × every phase, with the loaded game days complete.
    let grid = table(&dom, "grid");
    let phases = nba_props_web::queries::phases(&app.graph).len();
    assert_eq!(
        grid.matches("<td class=\"cell ").count(),
        30 * phases,
        "grid cells"
    );
    let day = app.day.as_str();
    assert!(
        grid.contains(&format!(
            "class=\"cell complete\" data-date=\"{day}\" data-phase=\"5\""
        )),
        "{day} phase 5 not complete"
    );

    // Tonight's recommendations: the picks of the date, real players, in the table.
    let rows = body_rows(table(&dom, "recs"));
    let picks = count(&app.store, "SELECT COUNT(*) FROM predictions WHERE game_date = $1 AND recommendation IN ('OVER', 'UNDER')", &[day.into()]).await;
    assert!(picks > 0);
    assert_eq!(rows.len() as i64, picks, "one row per pick of {day}");
    let top = app.store.db.query(
        "SELECT player_name FROM predictions WHERE game_date = $1 AND recommendation IN ('OVER', 'UNDER') ORDER BY ABS(edge) DESC, player_name LIMIT 1",
        &[day.into()],
    ).await.unwrap()[0].text(0);
    assert_eq!(rows[0][0], top, "the largest edge comes first");
    assert!(
        dom.contains("id=\"mae-chart\"") && dom.contains("id=\"edge-chart\""),
        "charts missing"
    );
    assert!(
        dom.contains("class=\"series\""),
        "the MAE chart has no series"
    );

    // Sorting runs in the browser: `#sort=7` clicks the confidence header on load.
    let (b, p, u) = (
        browser.clone(),
        profile.path().to_path_buf(),
        format!("{url}#sort=7"),
    );
    let sorted = tokio::task::spawn_blocking(move || run(&b, &p, &["--dump-dom".into(), u]))
        .await
        .unwrap();
    let conf: Vec<f64> = body_rows(table(&sorted, "recs"))
        .iter()
        .map(|r| r[7].parse().unwrap())
        .collect();
    assert!(
        conf.windows(2).all(|w| w[0] >= w[1]),
        "not sorted by confidence: {conf:?}"
    );
    assert!(
        conf.first() > conf.last(),
        "one confidence for every pick: {conf:?}"
    );

    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/dashboard.png");
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&shot);
    let (b, p, s) = (browser, profile.path().to_path_buf(), shot.clone());
    tokio::task::spawn_blocking(move || {
        run(
            &b,
            &p,
            &[
                format!("--screenshot={}", s.display()),
                "--window-size=1400,1900".into(),
                url,
            ],
        )
    })
    .await
    .unwrap();
    let png =
        std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot {}: {e}", shot.display()));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot {} is not a rendered page",
        shot.display()
    );
    eprintln!(
        "dashboard screenshot: {}",
        shot.canonicalize().unwrap().display()
    );
}
