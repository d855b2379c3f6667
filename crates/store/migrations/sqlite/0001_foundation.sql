-- Foundation: the raw payload index, run records, and the phase 2 tables.
-- Dates are ISO 'YYYY-MM-DD' text (US Eastern game dates); instants are RFC 3339 UTC text.
-- Booleans are 0/1. Every table has its natural key as primary key.

CREATE TABLE raw_payloads (
    source        TEXT    NOT NULL,
    dataset       TEXT    NOT NULL,
    partition_key TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    bytes         INTEGER NOT NULL,
    origin_path   TEXT    NOT NULL,
    origin        TEXT,
    captured_at   TEXT,
    fetched_at    TEXT    NOT NULL,
    http_status   INTEGER,
    build         TEXT    NOT NULL,
    PRIMARY KEY (source, dataset, partition_key, sha256)
);

CREATE TABLE raw_parse_failures (
    sha256        TEXT NOT NULL,
    processor     TEXT NOT NULL,
    source        TEXT NOT NULL,
    dataset       TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    origin_path   TEXT NOT NULL,
    error         TEXT NOT NULL,
    failed_at     TEXT NOT NULL,
    build         TEXT NOT NULL,
    PRIMARY KEY (sha256, processor)
);

CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    processor     TEXT    NOT NULL,
    partition_key TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    duration_ms   INTEGER,
    rows_written  INTEGER,
    unmatched     INTEGER,
    output_hash   TEXT,
    inputs        TEXT,
    message       TEXT,
    build         TEXT    NOT NULL
);
CREATE INDEX runs_by_partition ON runs (processor, partition_key, run_id);
CREATE INDEX runs_by_date ON runs (partition_key);

CREATE TABLE nbac_schedule (
    game_id              TEXT    NOT NULL PRIMARY KEY,
    game_date            TEXT    NOT NULL,
    season               TEXT    NOT NULL,
    season_type          TEXT    NOT NULL,
    game_code            TEXT,
    status               TEXT    NOT NULL CHECK (status IN ('scheduled', 'live', 'final')),
    home_team            TEXT    NOT NULL,
    away_team            TEXT    NOT NULL,
    home_team_id         INTEGER NOT NULL,
    away_team_id         INTEGER NOT NULL,
    home_score           INTEGER,
    away_score           INTEGER,
    score_source         TEXT,
    tipoff_utc           TEXT,
    is_neutral           BOOLEAN,
    is_cup               BOOLEAN,
    game_subtype         TEXT,
    source               TEXT    NOT NULL,
    schedule_captured_at TEXT,
    payload_sha256       TEXT
);
CREATE INDEX nbac_schedule_by_date ON nbac_schedule (game_date);

CREATE TABLE nbac_player_boxscores (
    game_id        TEXT    NOT NULL,
    player_id      INTEGER NOT NULL,
    game_date      TEXT    NOT NULL,
    season         TEXT    NOT NULL,
    season_type    TEXT    NOT NULL,
    player_name    TEXT    NOT NULL,
    team_id        INTEGER NOT NULL,
    team           TEXT    NOT NULL,
    opponent       TEXT    NOT NULL,
    is_home        BOOLEAN NOT NULL,
    win            BOOLEAN,
    minutes        REAL,
    points         INTEGER NOT NULL,
    fgm            INTEGER NOT NULL,
    fga            INTEGER NOT NULL,
    fg3m           INTEGER NOT NULL,
    fg3a           INTEGER NOT NULL,
    ftm            INTEGER NOT NULL,
    fta            INTEGER NOT NULL,
    oreb           INTEGER NOT NULL,
    dreb           INTEGER NOT NULL,
    reb            INTEGER NOT NULL,
    ast            INTEGER NOT NULL,
    stl            INTEGER NOT NULL,
    blk            INTEGER NOT NULL,
    tov            INTEGER NOT NULL,
    pf             INTEGER NOT NULL,
    plus_minus     INTEGER,
    payload_sha256 TEXT    NOT NULL,
    PRIMARY KEY (game_id, player_id)
);
CREATE INDEX nbac_player_boxscores_by_date ON nbac_player_boxscores (game_date);

CREATE TABLE game_lines (
    game_id           TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    bookmaker         TEXT    NOT NULL,
    game_date         TEXT    NOT NULL,
    home_team         TEXT    NOT NULL,
    away_team         TEXT    NOT NULL,
    total             REAL,
    home_spread       REAL,
    spread_raw        REAL,
    home_moneyline    INTEGER,
    away_moneyline    INTEGER,
    final_total       INTEGER,
    final_home_margin INTEGER,
    teams_swapped     BOOLEAN NOT NULL,
    payload_sha256    TEXT    NOT NULL,
    PRIMARY KEY (game_id, source, bookmaker)
);
CREATE INDEX game_lines_by_date ON game_lines (game_date);

CREATE TABLE odds_player_props (
    event_id       TEXT    NOT NULL,
    bookmaker      TEXT    NOT NULL,
    market         TEXT    NOT NULL,
    player_name    TEXT    NOT NULL,
    line           REAL    NOT NULL,
    snapshot_at    TEXT    NOT NULL,
    game_id        TEXT    NOT NULL,
    game_date      TEXT    NOT NULL,
    over_price     INTEGER,
    under_price    INTEGER,
    last_update    TEXT,
    commence_time  TEXT,
    teams_swapped  BOOLEAN NOT NULL,
    payload_sha256 TEXT    NOT NULL,
    PRIMARY KEY (event_id, bookmaker, market, player_name, line, snapshot_at)
);
CREATE INDEX odds_player_props_by_date ON odds_player_props (game_date);

CREATE TABLE unmatched_rows (
    processor      TEXT NOT NULL,
    partition_key  TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    item           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    PRIMARY KEY (processor, partition_key, payload_sha256, item)
);
