-- Schema version 9: portable identity, so that copies of one project on several machines
-- (replicas) can exchange their events in packs and merge exactly.
--
-- Every event that leaves the machine — an annotation or retraction, a setting change (the
-- decision rule, the ordinal switch, a label's definition), a saved queue, a finished run —
-- carries a global id (`uid`, a UUIDv7) and a stamp: the replica it was made on (`origin`) and
-- its sequence number there (`seq`, 1, 2, 3, … per replica, over all kinds of events). Ids are
-- given to older projects' rows when they are first opened by this version (in Rust: a UUIDv7
-- needs the row's time).

-- The project's id, made at `init`; every replica of the project has the same.
ALTER TABLE project ADD COLUMN uid TEXT;

-- Every replica whose events this copy holds, and how far: it holds that replica's events
-- 1..seen, without gaps (packs are refused when they would leave one).
CREATE TABLE origins (
    id      INTEGER PRIMARY KEY,
    uid     TEXT NOT NULL UNIQUE,
    seen    INTEGER NOT NULL DEFAULT 0 CHECK (seen >= 0)
);

-- This copy: its replica (an `origins` row) and the identity of the database file it was given
-- to. A file that is not that one (a `cp -r` of the folder, a restored backup, a clone) gets a
-- new replica id when it is opened, so two copies never make events under one id.
CREATE TABLE replica (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    origin      INTEGER NOT NULL REFERENCES origins(id),
    file_key    TEXT NOT NULL,
    since       TEXT NOT NULL
);

ALTER TABLE annotations ADD COLUMN uid TEXT;
ALTER TABLE annotations ADD COLUMN origin INTEGER REFERENCES origins(id);
ALTER TABLE annotations ADD COLUMN seq INTEGER;
CREATE UNIQUE INDEX annotations_by_uid ON annotations (uid);
CREATE UNIQUE INDEX annotations_by_stamp ON annotations (origin, seq);
-- Annotations stay append-only; their identity may be given once (to rows made before this
-- version), never changed.
DROP TRIGGER annotations_no_update;
CREATE TRIGGER annotations_no_update BEFORE UPDATE OF item_id, annotator_id, queue_id, run_id, kind, label_id,
    reason_id, note, flag, seconds, prediction_shown, source, retracts, created_at ON annotations
BEGIN SELECT RAISE(ABORT, 'annotations are append-only: record a new event instead'); END;
CREATE TRIGGER annotations_identity_once BEFORE UPDATE OF uid, origin, seq ON annotations
WHEN OLD.uid IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'annotations are append-only: an event''s id never changes'); END;

-- Settings as last-writer-wins registers: each change is an event; a key's value is that of
-- its latest event by (at, uid) — the same on every replica, whatever order events arrived in.
-- Keys: `decision_rule` (the rule's JSON), `ordinal_labels` (true/false), `label:NAME` (a
-- label's hotkey, colour and guideline; its first event places it in the schema's order).
CREATE TABLE setting_events (
    id      INTEGER PRIMARY KEY,
    uid     TEXT NOT NULL UNIQUE,
    origin  INTEGER NOT NULL REFERENCES origins(id),
    seq     INTEGER NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,           -- JSON
    actor   TEXT NOT NULL,
    at      TEXT NOT NULL,
    UNIQUE (origin, seq)
);
CREATE INDEX setting_events_by_key ON setting_events (key, at, uid);

-- Saved queues and finished runs are events too (a queue's items travel with it; a run's
-- predictions with it).
ALTER TABLE queues ADD COLUMN uid TEXT;
ALTER TABLE queues ADD COLUMN origin INTEGER REFERENCES origins(id);
ALTER TABLE queues ADD COLUMN seq INTEGER;
-- Work split without a server: the annotators an `--assign` queue hands its items to (JSON
-- array of names; NULL: anyone), and each item's chosen annotators.
ALTER TABLE queues ADD COLUMN assignees TEXT;
CREATE UNIQUE INDEX queues_by_uid ON queues (uid);
CREATE UNIQUE INDEX queues_by_stamp ON queues (origin, seq);
CREATE TABLE queue_assignees (
    queue_id    INTEGER NOT NULL REFERENCES queues(id),
    item_id     INTEGER NOT NULL REFERENCES items(id),
    annotator   TEXT NOT NULL,
    PRIMARY KEY (queue_id, item_id, annotator)
) WITHOUT ROWID;

ALTER TABLE runs ADD COLUMN uid TEXT;
ALTER TABLE runs ADD COLUMN origin INTEGER REFERENCES origins(id);
ALTER TABLE runs ADD COLUMN seq INTEGER;   -- given when the run is done
CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
CREATE UNIQUE INDEX runs_by_stamp ON runs (origin, seq);

-- Events that arrived before what they need (a retraction before the event it retracts):
-- kept, counted as known, and applied when what they need arrives.
CREATE TABLE pending_events (
    uid     TEXT PRIMARY KEY,
    origin  INTEGER NOT NULL REFERENCES origins(id),
    seq     INTEGER NOT NULL,
    waits   TEXT NOT NULL,           -- the uid it waits for
    body    TEXT NOT NULL,           -- the event as the pack held it (JSON)
    UNIQUE (origin, seq)
) WITHOUT ROWID;

-- Media copied into the project by `arbiter clone --media copy`: the folder under the project
-- that holds a version's media ('/' separated); `root` is re-pointed there when the project
-- folder has moved.
ALTER TABLE dataset_versions ADD COLUMN media_in_project TEXT;

-- Shared-folder sync: what this replica wrote and read in each folder.
CREATE TABLE sync_folders (
    dir         TEXT PRIMARY KEY,
    written     TEXT NOT NULL DEFAULT '{}',   -- the stamp (JSON {replica: seq}) its last pack reached
    next_pack   INTEGER NOT NULL DEFAULT 1,
    last_sync   TEXT,
    last_error  TEXT
) WITHOUT ROWID;
CREATE TABLE sync_folder_packs (
    dir         TEXT NOT NULL,
    replica     TEXT NOT NULL,
    pack        INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('imported', 'refused', 'written')),
    events      INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    at          TEXT NOT NULL,
    PRIMARY KEY (dir, replica, pack)
) WITHOUT ROWID;
