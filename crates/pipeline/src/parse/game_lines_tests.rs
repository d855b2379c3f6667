use super::*;
use crate::parse::test_support::{ACCESS_DENIED, assert_field, files_under, read};
use crate::testdata::shared_data_dir;

const DS: &str = "sbr/game_lines";
const FILE: &str = "2021-22.csv";
const SRC: Source = Source {
    file: FILE,
    dataset: DS,
};

const OLD: &str = "index,Unnamed: 0,Date,Home,Away,OU,Spread,ML_Home,ML_Away,Points,Win_Margin,Days_Rest_Home,Days_Rest_Away\n\
0,0,2021-22-1019,Milwaukee Bucks,Brooklyn Nets,240.5,0.0,-125,105,231,23,10.0,10.0\n\
1,1,2021-22-1019,Los Angeles Lakers,Golden State Warriors,230.5,4.5,-160,140,235,-7,10.0,10.0\n\
2,2,2021-22-0613,Golden State Warriors,Boston Celtics,212.5,3.5,-165,+145\u{a0},198,10.0,3.0,3.0\n\
3,3,2021-22-0616,Boston Celtics,Golden State Warriors,212.5,2.5,-175,+155\u{a0},193,-13,3.0,3.0\n\
4,4,2021-22-0101,Charlotte Bobcats,Utah Jazz,,2.0,-110,-110,,,3.0,3.0\n";

fn parse_str(s: &str) -> Result<Vec<GameLineRow>, ParseError> {
    let lines = parse(s.as_bytes(), &SRC)?;
    assert_eq!(lines.quarantined, [], "nothing quarantined");
    Ok(lines.rows)
}

/// The one error of a body: the payload's, or its one quarantined row's.
fn the_error(body: &[u8]) -> ParseError {
    match parse(body, &SRC) {
        Err(e) => e,
        Ok(lines) => {
            let [(_, q)] = lines.quarantined.as_slice() else {
                panic!("one quarantined row expected: {:?}", lines.quarantined)
            };
            // The other rows are kept.
            let data_rows = body
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
                - 1;
            assert_eq!(lines.rows.len(), data_rows - 1, "{}", q.error);
            assert!(q.error.field.starts_with(&q.row), "{} / {}", q.row, q.error);
            q.error.clone()
        }
    }
}

#[test]
fn unsigned_spreads_take_their_side_from_the_moneylines() {
    let rows = parse_str(OLD).unwrap();
    type Summary<'a> = (usize, String, &'a str, &'a str, Option<f64>, Option<i32>);
    let got: Vec<Summary> = rows
        .iter()
        .map(|r| {
            (
                r.line,
                r.date.to_string(),
                r.home.tricode(),
                r.away.tricode(),
                r.home_spread,
                r.away_moneyline,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "2021-10-19".into(), "MIL", "BKN", Some(0.0), Some(105)),
            (2, "2021-10-19".into(), "LAL", "GSW", Some(-4.5), Some(140)),
            (3, "2022-06-13".into(), "GSW", "BOS", Some(-3.5), Some(145)),
            (4, "2022-06-16".into(), "BOS", "GSW", Some(-2.5), Some(155)),
            (5, "2022-01-01".into(), "CHA", "UTA", None, Some(-110)),
        ]
    );
    let r = &rows[0];
    assert_eq!(
        (
            r.total,
            r.spread_raw,
            r.home_moneyline,
            r.final_total,
            r.final_home_margin
        ),
        (Some(240.5), Some(0.0), Some(-125), Some(231), Some(23))
    );
    assert_eq!(
        (
            rows[2].final_home_margin,
            rows[4].total,
            rows[4].final_total
        ),
        (Some(10), None, None)
    );
    // The away team favoured: the home team gets the points.
    assert_eq!(
        home_spread(Season::new(2021), 6.5, Some(200), Some(-250)),
        Some(6.5)
    );
}

#[test]
fn signed_spreads_are_the_away_line_from_2022_on() {
    let csv = "Spread,Away,Home,Date,OU,ML_Home,ML_Away,Points,Win_Margin\n\
               3.5,Orlando Magic,Detroit Pistons,2022-23-1019,215.5,-164,138,222,4\n\
               -2.5,Washington Wizards,Indiana Pacers,2022-23-1019,229.0,120,-142,221,-7\n\
               0.0,Phoenix Suns,Golden State Warriors,2023-10-24,235.0,-148,126,212,-4\n";
    let rows = parse_str(csv).unwrap();
    let spreads: Vec<Option<f64>> = rows.iter().map(|r| r.home_spread).collect();
    assert_eq!(spreads, [Some(-3.5), Some(2.5), Some(0.0)]);
    assert!(rows[2].home_spread.unwrap().is_sign_positive());
    assert_eq!(rows[0].date.to_string(), "2022-10-19");
}

#[test]
fn bad_csvs_name_file_dataset_line_and_column() {
    let header = OLD.lines().next().unwrap();
    let cases: Vec<(String, &str, &str)> = vec![
        (String::new(), "(document)", "empty payload"),
        (
            ACCESS_DENIED.into(),
            "(document)",
            "expected CSV, got an HTML page: <HTML><HEAD>",
        ),
        (OLD[..OLD.len() - 30].into(), "line 5", "found record with"),
        (
            OLD.replace("240.5", "abc"),
            "line 1, column OU",
            "expected a number, got \"abc\"",
        ),
        (
            OLD.replace("-125", "-125.5"),
            "line 1, column ML_Home",
            "whole number",
        ),
        (
            OLD.replace("Utah Jazz", "Utah Stars"),
            "line 5, column Away",
            "Utah Stars",
        ),
        (
            OLD.replace("2021-22-0613", "2022-22-0613"),
            "line 3, column Date",
            "2022-22-0613",
        ),
        (
            OLD.replace("2021-22-1019,Milwaukee", ",Milwaukee"),
            "line 1, column Date",
            "empty",
        ),
        (
            OLD.replace("Brooklyn Nets", "Milwaukee Bucks"),
            "line 1, column Away",
            "cannot play itself",
        ),
        (
            OLD.replace(",ML_Away,", ",ML_Visitor,"),
            "header row, column ML_Away",
            "required column ML_Away is missing",
        ),
        (
            format!(
                "{header}\n0,0,2021-22-1019,Milwaukee Bucks,Brooklyn Nets,240.5,0.0,\u{ff}\u{fe},105,231,23,10,10\n"
            ),
            "line 1, column ML_Home",
            "expected a number",
        ),
    ];
    for (body, field, needle) in cases {
        let e = the_error(body.as_bytes());
        assert_field(&e, FILE, DS, field);
        assert!(e.message.contains(needle), "{e}");
    }
    let mut invalid = OLD.as_bytes().to_vec();
    let at = OLD.find("240.5").unwrap();
    invalid[at] = 0xff;
    let e = the_error(&invalid);
    assert_field(&e, FILE, DS, "line 1, column OU");
    assert!(e.message.contains("not UTF-8"), "{e}");
}

fn corr(xs: &[(f64, f64)]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (
        xs.iter().map(|p| p.0).sum::<f64>() / n,
        xs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = xs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let vx: f64 = xs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let vy: f64 = xs.iter().map(|(_, y)| (y - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// All three seasons parse with the README's row counts and date ranges; the derived columns of
/// the export agree with what the parser derives; and the home spread predicts the home margin
/// with the right sign in every season (the check that the sign convention is right).
#[test]
fn every_archived_season_parses_and_home_spread_predicts_the_margin() {
    let Some(dir) = shared_data_dir() else { return };
    let files = files_under(&dir.join("archive/sbr/game_lines"), ".csv");
    let mut seen = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = read(path);
        let parsed = parse(
            &bytes,
            &Source {
                file: &name,
                dataset: DS,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.quarantined, [], "{name}");
        let rows = parsed.rows;
        let season = name.trim_end_matches(".csv").to_string();
        let mut derived = csv::Reader::from_reader(bytes.as_slice());
        let cols: Vec<String> = derived
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let at = |n: &str| cols.iter().position(|c| c == n).unwrap();
        let (gd, ht, at_) = (at("game_date"), at("home_tricode"), at("away_tricode"));
        for (r, rec) in rows.iter().zip(derived.records()) {
            let rec = rec.unwrap();
            assert_eq!(
                (
                    r.date.to_string().as_str(),
                    r.home.tricode(),
                    r.away.tricode()
                ),
                (&rec[gd], &rec[ht], &rec[at_]),
                "{name} line {}",
                r.line
            );
            assert_eq!(
                r.date.season().to_string(),
                season,
                "{name} line {}",
                r.line
            );
        }
        let pairs: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|r| Some((r.home_spread?, f64::from(r.final_home_margin?))))
            .collect();
        let c = corr(&pairs);
        let unsided = rows.iter().filter(|r| r.home_spread.is_none()).count();
        eprintln!(
            "{name}: {} rows, corr(home_spread, Win_Margin) = {c:.3}, {unsided} rows without a side",
            rows.len()
        );
        assert!((-0.55..=-0.35).contains(&c), "{name}: corr {c}");
        let (first, last) = (
            rows.first().unwrap().date.to_string(),
            rows.last().unwrap().date.to_string(),
        );
        seen.push((season, rows.len(), first, last, unsided));
    }
    let s = |a: &str, n, f: &str, l: &str, u| (a.to_string(), n, f.to_string(), l.to_string(), u);
    assert_eq!(
        seen,
        [
            s("2021-22", 1323, "2021-10-19", "2022-06-16", 16),
            s("2022-23", 1319, "2022-10-19", "2023-06-12", 0),
            s("2023-24", 1255, "2023-10-24", "2024-04-28", 0)
        ]
    );
}
