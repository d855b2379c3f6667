use super::*;
use crate::parse::test_support::fixture;
use std::collections::BTreeMap;

const SRC: Source = Source {
    file: "Injury-Report.pdf",
    dataset: "nbacom/injury_report",
};

/// Why a cell of lucasb19's CSV differs from this parser's reading of the same PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    /// Their `gameDate` is the report's date on every row; the PDF prints 02/09/2026 for the
    /// next day's games, and so do we.
    ReportDateForNextDaysGames,
    /// A reason wrapped after "Body Part;" lost its semicolon where they joined the lines.
    SemicolonDroppedAtWrap,
    /// A reason cut by a page break lost its continuation at the top of the next page.
    PageBreakContinuationDropped,
    /// A reason's first wrapped line (printed above its player, the row being centred) went to
    /// the row above: that row's reason gains it, this one loses it.
    WrapGivenToRowAbove,
}

/// Every differing cell between our player rows and lucasb19's CSV rows, each explained; panics
/// on a difference that none of the explanations fits.
fn explain(report: &Report, csv: &[u8]) -> (usize, BTreeMap<Why, usize>) {
    let mut rows = csv::Reader::from_reader(csv);
    let theirs: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    let ours: Vec<&InjuryEntry> = report
        .entries
        .iter()
        .filter(|e| e.entry_type == EntryType::Player)
        .collect();
    assert_eq!(
        ours.len(),
        theirs.len(),
        "the same player rows, in the same order"
    );
    let reason = |i: usize| {
        ours.get(i)
            .and_then(|e| e.reason.clone())
            .unwrap_or_default()
    };
    let mut why: BTreeMap<Why, usize> = BTreeMap::new();
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        let d = o.game_date.date();
        let cells: [(&str, String); 6] = [
            (
                "gameDate",
                format!("{:02}/{:02}/{:04}", d.month(), d.day(), d.year()),
            ),
            ("team", o.team.full_name()),
            ("player", o.player_name.clone().unwrap_or_default()),
            ("status", o.status.clone().unwrap_or_default()),
            ("reason", reason(i)),
            ("page", o.page.to_string()),
        ];
        for (k, (field, mine)) in cells.into_iter().enumerate() {
            let their = &t[k];
            if mine == *their {
                continue;
            }
            let semicolon_dropped = mine
                .match_indices("; ")
                .any(|(at, _)| format!("{}{}", &mine[..at], &mine[at + 1..]) == *their);
            let next = reason(i + 1);
            let explained = match field {
                "gameDate" if mine == "02/09/2026" && their == "02/08/2026" => {
                    Why::ReportDateForNextDaysGames
                }
                "reason" if semicolon_dropped => Why::SemicolonDroppedAtWrap,
                "reason" if mine.starts_with(&format!("{their} ")) => {
                    Why::PageBreakContinuationDropped
                }
                // This row lost its first line to the row above, or gained the next row's.
                "reason"
                    if mine.ends_with(&format!(" {their}"))
                        || their
                            .strip_prefix(&format!("{mine} "))
                            .is_some_and(|gained| next.starts_with(&format!("{gained} "))) =>
                {
                    Why::WrapGivenToRowAbove
                }
                _ => panic!(
                    "unexplained difference for {}: {field} ours {mine:?}, theirs {their:?}",
                    o.player_name.as_deref().unwrap_or("?")
                ),
            };
            *why.entry(explained).or_default() += 1;
        }
    }
    (theirs.len(), why)
}

/// Report time, player rows and NOT YET SUBMITTED teams of each real report, and the count of
/// each kind of difference from lucasb19's CSV of the same PDF. The row counts were checked
/// with `pdftotext -layout` (status words and NOT YET SUBMITTED lines).
#[test]
fn the_real_reports_match_lucasb19_row_by_row_with_every_difference_explained() {
    use Why::*;
    let expected = [
        ("03_30PM", "2026-02-08T20:30:00Z", 61, 18, [8, 6, 1, 2]),
        ("06_15PM", "2026-02-08T23:15:00Z", 109, 8, [56, 10, 1, 4]),
        ("06_30PM", "2026-02-08T23:30:00Z", 114, 7, [61, 11, 2, 3]),
    ];
    for (name, at, players, not_submitted, counts) in expected {
        let (Some(pdf), Some(csv)) = (
            fixture(&format!("lucasb19/Injury-Report_2026-02-08_{name}.pdf")),
            fixture(&format!("lucasb19/Injury-Report_2026-02-08_{name}.csv")),
        ) else {
            return;
        };
        let r = parse(&pdf, &SRC).unwrap();
        assert_eq!(
            (r.report_at.to_string().as_str(), r.layout),
            (at, "standard"),
            "{name}"
        );
        let nys = r
            .entries
            .iter()
            .filter(|e| e.entry_type == EntryType::NotSubmitted);
        assert_eq!(nys.count(), not_submitted, "{name}");
        let (rows, why) = explain(&r, &csv);
        assert_eq!(rows, players, "{name}");
        let want: BTreeMap<Why, usize> = [
            ReportDateForNextDaysGames,
            SemicolonDroppedAtWrap,
            PageBreakContinuationDropped,
            WrapGivenToRowAbove,
        ]
        .into_iter()
        .zip(counts)
        .collect();
        assert_eq!(why, want, "{name}");
        for e in &r.entries {
            assert!(e.team == e.home || e.team == e.away, "{name}: {e:?}");
            let reason = e.reason.as_deref().unwrap_or("");
            assert!(
                !reason.contains("NOT YET") && !reason.ends_with(';'),
                "{name}: {e:?}"
            );
        }
    }
}

#[test]
fn wrapped_reasons_and_page_breaks_in_the_real_report() {
    let Some(pdf) = fixture("lucasb19/Injury-Report_2026-02-08_03_30PM.pdf") else {
        return;
    };
    let r = parse(&pdf, &SRC).unwrap();
    let of = |name: &str| {
        r.entries
            .iter()
            .find(|e| e.player_name.as_deref() == Some(name))
            .unwrap()
    };
    // Two lines around the player's row.
    assert_eq!(
        of("Herro, Tyler").reason.as_deref(),
        Some("Injury/Illness - Right Costochondral; Injury to the Ribs")
    );
    // The first wrapped line sits closer to Poeltl than to Paul, above him.
    assert_eq!(of("Paul, Chris").reason.as_deref(), Some("Not With Team"));
    assert_eq!(
        of("Poeltl, Jakob").reason.as_deref(),
        Some("Return to Competition Reconditioning")
    );
    // Cut by the page break: "Fracture" tops page 3, above Zubac's one-line row.
    let toppin = of("Toppin, Obi");
    assert_eq!(
        (toppin.reason.as_deref(), toppin.page),
        (Some("Injury/Illness - Right Foot; Stress Fracture"), 2)
    );
    assert_eq!(of("Zubac, Ivica").reason.as_deref(), Some("Not With Team"));
    // Page 2 prints no header and no game cells: the Wizards' rows carry on from page 1.
    let exum = of("Exum, Dante");
    assert_eq!(
        (exum.page, exum.team.tricode(), exum.matchup.as_str()),
        (2, "WAS", "MIA@WAS")
    );
    assert_eq!(exum.game_time.as_deref(), Some("02:00 (ET)"));
    assert_eq!(
        of("Adebayo, Bam").category.as_deref(),
        Some("Injury/Illness")
    );
    assert_eq!(of("Rozier, Terry").category, None);
    // A team that had not reported, on the next day's slate.
    let det = &r.entries.iter().find(|e| e.matchup == "DET@CHA").unwrap();
    assert_eq!(
        (det.entry_type, det.game_date.to_string().as_str()),
        (EntryType::NotSubmitted, "2026-02-09")
    );
    assert_eq!(
        (det.player_name.as_deref(), det.status.as_deref()),
        (None, None)
    );
}

/// mrees002's text-layout fixtures: `{"pages": [[[x, y, text], …], …]}`.
fn layout_fixture(name: &str) -> Option<Vec<Vec<Piece>>> {
    let bytes = fixture(&format!("mrees002/nba_reports/{name}.json"))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    Some(
        v["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|page| {
                page.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| Piece {
                        x: p[0].as_f64().unwrap(),
                        y: p[1].as_f64().unwrap(),
                        text: p[2].as_str().unwrap().to_string(),
                    })
                    .collect()
            })
            .collect(),
    )
}

fn layout(name: &str) -> Option<Report> {
    let pages = layout_fixture(name)?;
    let src = Source {
        file: name,
        dataset: "nbacom/injury_report",
    };
    Some(parse_pieces(&pages, &src).unwrap())
}

fn players(r: &Report) -> Vec<&str> {
    r.entries
        .iter()
        .filter_map(|e| e.player_name.as_deref())
        .collect()
}

#[test]
fn every_seasons_layout_is_read_by_its_header() {
    let expected = [
        ("legacy_category_v1", "category", 4),
        ("legacy_status_history_v1b", "status_history", 2),
        ("legacy_reason_first_v1c", "reason_first", 2),
        ("legacy_current_previous_v1d", "current_previous", 2),
        ("legacy_structural_defects_v1", "category", 6),
        ("standard_v2", "standard", 3),
        ("compact_v3", "standard", 4),
    ];
    for (name, layout_name, entries) in expected {
        let Some(r) = layout(name) else { return };
        assert_eq!(
            (r.layout, r.entries.len()),
            (layout_name, entries),
            "{name}"
        );
    }
}

#[test]
fn legacy_category_reports_put_the_category_in_front_and_keep_not_submitted_teams() {
    let Some(r) = layout("legacy_category_v1") else {
        return;
    };
    assert_eq!(r.report_at.to_string(), "2019-10-28T17:30:00Z");
    let carter = &r.entries[0];
    assert_eq!(carter.category.as_deref(), Some("Injury/Illness"));
    assert_eq!(
        carter.reason.as_deref(),
        Some("Injury/Illness - Left thumb sprain")
    );
    assert_eq!(
        (carter.status.as_deref(), carter.previous_status.as_deref()),
        (Some("Available"), Some("Probable"))
    );
    // Page 2 repeats the header; Porter carries the Bulls and CHI@NYK over from page 1.
    let porter = &r.entries[2];
    assert_eq!(
        (porter.page, porter.team.tricode(), porter.matchup.as_str()),
        (2, "CHI", "CHI@NYK")
    );
    let raptors = r.entries.last().unwrap();
    assert_eq!(
        (
            raptors.entry_type,
            raptors.team.tricode(),
            raptors.player_name.as_deref()
        ),
        (EntryType::NotSubmitted, "TOR", None)
    );
    assert_eq!(
        (raptors.matchup.as_str(), raptors.game_time.as_deref()),
        ("ORL@TOR", Some("08:00 (ET)"))
    );
}

#[test]
fn wrapped_team_cells_and_team_markers_of_2018() {
    let Some(r) = layout("legacy_structural_defects_v1") else {
        return;
    };
    let kinds: Vec<(&str, EntryType)> = r
        .entries
        .iter()
        .map(|e| (e.team.tricode(), e.entry_type))
        .collect();
    assert_eq!(
        kinds,
        [
            ("SAS", EntryType::Player),
            ("PHX", EntryType::AllAvailable),
            ("MIN", EntryType::Player),
            ("MIN", EntryType::Player),
            ("DAL", EntryType::NotSubmitted),
            ("POR", EntryType::AllAvailable),
        ]
    );
    // "Minnesota" / "Timberwolves" on two lines is one team name, kept for both players.
    assert_eq!(
        players(&r),
        ["Aldridge, LaMarcus", "Rose, Derrick", "Teague, Jeff"]
    );
    let aldridge = &r.entries[0];
    assert_eq!(
        aldridge.reason.as_deref(),
        Some("Injury/Illness - Sore Right Knee")
    );
    assert!(
        r.entries
            .iter()
            .filter(|e| e.entry_type != EntryType::Player)
            .all(|e| e.reason.is_none() && e.status.is_none())
    );
}

#[test]
fn wrapped_reasons_go_to_the_row_they_surround() {
    let Some(v1c) = layout("legacy_reason_first_v1c") else {
        return;
    };
    let batum = &v1c.entries[1];
    assert_eq!(batum.player_name.as_deref(), Some("Batum, Nicolas"));
    assert_eq!(
        batum.reason.as_deref(),
        Some("Injury/Illness - Fractured Third Finger, Left Hand")
    );
    assert_eq!(batum.status.as_deref(), Some("Out"));
    let Some(v1b) = layout("legacy_status_history_v1b") else {
        return;
    };
    let huerter = &v1b.entries[0];
    assert_eq!(
        (
            huerter.status.as_deref(),
            huerter.previous_status.as_deref()
        ),
        (Some("Probable"), Some("Questionable"))
    );
    assert_eq!(
        huerter.previous_reason.as_deref(),
        Some("Injury/Illness - Left Shoulder; Contusion")
    );
    let Some(v1d) = layout("legacy_current_previous_v1d") else {
        return;
    };
    let middleton = &v1d.entries[1];
    assert_eq!(
        (
            middleton.status.as_deref(),
            middleton.previous_status.as_deref()
        ),
        (Some("Out"), Some("-"))
    );
    assert_eq!(
        middleton.reason.as_deref(),
        Some("Injury/Illness - Left Thigh; Contusion")
    );
    let Some(v2) = layout("standard_v2") else {
        return;
    };
    assert_eq!(
        v2.entries[1].reason.as_deref(),
        Some("Injury/Illness - Right Knee; Soreness")
    );
    assert_eq!(v2.entries[2].team.tricode(), "IND");
    let Some(v3) = layout("compact_v3") else {
        return;
    };
    assert_eq!(
        v3.entries[0].player_name.as_deref(),
        Some("Alexander-Walker, Nickeil")
    );
    assert_eq!(
        v3.entries[0].reason.as_deref(),
        Some("Injury/Illness - Right Great Toe; Sprain")
    );
    // Page 2 has no header: the columns of page 1 hold, and so does ATL@MIA.
    let jovic = v3.entries.last().unwrap();
    assert_eq!(
        (jovic.page, jovic.team.tricode(), jovic.matchup.as_str()),
        (2, "MIA", "ATL@MIA")
    );
    assert_eq!(
        jovic.reason.as_deref(),
        Some("Injury/Illness - Left Ankle; Sprain")
    );
}

#[test]
fn changed_or_broken_input_is_an_error_naming_where() {
    let title = |t: &str| Piece {
        x: 285.0,
        y: 550.0,
        text: t.into(),
    };
    let page = vec![title("Injury Report: 04/12/26 05:00 PM")];
    let e = parse_pieces(&[page], &SRC).unwrap_err();
    assert_eq!(e.field, "page 1");
    assert!(e.message.contains("no table header"), "{e}");
    let Some(mut pages) = layout_fixture("standard_v2") else {
        return;
    };
    let whole = parse_pieces(&pages, &SRC).unwrap();
    assert_eq!(whole.quarantined, []);
    // An unknown team name sets its entry aside, naming the page and entry, and the entries
    // below it that have no team of their own; the report's other entries are kept.
    for p in &mut pages[0] {
        if p.text == "Indiana Pacers" {
            p.text = "Indiana Fever".into();
        }
    }
    let r = parse_pieces(&pages, &SRC).unwrap();
    let e = &r.quarantined[0].error;
    assert_eq!(r.quarantined[0].row, "page 1, entry 3");
    assert_eq!(e.field, "page 1, entry 3, Team");
    assert!(e.message.contains("Indiana Fever"), "{e}");
    assert!(
        r.quarantined[1..]
            .iter()
            .all(|q| q.error.message.contains("no game date, matchup or team"))
    );
    assert_eq!(r.entries.len() + r.quarantined.len(), whole.entries.len());
    assert!(r.entries.iter().all(|e| e.team.tricode() != "IND"));
    assert!(!r.entries.is_empty());
    let e = parse(crate::parse::test_support::ACCESS_DENIED.as_bytes(), &SRC).unwrap_err();
    assert_eq!(e.field, crate::parse::DOCUMENT);
    assert!(e.message.contains("HTML"), "{e}");
    let e = parse(b"{\"not\": \"a pdf\"}", &SRC).unwrap_err();
    assert!(e.message.contains("expected a PDF"), "{e}");
    let Some(pdf) = fixture("lucasb19/Injury-Report_2026-02-08_03_30PM.pdf") else {
        return;
    };
    let e = parse(&pdf[..pdf.len() / 2], &SRC).unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.field.as_str()),
        (SRC.file, crate::parse::DOCUMENT),
        "{e}"
    );
}

/// Random damage to positioned text (pieces dropped, moved, retexted, pages dropped) never
/// panics, and every error names the file, the dataset and where.
#[test]
fn damaged_layouts_are_errors_or_rows_never_panics() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let mut inputs = Vec::new();
    for name in [
        "compact_v3",
        "legacy_structural_defects_v1",
        "legacy_category_v1",
    ] {
        let Some(p) = layout_fixture(name) else {
            return;
        };
        inputs.push(p);
    }
    if let Some(pdf) = fixture("lucasb19/Injury-Report_2026-02-08_03_30PM.pdf") {
        inputs.push(pdf::words(&pdf).unwrap());
    }
    let texts = [
        "",
        "NOT YET SUBMITTED",
        "Out",
        "Team",
        "02/31/2026",
        "XXX@YYY",
        "Page 1 of 2",
        "Injury Report: 13/40/26 99:99 PM",
        "Reason",
    ];
    let op = (0usize..4, any::<usize>(), any::<usize>(), -40.0f64..40.0);
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let (ok, failed) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(
            &(any::<usize>(), prop::collection::vec(op, 1..6)),
            |(which, ops)| {
                let mut pages = inputs[which % inputs.len()].clone();
                for (kind, i, j, d) in ops {
                    let page = i % pages.len();
                    let n = pages[page].len();
                    if n == 0 {
                        continue;
                    }
                    let k = j % n;
                    match kind {
                        0 => {
                            pages[page].remove(k);
                        }
                        1 => pages[page][k].y += d,
                        2 => pages[page][k].x += d * 5.0,
                        _ => pages[page][k].text = texts[j % texts.len()].to_string(),
                    }
                }
                // A report with entries set aside parsed; each of their errors is checked.
                let outcome =
                    parse_pieces(&pages, &SRC).and_then(|r| match r.quarantined.first() {
                        Some(q) => Err(q.error.clone()),
                        None => Ok(r),
                    });
                match outcome {
                    Ok(_) => ok.set(ok.get() + 1),
                    Err(e) => {
                        failed.set(failed.get() + 1);
                        let shown = e.to_string();
                        prop_assert!(
                            shown.contains(SRC.file) && shown.contains(SRC.dataset),
                            "{shown}"
                        );
                        prop_assert!(!e.field.is_empty() && !e.message.is_empty(), "{shown}");
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    eprintln!(
        "injury report layouts: {} damaged parsed, {} refused with a place",
        ok.get(),
        failed.get()
    );
}
