-- Feature version 2: the windows the rebounds, assists, PRA and threes markets need.
-- Rows of version 1 keep NULL in these columns.
ALTER TABLE feature_store ADD COLUMN reb_l5 REAL;
ALTER TABLE feature_store ADD COLUMN reb_l10 REAL;
ALTER TABLE feature_store ADD COLUMN reb_season REAL;
ALTER TABLE feature_store ADD COLUMN reb_std_l10 REAL;
ALTER TABLE feature_store ADD COLUMN ast_l5 REAL;
ALTER TABLE feature_store ADD COLUMN ast_l10 REAL;
ALTER TABLE feature_store ADD COLUMN ast_season REAL;
ALTER TABLE feature_store ADD COLUMN ast_std_l10 REAL;
ALTER TABLE feature_store ADD COLUMN pra_l3 REAL;
ALTER TABLE feature_store ADD COLUMN pra_l5 REAL;
ALTER TABLE feature_store ADD COLUMN pra_l10 REAL;
ALTER TABLE feature_store ADD COLUMN pra_season REAL;
ALTER TABLE feature_store ADD COLUMN pra_std_l10 REAL;
ALTER TABLE feature_store ADD COLUMN pra_per_min_l10 REAL;
ALTER TABLE feature_store ADD COLUMN fg3m_l5 REAL;
ALTER TABLE feature_store ADD COLUMN fg3m_l10 REAL;
ALTER TABLE feature_store ADD COLUMN fg3m_season REAL;
ALTER TABLE feature_store ADD COLUMN fg3m_std_l10 REAL;
ALTER TABLE feature_store ADD COLUMN fg3a_l10 REAL;

-- Phase 5: one prediction per (player, game, system, market) against the line it used.
-- A missing line is NULL, and then so are edge, p_over and recommendation.
CREATE TABLE predictions (
    game_id          TEXT NOT NULL,
    player_id        INTEGER NOT NULL,
    system_id        TEXT NOT NULL,
    market           TEXT NOT NULL,
    game_date        TEXT NOT NULL,
    player_name      TEXT NOT NULL,
    team             TEXT NOT NULL,
    opponent         TEXT NOT NULL,
    system_version   TEXT NOT NULL,
    model_version    TEXT NOT NULL,
    feature_version  TEXT NOT NULL,
    predicted        REAL NOT NULL,
    line             REAL,
    line_source      TEXT,
    line_books       INTEGER,
    line_snapshot_at TEXT,
    edge             REAL,
    p_over           REAL,
    recommendation   TEXT,
    PRIMARY KEY (game_id, player_id, system_id, market)
);
CREATE INDEX predictions_by_date ON predictions (game_date);

-- Phase 5b: each prediction graded after its game.
CREATE TABLE prediction_grades (
    game_id        TEXT NOT NULL,
    player_id      INTEGER NOT NULL,
    system_id      TEXT NOT NULL,
    market         TEXT NOT NULL,
    game_date      TEXT NOT NULL,
    system_version TEXT NOT NULL,
    model_version  TEXT NOT NULL,
    predicted      REAL NOT NULL,
    line           REAL,
    line_source    TEXT,
    recommendation TEXT,
    status         TEXT NOT NULL,
    actual         INTEGER,
    abs_error      REAL,
    signed_error   REAL,
    result         TEXT,
    correct        BOOLEAN,
    units          REAL,
    PRIMARY KEY (game_id, player_id, system_id, market)
);
CREATE INDEX prediction_grades_by_date ON prediction_grades (game_date);

-- Every trained model, its training window and its file (addressed by sha256). Written by the
-- predict run of the first game date the model serves (first_used, the partition).
CREATE TABLE model_registry (
    model_id        TEXT NOT NULL,
    version         TEXT NOT NULL,
    first_used      TEXT NOT NULL,
    trained_for     TEXT NOT NULL,
    system_id       TEXT NOT NULL,
    system_version  TEXT NOT NULL,
    market          TEXT NOT NULL,
    feature_version TEXT NOT NULL,
    train_from      TEXT,
    train_to        TEXT,
    train_rows      INTEGER NOT NULL,
    metrics         TEXT NOT NULL,
    file_sha256     TEXT NOT NULL,
    file_path       TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    PRIMARY KEY (model_id, version)
);
CREATE INDEX model_registry_by_date ON model_registry (first_used);
