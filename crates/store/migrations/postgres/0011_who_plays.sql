-- Who plays: each expected player's status on the latest injury report captured before the
-- game's scheduled tip-off (NULL when no report before it covers his team's game).
ALTER TABLE upcoming_player_game_context ADD COLUMN injury_status TEXT;
ALTER TABLE upcoming_player_game_context ADD COLUMN injury_reason TEXT;
ALTER TABLE upcoming_player_game_context ADD COLUMN injury_report_at TEXT;

-- Feature version 3: the player's own status (ordinal) and his teammates ruled out.
ALTER TABLE feature_store ADD COLUMN injury_status_ordinal BIGINT;
ALTER TABLE feature_store ADD COLUMN teammates_out BIGINT;
ALTER TABLE feature_store ADD COLUMN teammates_out_min_l10 DOUBLE PRECISION;
ALTER TABLE feature_store ADD COLUMN teammates_out_usage_share DOUBLE PRECISION;

-- A DOUBTFUL / QUESTIONABLE / PROBABLE (or AVAILABLE) player is predicted and flagged.
ALTER TABLE predictions ADD COLUMN injury_status TEXT;

-- An OUT player gets no prediction; why is kept here, one row per player, game and market.
CREATE TABLE prediction_exclusions (
    game_id          TEXT NOT NULL,
    player_id        BIGINT NOT NULL,
    market           TEXT NOT NULL,
    game_date        TEXT NOT NULL,
    player_name      TEXT NOT NULL,
    team             TEXT NOT NULL,
    reason           TEXT NOT NULL,
    injury_status    TEXT,
    injury_reason    TEXT,
    injury_report_at TEXT,
    PRIMARY KEY (game_id, player_id, market)
);
CREATE INDEX prediction_exclusions_by_date ON prediction_exclusions (game_date);
