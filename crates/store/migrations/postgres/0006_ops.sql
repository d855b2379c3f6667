-- Operations: the scheduler's ticks and the alerts that were raised.
-- Instants are integer milliseconds since the Unix epoch, as in the runtime's tables.

-- One row per (schedule, cron instant): the primary key is what makes two schedulers (two
-- `serve` processes on one PostgreSQL database, or a restart mid-tick) fire a tick once. The
-- row is inserted in the transaction that decides the tick; only its inserter enqueues work.
CREATE TABLE schedule_ticks (
    schedule     TEXT    NOT NULL,
    tick_at      BIGINT NOT NULL,
    -- The US Eastern game date the tick's work is for (its date word resolved at tick_at).
    for_date     TEXT    NOT NULL,
    -- fired: jobs were enqueued; no_games: a day without games; off_season: no games within
    -- the off-season horizon; skipped: missed during downtime, older than the catch-up policy.
    state        TEXT    NOT NULL CHECK (state IN ('fired', 'no_games', 'off_season', 'skipped')),
    jobs_created BIGINT NOT NULL,
    decided_at   BIGINT NOT NULL,
    decided_by   TEXT    NOT NULL,
    PRIMARY KEY (schedule, tick_at)
);

-- One row per (rule, key, day): an alert is delivered at most once per condition and Eastern
-- day however often it flaps; later sightings only bump last_seen_at and occurrences.
CREATE TABLE alerts (
    rule         TEXT    NOT NULL,
    alert_key    TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    first_at     BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    occurrences  BIGINT NOT NULL,
    -- NULL: suppressed by the rate limit (logged only).
    delivered_at BIGINT,
    delivery     TEXT    NOT NULL,
    PRIMARY KEY (rule, alert_key, day)
);
CREATE INDEX alerts_by_delivery ON alerts (delivered_at);
