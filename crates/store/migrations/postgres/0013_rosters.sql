-- Rosters and player movement from nba.com, so a traded player is expected for his new team and
-- a rookie from the first player list that names him.

-- One row per player transaction (signing, trade, waiver), partitioned by its date.
CREATE TABLE nbac_player_movement (
    transaction_date TEXT    NOT NULL,
    player_id        BIGINT NOT NULL,
    team             TEXT    NOT NULL,
    transaction_type TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    direction        TEXT    NOT NULL,
    payload_sha256   TEXT    NOT NULL,
    CHECK (direction IN ('joins', 'leaves')),
    PRIMARY KEY (transaction_date, player_id, team, transaction_type, description)
);
CREATE INDEX nbac_player_movement_by_player ON nbac_player_movement (player_id);

-- One row per capture of the season's player list and rostered player, partitioned by the
-- capture's Eastern date; captured_at is the instant (a list is usable only after it).
CREATE TABLE nbac_player_list (
    captured_on    TEXT    NOT NULL,
    captured_at    TEXT    NOT NULL,
    season         TEXT    NOT NULL,
    player_id      BIGINT NOT NULL,
    player_name    TEXT    NOT NULL,
    team           TEXT    NOT NULL,
    payload_sha256 TEXT    NOT NULL,
    PRIMARY KEY (captured_at, player_id)
);
CREATE INDEX nbac_player_list_by_date ON nbac_player_list (captured_on);
