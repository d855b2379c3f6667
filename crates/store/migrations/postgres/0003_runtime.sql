-- The job runtime: durable jobs, fenced leases, bounded heartbeats.
-- Instants here are integer milliseconds since the Unix epoch (compared as numbers, so they
-- cannot be mis-ordered by formatting); `day` is the partition's date as days since 1970-01-01,
-- so windows of days are integer ranges on both backends.

CREATE TABLE jobs (
    job_id          BIGSERIAL PRIMARY KEY,
    processor       TEXT    NOT NULL,
    partition_key   TEXT    NOT NULL,
    day             BIGINT NOT NULL,
    generation      BIGINT NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    correlation_id  TEXT    NOT NULL,
    group_id        TEXT,
    reason          TEXT    NOT NULL,
    created_at      BIGINT NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT,
    worker          TEXT,
    epoch           BIGINT,
    outcome         TEXT CHECK (outcome IN ('changed', 'unchanged', 'no_input')),
    last_error      TEXT,
    -- Positions on one logical clock (runtime_seq): a trigger from an upstream run that finished
    -- at F re-runs a downstream partition only if its latest job was claimed before F, so a
    -- re-delivered or out-of-order trigger finds the work already done and changes nothing.
    claimed_seq     BIGINT,
    finished_seq    BIGINT,
    UNIQUE (processor, partition_key, generation)
);
CREATE INDEX jobs_by_processor_day ON jobs (processor, day);
CREATE INDEX jobs_pending ON jobs (processor, day) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_by_group ON jobs (group_id, state);
CREATE INDEX jobs_by_state ON jobs (state, next_attempt_at);

-- One row per (processor, partition): who may write it, under which epoch, until when.
CREATE TABLE leases (
    processor     TEXT    NOT NULL,
    partition_key TEXT    NOT NULL,
    holder        TEXT,
    epoch         BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (processor, partition_key)
);

-- The logical clock of claims and finishes: a sequence takes no row lock, so claims never wait
-- for another transaction's commit to get their number.
CREATE SEQUENCE runtime_seq;

-- A backfill: its cap on running workers, and the last phase its successes trigger (NULL: all).
CREATE TABLE job_groups (
    group_id    TEXT    NOT NULL PRIMARY KEY,
    max_running BIGINT NOT NULL,
    max_phase   BIGINT,
    created_at  BIGINT NOT NULL,
    description TEXT    NOT NULL
);

-- One row per worker name, however often it restarts.
CREATE TABLE worker_heartbeats (
    worker           TEXT    NOT NULL PRIMARY KEY,
    host             TEXT    NOT NULL,
    pid              BIGINT NOT NULL,
    build            TEXT    NOT NULL,
    started_at       BIGINT NOT NULL,
    last_beat_at     BIGINT NOT NULL,
    state            TEXT    NOT NULL,
    current_job      TEXT,
    jobs_done        BIGINT NOT NULL,
    jobs_failed      BIGINT NOT NULL,
    heartbeat_errors BIGINT NOT NULL
);

-- One row per processor.
CREATE TABLE processor_heartbeats (
    processor       TEXT    NOT NULL PRIMARY KEY,
    last_run_at     BIGINT NOT NULL,
    last_partition  TEXT    NOT NULL,
    last_status     TEXT    NOT NULL,
    last_success_at BIGINT,
    last_error_at   BIGINT,
    last_error      TEXT,
    build           TEXT    NOT NULL
);

-- Runs say which job, generation, lease epoch and worker produced them.
ALTER TABLE runs ADD COLUMN job_id BIGINT;
ALTER TABLE runs ADD COLUMN generation BIGINT;
ALTER TABLE runs ADD COLUMN epoch BIGINT;
ALTER TABLE runs ADD COLUMN worker TEXT;
ALTER TABLE runs ADD COLUMN correlation_id TEXT;
CREATE INDEX runs_by_job ON runs (job_id);
