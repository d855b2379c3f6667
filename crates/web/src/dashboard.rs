//! The dashboard (`/`): one server-rendered page, no external assets (inline CSS, a few lines
//! of inline JavaScript to sort the table, charts as inline SVG), so it works offline and from
//! a phone on the machine's network. Every value that comes from the database is escaped.

use crate::api::{SOURCE_LATE_MS, checked_date, source_flags};
use crate::queries::{self, GradeSummary, PredictionFilter};
use crate::{ApiError, WebState};
use axum::extract::{Query, State};
use axum::response::Html;
use nba_props_ops::health::Status;
use nba_props_pipeline::phase5::record::MarketRecord;
use nba_props_runtime::clock::format_ms;
use nba_props_runtime::heartbeat;
use nba_props_store::source_status;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Escapes text for HTML content and attribute values.
pub(crate) fn h(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:baseline}
header h1{font-size:18px;margin:0} header span{opacity:.7}
main{padding:16px 20px;display:grid;gap:16px;grid-template-columns:1fr 1fr}
section{background:#fff;border-radius:6px;padding:12px 16px;box-shadow:0 1px 2px #0002}
section.wide{grid-column:1/-1} h2{font-size:15px;margin:0 0 8px}
#score{font-size:40px;font-weight:700} .pass{color:#1a7f37} .warn{color:#b26b00} .fail{color:#c62828}
table{border-collapse:collapse;width:100%} th,td{padding:3px 6px;text-align:left;border-bottom:1px solid #eee}
th[data-col]{cursor:pointer;user-select:none} th[data-col]:hover{background:#eef}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
#grid td.cell{width:18px;height:18px;padding:0;border:2px solid #fff}
#grid th.d{font-size:10px;writing-mode:vertical-rl;transform:rotate(180deg);font-weight:400}
.complete{background:#2da44e} .partial{background:#e3b341} .failed{background:#cf222e}
.running{background:#54aeff} .missing{background:#ff8182} .empty{background:#e6e8eb}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle}
ul{margin:4px 0;padding-left:18px} .muted{color:#666} .over{color:#1a7f37} .under{color:#8250df}
"#;

const SORT_JS: &str = r#"
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th[data-col]').forEach(function(th){
    th.addEventListener('click',function(){
      var i=+th.dataset.col, num=th.classList.contains('num');
      // Numbers sort largest first on the first click, names A to Z; a second click flips.
      var asc=th.dataset.dir?th.dataset.dir!=='asc':!num;
      t.querySelectorAll('th[data-col]').forEach(function(x){delete x.dataset.dir});
      th.dataset.dir=asc?'asc':'desc';
      var b=t.tBodies[0], rows=Array.prototype.slice.call(b.rows);
      rows.sort(function(a,c){
        var x=a.cells[i].dataset.v||a.cells[i].textContent, y=c.cells[i].dataset.v||c.cells[i].textContent;
        var r=num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y);
        return asc?r:-r;
      });
      rows.forEach(function(r){b.appendChild(r)});
    });
  });
});
// `#sort=N` sorts by column N on load (links, and the browser test).
var m=/^#sort=(\d+)$/.exec(location.hash);
if(m){var th=document.querySelector('table.sortable th[data-col="'+m[1]+'"]'); if(th) th.click();}
"#;

pub async fn page(
    State(s): State<WebState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>, ApiError> {
    let today = s.today();
    let date = match q.get("date") {
        Some(d) => checked_date("date", d)?,
        None => today,
    };
    let days = match q.get("days").map(|d| d.parse::<i32>()) {
        None => 30,
        Some(Ok(d)) if (1..=120).contains(&d) => d,
        Some(_) => return Err(ApiError::BadRequest("days: expected 1 to 120".into())),
    };
    let db = &s.store.db;
    let now = s.clock.now_ms();
    let report = nba_props_ops::health::check(
        &s.store,
        s.clock.as_ref(),
        &s.graph,
        &s.config.ops,
        s.config.ops.health.days,
    )
    .await?;
    let grid = queries::grid(db, &s.graph, date.add_days(-(days - 1)), date).await?;
    let workers = heartbeat::workers(db).await?;
    let sources = source_status::list(db).await?;
    let shown = match queries::latest_prediction_date(db, date).await? {
        Some(d) => d,
        None => date,
    };
    let picks = PredictionFilter {
        picks_only: true,
        ..Default::default()
    };
    let recs = queries::predictions(db, shown, &picks).await?;
    let graded = queries::graded_range(db).await?;
    let (monthly, edges, records) = match graded {
        Some((lo, hi)) => (
            queries::accuracy_cached(&s.accuracy, db, false, lo, hi).await?,
            queries::accuracy_cached(&s.accuracy, db, true, lo, hi).await?,
            nba_props_pipeline::phase5::record::between(db, lo, hi).await?,
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };

    let mut o = String::with_capacity(64 * 1024);
    let build = nba_props_core::BuildInfo::current();
    let _ = write!(
        o,
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>nba-props dashboard</title><style>{STYLE}</style></head><body>\
         <header><h1>nba-props</h1><span>{}</span><span>build {}</span><span>generated {}</span></header><main>",
        h(&date.to_string()),
        h(&build.to_string()),
        h(&format_ms(Some(now)))
    );

    // Health: the score and what fails.
    let worst = report
        .checks
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Pass);
    let class = |st: Status| match st {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    };
    let _ = write!(
        o,
        "<section id=health><h2>Health</h2><div id=score class={} data-score=\"{}\">{}</div>",
        class(worst),
        report.score.map_or(String::new(), |v| v.to_string()),
        report
            .score
            .map_or("no game days".to_string(), |v| v.to_string())
    );
    let failing: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .collect();
    if failing.is_empty() {
        let _ = write!(
            o,
            "<p class=pass>All {} checks pass.</p>",
            report.checks.len()
        );
    } else {
        o.push_str("<ul id=failing>");
        for c in failing {
            let _ = write!(
                o,
                "<li class={}><b>{}</b>: {}",
                class(c.status),
                h(c.name),
                h(&c.figure)
            );
            if !c.concerned.is_empty() {
                let list: Vec<String> = c.concerned.iter().take(5).map(|x| h(x)).collect();
                let more = c.concerned.len().saturating_sub(5);
                let _ = write!(
                    o,
                    "<br><span class=muted>{}{}</span>",
                    list.join("; "),
                    if more > 0 {
                        format!(" … and {more} more")
                    } else {
                        String::new()
                    }
                );
            }
            o.push_str("</li>");
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>");

    // Stale heartbeats and late sources.
    o.push_str("<section id=attention><h2>Heartbeats and sources</h2>");
    let stale: Vec<_> = workers
        .iter()
        .filter(|w| {
            w.state != "stopped" && now - w.last_beat_at > s.config.ops.health.stale_worker_ms
        })
        .collect();
    let _ = write!(
        o,
        "<p>{} workers, {} stale.</p><ul id=stale>",
        workers.len(),
        stale.len()
    );
    for w in stale {
        let _ = write!(
            o,
            "<li class=fail>{} ({}) last beat {}</li>",
            h(&w.worker),
            h(&w.state),
            h(&format_ms(Some(w.last_beat_at)))
        );
    }
    o.push_str("</ul>");
    let late: Vec<_> = sources
        .iter()
        .filter_map(|st| {
            let (failing, late) = source_flags(st, now);
            (failing || late).then_some((st, failing))
        })
        .collect();
    let _ = write!(
        o,
        "<p>{} source datasets, {} late (no success for {} h) or failing.</p><ul id=late>",
        sources.len(),
        late.len(),
        SOURCE_LATE_MS / 3_600_000
    );
    for (st, failing) in late {
        let _ = write!(
            o,
            "<li class={}>{}.{}: last success {}{}</li>",
            if failing { "fail" } else { "warn" },
            h(&st.source),
            h(&st.dataset),
            h(st.last_success_at.as_deref().unwrap_or("never")),
            st.last_error
                .as_deref()
                .map(|e| format!(", last error: {}", h(e)))
                .unwrap_or_default()
        );
    }
    o.push_str("</ul></section>");

    grid_section(&mut o, &grid);
    recs_section(&mut o, shown, today, &recs);
    accuracy_section(&mut o, &monthly, &edges);
    record_section(&mut o, &records);
    let _ = write!(o, "</main><script>{SORT_JS}</script></body></html>");
    Ok(Html(o))
}

fn grid_section(o: &mut String, grid: &[queries::GridDay]) {
    let phases: Vec<u8> = grid
        .first()
        .map(|d| d.phases.iter().map(|p| p.phase).collect())
        .unwrap_or_default();
    o.push_str("<section class=wide><h2>Pipeline by date and phase</h2><table id=grid><thead><tr><th>phase</th>");
    for d in grid {
        let _ = write!(
            o,
            "<th class=d title=\"{} games\">{}</th>",
            d.games,
            h(&d.date[5..])
        );
    }
    o.push_str("</tr></thead><tbody>");
    for (i, phase) in phases.iter().enumerate() {
        let _ = write!(o, "<tr><th>{phase}</th>");
        for d in grid {
            if let Some(c) = d.phases.get(i) {
                let _ = write!(
                    o,
                    "<td class=\"cell {}\" data-date=\"{}\" data-phase=\"{}\" title=\"{} phase {}: {} ({} ok, {} failed, {} pending of {})\"></td>",
                    h(&c.state),
                    h(&d.date),
                    phase,
                    h(&d.date),
                    phase,
                    h(&c.state),
                    c.succeeded,
                    c.failed,
                    c.pending,
                    c.processors
                );
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table><div class=legend>");
    for st in [
        "complete", "partial", "running", "failed", "missing", "empty",
    ] {
        let _ = write!(o, "<span class={st}></span>{st}");
    }
    o.push_str("</div></section>");
}

fn recs_section(
    o: &mut String,
    shown: nba_props_core::GameDate,
    today: nba_props_core::GameDate,
    recs: &[queries::Prediction],
) {
    let note = if shown == today {
        String::new()
    } else {
        format!(" <span class=muted>(latest date with predictions; none for {today})</span>")
    };
    let _ = write!(
        o,
        "<section class=wide><h2>Recommendations for <span id=recs-date>{}</span>{note}: {} picks</h2>",
        h(&shown.to_string()),
        recs.len()
    );
    o.push_str(
        "<div style=\"max-height:560px;overflow:auto\"><table id=recs class=sortable><thead><tr>",
    );
    let cols = [
        ("player", false),
        ("team", false),
        ("market", false),
        ("system", false),
        ("line", true),
        ("prediction", true),
        ("edge", true),
        ("confidence", true),
        ("pick", false),
        ("result", false),
    ];
    for (i, (name, numeric)) in cols.iter().enumerate() {
        let _ = write!(
            o,
            "<th data-col={i}{}>{name}</th>",
            if *numeric { " class=num" } else { "" }
        );
    }
    o.push_str("</tr></thead><tbody>");
    for p in recs {
        let side = p.recommendation.as_deref().unwrap_or("");
        let pick_class = side.to_ascii_lowercase();
        // The pick as taken: side, the book's line and price, and the EV there.
        let pick = match (p.pick_line, p.pick_price) {
            (Some(l), Some(price)) => format!(
                "{side} {l} @ {price:+} {} (EV {})",
                p.pick_book.as_deref().unwrap_or(""),
                num(p.pick_ev.map(|e| e * 100.0), 1)
            ),
            _ => side.to_string(),
        };
        let result = match (p.correct, p.actual) {
            (Some(true), Some(a)) => format!("won ({a})"),
            (Some(false), Some(a)) => format!("lost ({a})"),
            (None, Some(a)) => format!("push ({a})"),
            _ => "–".into(),
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{} v {}</td><td>{}</td><td>{}</td><td class=num>{}</td><td class=num>{}</td>\
             <td class=num data-v=\"{}\">{}</td><td class=num data-v=\"{}\">{}</td><td class={}>{}</td><td>{}</td></tr>",
            h(&p.player_name),
            h(&p.team),
            h(&p.opponent),
            h(&p.market),
            h(&p.system_id),
            num(p.line, 1),
            num(Some(p.predicted), 1),
            p.edge.unwrap_or(0.0),
            num(p.edge, 1),
            p.confidence.unwrap_or(0.0),
            num(p.confidence.map(|c| c * 100.0), 0),
            h(&pick_class),
            h(&pick),
            h(&result)
        );
    }
    if recs.is_empty() {
        o.push_str("<tr><td colspan=10 class=muted>No picks for this date.</td></tr>");
    }
    o.push_str("</tbody></table></div></section>");
}

/// The market with the most graded rows that have a line: MAE against the line means
/// something only there.
fn main_market(monthly: &[GradeSummary]) -> Option<String> {
    let mut by: BTreeMap<&str, i64> = BTreeMap::new();
    for r in monthly {
        *by.entry(&r.market).or_default() += r.with_line;
    }
    by.into_iter()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map(|(m, _)| m.to_string())
}

const COLOURS: [&str; 5] = ["#0969da", "#8250df", "#bf3989", "#1a7f37", "#9a6700"];

fn accuracy_section(o: &mut String, monthly: &[GradeSummary], edges: &[GradeSummary]) {
    o.push_str("<section class=wide id=accuracy><h2>Model accuracy</h2>");
    let Some(market) = main_market(monthly) else {
        o.push_str("<p class=muted>No graded predictions with a line yet.</p></section>");
        return;
    };
    let rows: Vec<&GradeSummary> = monthly
        .iter()
        .filter(|r| r.market == market && r.with_line > 0)
        .collect();
    let months: Vec<&str> = {
        let mut m: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        m.sort_unstable();
        m.dedup();
        m
    };
    let systems: Vec<&str> = {
        let mut v: Vec<&str> = rows.iter().map(|r| r.system_id.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // Series: the line's own MAE (the bar to beat) and each system's MAE over the same rows.
    let mut series: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    let line_mae: Vec<Option<f64>> = months
        .iter()
        .map(|m| rows.iter().find(|r| r.key == *m).and_then(|r| r.mae_line))
        .collect();
    series.push(("line".into(), line_mae));
    for sys in &systems {
        series.push((
            sys.to_string(),
            months
                .iter()
                .map(|m| {
                    rows.iter()
                        .find(|r| r.key == *m && r.system_id == *sys)
                        .and_then(|r| r.mae_model_with_line)
                })
                .collect(),
        ));
    }
    let _ = write!(
        o,
        "<div style=\"display:flex;gap:24px;flex-wrap:wrap\"><div><h3>{} MAE vs the line, by month</h3>",
        h(&market)
    );
    line_chart(o, &months, &series);
    o.push_str("</div><div>");
    let _ = write!(o, "<h3>{} hit rate by |edge|</h3>", h(&market));
    let buckets = ["0-1", "1-2", "2-3", "3-5", "5+"];
    let bars: Vec<(String, Vec<Option<f64>>)> = systems
        .iter()
        .map(|sys| {
            (
                sys.to_string(),
                buckets
                    .iter()
                    .map(|b| {
                        edges
                            .iter()
                            .find(|r| r.market == market && r.system_id == *sys && r.key == *b)
                            .and_then(|r| r.hit_rate)
                    })
                    .collect(),
            )
        })
        .collect();
    bar_chart(o, "edge-chart", &buckets, &bars);
    o.push_str("</div></div></section>");
}

/// The pick record per market and system, and each one's hit rate beside the break-even of the
/// prices it took (a pick beats the market only above that bar).
fn record_section(o: &mut String, records: &[MarketRecord]) {
    o.push_str("<section class=wide id=record><h2>Pick record at the prices taken</h2>");
    if records.is_empty() {
        o.push_str("<p class=muted>No graded picks yet.</p></section>");
        return;
    }
    let pm = |v: Option<f64>, se: Option<f64>| match (v, se) {
        (Some(v), Some(se)) => format!("{:.1}% ± {:.1}", 100.0 * v, 100.0 * se),
        (Some(v), None) => format!("{:.1}%", 100.0 * v),
        _ => "–".into(),
    };
    let pct = |v: Option<f64>| pm(v, None);
    o.push_str(
        "<table id=record-table><thead><tr><th>market</th><th>system</th><th class=num>N</th><th>W-L-P</th>\
         <th class=num>units</th><th class=num>hit rate ± SE</th><th class=num>break-even</th>\
         <th class=num>ROI ± SE</th><th class=num>CLV (N)</th></tr></thead><tbody>",
    );
    for r in records {
        let x = &r.record;
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=num>{}</td><td>{}-{}-{}</td><td class=num>{:+.2}</td>\
             <td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{} ({})</td></tr>",
            h(&r.market),
            h(&r.system_id),
            x.n,
            x.wins,
            x.losses,
            x.pushes,
            x.units,
            pm(x.hit_rate, x.hit_rate_se),
            pct(x.break_even),
            pm(x.roi, x.roi_se),
            pct(x.clv),
            x.clv_n
        );
    }
    o.push_str("</tbody></table><h3>Hit rate and the break-even of the prices taken</h3>");
    let labels: Vec<String> = records
        .iter()
        .map(|r| format!("{} {}", r.market, r.system_id))
        .collect();
    let xs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let series = vec![
        (
            "hit rate".to_string(),
            records.iter().map(|r| r.record.hit_rate).collect(),
        ),
        (
            "break-even".to_string(),
            records.iter().map(|r| r.record.break_even).collect(),
        ),
    ];
    bar_chart(o, "record-chart", &xs, &series);
    o.push_str("</section>");
}

const W: f64 = 520.0;
const H: f64 = 220.0;
const PAD: f64 = 36.0;

fn legend(o: &mut String, names: &[&str]) {
    for (i, n) in names.iter().enumerate() {
        let x = PAD + i as f64 * 110.0;
        let _ = write!(
            o,
            "<rect x=\"{x}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"13\" font-size=\"11\">{}</text>",
            COLOURS[i % COLOURS.len()],
            x + 14.0,
            h(n)
        );
    }
}

fn line_chart(o: &mut String, xs: &[&str], series: &[(String, Vec<Option<f64>>)]) {
    let vals: Vec<f64> = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten().copied())
        .collect();
    let (lo, hi) = (
        vals.iter().copied().fold(f64::MAX, f64::min),
        vals.iter().copied().fold(f64::MIN, f64::max),
    );
    let (lo, hi) = if vals.is_empty() {
        (0.0, 1.0)
    } else {
        ((lo - 0.5).max(0.0), hi + 0.5)
    };
    let x = |i: usize| {
        PAD + (W - 2.0 * PAD)
            * if xs.len() > 1 {
                i as f64 / (xs.len() - 1) as f64
            } else {
                0.5
            }
    };
    let y = |v: f64| H - PAD - (H - 2.0 * PAD) * (v - lo) / (hi - lo);
    let _ = write!(
        o,
        "<svg id=mae-chart width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=img>"
    );
    for t in 0..=4 {
        let v = lo + (hi - lo) * t as f64 / 4.0;
        let _ = write!(
            o,
            "<line x1=\"{PAD}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"2\" y=\"{:.1}\" font-size=\"10\">{v:.1}</text>",
            W - PAD,
            y(v) + 3.0,
            y = y(v)
        );
    }
    for (i, m) in xs.iter().enumerate() {
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=middle>{}</text>",
            x(i),
            H - PAD + 14.0,
            h(m)
        );
    }
    for (si, (_, v)) in series.iter().enumerate() {
        let pts: Vec<String> = v
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        let c = COLOURS[si % COLOURS.len()];
        let _ = write!(
            o,
            "<polyline class=series fill=none stroke=\"{c}\" stroke-width=2 points=\"{}\"/>",
            pts.join(" ")
        );
        for p in &pts {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(o, "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{c}\"/>");
        }
    }
    let names: Vec<&str> = series.iter().map(|(n, _)| n.as_str()).collect();
    legend(o, &names);
    o.push_str("</svg>");
}

fn bar_chart(o: &mut String, id: &str, xs: &[&str], series: &[(String, Vec<Option<f64>>)]) {
    let y = |v: f64| H - PAD - (H - 2.0 * PAD) * v;
    let group = (W - 2.0 * PAD) / xs.len().max(1) as f64;
    let bw = (group - 8.0) / series.len().max(1) as f64;
    let _ = write!(
        o,
        "<svg id={id} width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=img>"
    );
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            o,
            "<line x1=\"{PAD}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/><text x=\"2\" y=\"{:.1}\" font-size=\"10\">{:.0}%</text>",
            W - PAD,
            if t == 0.5 { "#999" } else { "#eee" },
            y(t) + 3.0,
            t * 100.0,
            y = y(t)
        );
    }
    for (i, b) in xs.iter().enumerate() {
        let gx = PAD + group * i as f64;
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=middle>{}</text>",
            gx + group / 2.0,
            H - PAD + 14.0,
            h(b)
        );
        for (si, (_, v)) in series.iter().enumerate() {
            if let Some(v) = v[i] {
                let _ = write!(
                    o,
                    "<rect class=bar x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{:.1}%</title></rect>",
                    gx + 4.0 + bw * si as f64,
                    y(v),
                    bw - 2.0,
                    (H - PAD) - y(v),
                    COLOURS[si % COLOURS.len()],
                    v * 100.0
                );
            }
        }
    }
    let names: Vec<&str> = series.iter().map(|(n, _)| n.as_str()).collect();
    legend(o, &names);
    o.push_str("</svg>");
}
