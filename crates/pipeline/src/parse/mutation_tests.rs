//! Property tests: real payloads, randomly damaged, never make a parser panic, and every error
//! names the file, the dataset and a field.

use super::test_support::{CDN_FIXTURE, V3_FIXTURE, fixture};
use super::test_support::{files_under, read};
use super::{
    ParseError, Quarantined, Source, bettingpros, espn, game_lines, injury_report, leaguegamelog,
    nbacom_boxscore, odds_props, schedule,
};
use crate::testdata::shared_data_dir;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::path::Path;

/// A random position: taken modulo the size of whatever it picks from.
type Index = usize;

fn at(i: Index, len: usize) -> usize {
    i % len.max(1)
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Overwrite(Index, Vec<u8>),
    /// Replace a value token (JSON scalar or CSV cell) with a value of another type.
    Retype(Index, Index),
    /// Delete a key and its value (JSON) or one cell (CSV).
    Delete(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, r)| Mutation::Retype(i, r)),
        any::<usize>().prop_map(Mutation::Delete),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Num,
    Lit,
    Punct(u8),
}

/// Tokens of a JSON text as (kind, start, end); tolerant of anything.
fn lex(b: &[u8]) -> Vec<(Kind, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let start = i;
        let kind = match c {
            b'"' => {
                i += 1;
                while let Some(&c) = b.get(i) {
                    i += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' {
                        break;
                    }
                }
                Kind::Str
            }
            b'-' | b'0'..=b'9' => {
                while b
                    .get(i)
                    .is_some_and(|c| matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                {
                    i += 1;
                }
                Kind::Num
            }
            b'a'..=b'z' => {
                while b.get(i).is_some_and(u8::is_ascii_lowercase) {
                    i += 1;
                }
                Kind::Lit
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            c => {
                i += 1;
                Kind::Punct(c)
            }
        };
        out.push((kind, start, i.min(b.len())));
    }
    out
}

const REPLACEMENTS: [(Kind, &str); 8] = [
    (Kind::Str, "\"12\""),
    (Kind::Str, "\"\""),
    (Kind::Num, "12"),
    (Kind::Num, "12.5"),
    (Kind::Lit, "null"),
    (Kind::Lit, "true"),
    (Kind::Punct(b'['), "[1]"),
    (Kind::Punct(b'{'), "{}"),
];

fn splice(b: &[u8], start: usize, end: usize, with: &[u8]) -> Vec<u8> {
    [&b[..start], with, &b[end..]].concat()
}

fn mutate_json(b: &[u8], m: &Mutation) -> Vec<u8> {
    let toks = lex(b);
    let is_key = |t: usize| toks.get(t + 1).is_some_and(|n| n.0 == Kind::Punct(b':'));
    match m {
        Mutation::Truncate(i) => b[..at(*i, b.len())].to_vec(),
        Mutation::Overwrite(i, bytes) => overwrite(b, i, bytes),
        Mutation::Retype(i, r) => {
            let values: Vec<usize> = (0..toks.len())
                .filter(|&t| matches!(toks[t].0, Kind::Str | Kind::Num | Kind::Lit) && !is_key(t))
                .collect();
            let Some(&t) = values.get(at(*i, values.len())) else {
                return b.to_vec();
            };
            let (kind, start, end) = toks[t];
            let options: Vec<&str> = REPLACEMENTS
                .iter()
                .filter(|(k, _)| *k != kind)
                .map(|(_, s)| *s)
                .collect();
            splice(b, start, end, options[at(*r, options.len())].as_bytes())
        }
        Mutation::Delete(i) => {
            let keys: Vec<usize> = (0..toks.len())
                .filter(|&t| toks[t].0 == Kind::Str && is_key(t))
                .collect();
            let Some(&k) = keys.get(at(*i, keys.len())) else {
                return b.to_vec();
            };
            // The value runs from the token after ':' to its matching close bracket.
            let mut v = k + 2;
            let mut depth = 0i32;
            while let Some(&(kind, _, _)) = toks.get(v) {
                match kind {
                    Kind::Punct(b'[' | b'{') => depth += 1,
                    Kind::Punct(b']' | b'}') => depth -= 1,
                    _ => {}
                }
                if depth <= 0 {
                    break;
                }
                v += 1;
            }
            let start = toks[k].1;
            let end = toks.get(v).map_or(b.len(), |t| t.2);
            match (toks.get(v + 1), k.checked_sub(1).and_then(|p| toks.get(p))) {
                (Some(&(Kind::Punct(b','), _, comma_end)), _) => splice(b, start, comma_end, b""),
                (_, Some(&(Kind::Punct(b','), comma_start, _))) => splice(b, comma_start, end, b""),
                _ => splice(b, start, end, b""),
            }
        }
    }
}

fn overwrite(b: &[u8], i: &Index, bytes: &[u8]) -> Vec<u8> {
    let start = at(*i, b.len());
    let end = (start + bytes.len()).min(b.len());
    splice(b, start, end, &bytes[..end - start])
}

fn mutate_csv(b: &[u8], m: &Mutation) -> Vec<u8> {
    // Cells as (start, end) byte ranges between separators.
    let mut cells = Vec::new();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b',' || c == b'\n' {
            cells.push((start, i));
            start = i + 1;
        }
    }
    let pick = |i: &Index| cells.get(at(*i, cells.len())).copied();
    match m {
        Mutation::Truncate(i) => b[..at(*i, b.len())].to_vec(),
        Mutation::Overwrite(i, bytes) => overwrite(b, i, bytes),
        Mutation::Retype(i, r) => {
            let Some((s, e)) = pick(i) else {
                return b.to_vec();
            };
            let with = [
                "abc",
                "",
                "12.5",
                "+-3",
                " \u{a0}",
                "\"q,\"",
                "Seattle SuperSonics",
                "2021-22-1399",
            ];
            splice(b, s, e, with[at(*r, with.len())].as_bytes())
        }
        Mutation::Delete(i) => {
            let Some((s, e)) = pick(i) else {
                return b.to_vec();
            };
            splice(b, s, (e + 1).min(b.len()), b"")
        }
    }
}

type Parser = fn(&[u8], &Source) -> Result<(), ParseError>;

/// A payload with quarantined rows parsed, but each row's error must name file, dataset and
/// field like a payload's: the first one is checked as the outcome.
fn first(quarantined: &[Quarantined]) -> Result<(), ParseError> {
    match quarantined.first() {
        Some(q) if q.row.trim().is_empty() => Err(ParseError {
            field: String::new(),
            ..q.error.clone()
        }),
        Some(q) => Err(q.error.clone()),
        None => Ok(()),
    }
}

/// Runs `cases` mutations over each payload and checks the two properties.
fn fuzz(dataset: &str, payloads: &[(String, Vec<u8>)], csv: bool, parse: Parser, cases: u32) {
    for (file, bytes) in payloads {
        let src = Source { file, dataset };
        parse(bytes, &src).unwrap_or_else(|e| panic!("the undamaged payload must parse: {e}"));
    }
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let (ok, failed) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let result = runner.run(&(any::<usize>(), mutation()), |(which, m)| {
        let (file, bytes) = &payloads[at(which, payloads.len())];
        let damaged = if csv {
            mutate_csv(bytes, &m)
        } else {
            mutate_json(bytes, &m)
        };
        let src = Source { file, dataset };
        let outcome = parse(&damaged, &src);
        let counter = if outcome.is_ok() { &ok } else { &failed };
        counter.set(counter.get() + 1);
        if let Err(e) = outcome {
            let shown = e.to_string();
            prop_assert!(
                shown.contains(file.as_str()) && shown.contains(dataset),
                "{shown}"
            );
            prop_assert!(!e.field.trim().is_empty(), "{shown}");
            prop_assert!(shown.contains(&format!("field {}: ", e.field)), "{shown}");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{dataset}: {e}");
    }
    eprintln!(
        "{dataset}: {} damaged payloads parsed, {} refused with a named field",
        ok.get(),
        failed.get()
    );
}

fn smallest(dir: &Path, ext: &str, n: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = files_under(dir, ext);
    files.sort_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(u64::MAX));
    files
        .iter()
        .take(n)
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                read(p),
            )
        })
        .collect()
}

#[test]
fn leaguegamelog_survives_mutations() {
    let Some(dir) = shared_data_dir() else { return };
    let payloads = smallest(&dir.join("archive/nbacom/leaguegamelog_player"), ".json", 2);
    fuzz(
        "nbacom/leaguegamelog_player",
        &payloads,
        false,
        |b, s| leaguegamelog::parse(b, s).and_then(|l| first(&l.quarantined)),
        128,
    );
}

#[test]
fn schedule_survives_mutations() {
    let Some(dir) = shared_data_dir() else { return };
    // Whole seasons are large; a few dates of each kind of file keep every field shape.
    let payloads: Vec<(String, Vec<u8>)> = ["2021-22.json", "2023-24.json"]
        .iter()
        .map(|name| {
            let mut v: serde_json::Value =
                serde_json::from_slice(&read(&dir.join("archive/nbacom/schedule").join(name)))
                    .unwrap();
            let dates = v["leagueSchedule"]["gameDates"].as_array_mut().unwrap();
            let knockout = dates
                .iter()
                .position(|d| d.to_string().contains("in-season-knockout"));
            let keep: Vec<serde_json::Value> = dates
                .iter()
                .enumerate()
                .filter(|(i, _)| *i < 2 || Some(*i) == knockout)
                .map(|(_, d)| d.clone())
                .collect();
            *dates = keep;
            (name.to_string(), serde_json::to_vec(&v).unwrap())
        })
        .collect();
    fuzz(
        "nbacom/schedule",
        &payloads,
        false,
        |b, s| {
            schedule::parse(b, s).and_then(|p| {
                first(
                    &p.quarantined
                        .iter()
                        .map(|(_, q)| q.clone())
                        .collect::<Vec<_>>(),
                )
            })
        },
        128,
    );
}

#[test]
fn game_lines_survive_mutations() {
    let Some(dir) = shared_data_dir() else { return };
    let payloads: Vec<(String, Vec<u8>)> = ["2021-22.csv", "2023-24.csv"]
        .iter()
        .map(|name| {
            let text =
                String::from_utf8(read(&dir.join("archive/sbr/game_lines").join(name))).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            // The head of the file and its last rows (the 2021-22 ones carry U+00A0).
            let kept: Vec<&str> = lines
                .iter()
                .take(12)
                .chain(lines.iter().skip(lines.len() - 3))
                .copied()
                .collect();
            (
                name.to_string(),
                format!("{}\n", kept.join("\n")).into_bytes(),
            )
        })
        .collect();
    fuzz(
        "sbr/game_lines",
        &payloads,
        true,
        |b, s| {
            game_lines::parse(b, s).and_then(|l| {
                first(
                    &l.quarantined
                        .iter()
                        .map(|(_, q)| q.clone())
                        .collect::<Vec<_>>(),
                )
            })
        },
        128,
    );
}

#[test]
fn odds_props_survive_mutations() {
    let Some(dir) = shared_data_dir() else { return };
    let root = dir.join("archive/oddsapi/player_props");
    let mut payloads = smallest(&root.join("2023-10-24"), ".json", 1);
    payloads.extend(smallest(&root.join("2025-10-21"), ".json", 1));
    fuzz(
        "oddsapi/player_props",
        &payloads,
        false,
        |b, s| odds_props::parse(b, s).and_then(|e| first(&e.quarantined)),
        128,
    );
}

/// A fixture as a one-payload list, or `None` (after SKIPPED) without the corpus.
fn real(rel: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let bytes = fixture(rel)?;
    let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
    Some(vec![(name, bytes)])
}

#[test]
fn nbacom_box_scores_survive_mutations() {
    let Some(v3) = real(V3_FIXTURE) else { return };
    fuzz(
        "nbacom/boxscoretraditionalv3",
        &v3,
        false,
        |b, s| nbacom_boxscore::parse_v3(b, s).and_then(|g| first(&g.quarantined)),
        128,
    );
    let Some(cdn) = real(CDN_FIXTURE) else { return };
    fuzz(
        "nbacom/cdn_boxscore",
        &cdn,
        false,
        |b, s| nbacom_boxscore::parse_cdn(b, s).and_then(|g| first(&g.quarantined)),
        128,
    );
}

#[test]
fn espn_payloads_survive_mutations() {
    let Some(board) = real("najicham/espn_scoreboard_api/raw_92de7c9a.json") else {
        return;
    };
    fuzz(
        "espn/scoreboard",
        &board,
        false,
        |b, s| espn::parse_scoreboard(b, s).and_then(|b| first(&b.quarantined)),
        128,
    );
    // No real summary capture exists: the hand-made one carries every field the parser reads.
    let summary = vec![(
        "espn_summary_handmade.json".to_string(),
        include_bytes!("fixtures/espn_summary_handmade.json").to_vec(),
    )];
    fuzz(
        "espn/summary",
        &summary,
        false,
        |b, s| espn::parse_summary(b, s).and_then(|g| first(&g.quarantined)),
        128,
    );
}

#[test]
fn bettingpros_payloads_survive_mutations() {
    let Some(events) = real("najicham/bp_events/raw_75470647.json") else {
        return;
    };
    fuzz(
        "bettingpros/events",
        &events,
        false,
        |b, s| bettingpros::parse_events(b, s).and_then(|e| first(&e.quarantined)),
        128,
    );
    let offers = vec![(
        "bettingpros_offers_handmade.json".to_string(),
        include_bytes!("fixtures/bettingpros_offers_handmade.json").to_vec(),
    )];
    fuzz(
        "bettingpros/offers",
        &offers,
        false,
        |b, s| bettingpros::parse_offers(b, s).and_then(|p| first(&p.quarantined)),
        128,
    );
}

#[test]
fn injury_report_pdfs_survive_mutations() {
    let Some(pdf) = real("lucasb19/Injury-Report_2026-02-08_03_30PM.pdf") else {
        return;
    };
    // Truncation, byte noise and token edits of the PDF's own syntax (names, numbers, strings).
    fuzz(
        "nbacom/injury_report",
        &pdf,
        false,
        |b, s| injury_report::parse(b, s).and_then(|r| first(&r.quarantined)),
        48,
    );
}

#[test]
fn mutations_do_what_they_say() {
    let doc = br#"{"a":[1,{"b":"x"}],"c":null}"#;
    let idx = |n: usize| n;
    let t = |m| String::from_utf8(mutate_json(doc, &m)).unwrap();
    assert_eq!(t(Mutation::Truncate(idx(0))), "");
    assert_eq!(t(Mutation::Delete(idx(0))), r#"{"c":null}"#);
    assert_eq!(t(Mutation::Delete(idx(1))), r#"{"a":[1,{}],"c":null}"#);
    assert_eq!(t(Mutation::Delete(idx(2))), r#"{"a":[1,{"b":"x"}]}"#);
    assert_eq!(
        t(Mutation::Retype(idx(0), idx(0))),
        r#"{"a":["12",{"b":"x"}],"c":null}"#
    );
    let csv = |m| String::from_utf8(mutate_csv(b"a,b\n1,2\n", &m)).unwrap();
    assert_eq!(csv(Mutation::Delete(idx(2))), "a,b\n2\n");
    assert_eq!(csv(Mutation::Retype(idx(3), idx(0))), "a,b\n1,abc\n");
}
