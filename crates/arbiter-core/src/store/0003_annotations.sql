-- Schema version 3: annotators, saved queues with overlap and claims, append-only annotations,
-- project settings (the decision rule).
CREATE TABLE settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL                    -- JSON
) WITHOUT ROWID;
INSERT INTO settings (key, value) VALUES ('decision_rule', '{"min_annotators":1}');

CREATE TABLE annotators (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('annotator', 'reviewer', 'lead')),
    created_at  TEXT NOT NULL
);

CREATE TABLE queues (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    run_id          INTEGER NOT NULL REFERENCES runs(id),
    other_run_id    INTEGER REFERENCES runs(id),
    strategy        TEXT NOT NULL,
    threshold       REAL,
    seed            INTEGER NOT NULL,
    limit_n         INTEGER,
    overlap_share   REAL NOT NULL DEFAULT 0 CHECK (overlap_share >= 0 AND overlap_share <= 1),
    overlap_k       INTEGER NOT NULL DEFAULT 1 CHECK (overlap_k >= 1),
    blind           INTEGER NOT NULL DEFAULT 0 CHECK (blind IN (0, 1)),
    lease_seconds   INTEGER NOT NULL DEFAULT 600 CHECK (lease_seconds > 0),
    created_at      TEXT NOT NULL
);

-- The ranked items of a queue; `needed` = how many different annotators label the item (k for
-- the overlap share, else 1).
CREATE TABLE queue_items (
    queue_id    INTEGER NOT NULL REFERENCES queues(id),
    position    INTEGER NOT NULL,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    score       REAL NOT NULL,
    needed      INTEGER NOT NULL CHECK (needed >= 1),
    PRIMARY KEY (queue_id, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX queue_items_by_item ON queue_items (queue_id, item_id);

-- Who is working on which item; a claim lapses at expires_at (unix seconds).
CREATE TABLE claims (
    queue_id        INTEGER NOT NULL REFERENCES queues(id),
    item_id         INTEGER NOT NULL REFERENCES items(id),
    annotator_id    INTEGER NOT NULL REFERENCES annotators(id),
    expires_at      REAL NOT NULL,
    PRIMARY KEY (queue_id, item_id, annotator_id)
) WITHOUT ROWID;

-- Append-only events. A label, a skip, a flag, or the retraction of an earlier event (undo).
CREATE TABLE annotations (
    id                  INTEGER PRIMARY KEY,
    item_id             INTEGER NOT NULL REFERENCES items(id),
    annotator_id        INTEGER NOT NULL REFERENCES annotators(id),
    queue_id            INTEGER REFERENCES queues(id),
    run_id              INTEGER REFERENCES runs(id),      -- whose prediction was (or could have been) shown
    kind                TEXT NOT NULL CHECK (kind IN ('label', 'skip', 'flag', 'retract')),
    label_id            INTEGER REFERENCES labels(id),
    reason_id           INTEGER REFERENCES reasons(id),
    note                TEXT,
    flag                TEXT CHECK (flag IN ('bad_input', 'unsure')),
    seconds             REAL,                              -- time spent on the item
    prediction_shown    INTEGER NOT NULL DEFAULT 0 CHECK (prediction_shown IN (0, 1)),
    source              TEXT NOT NULL CHECK (source IN ('manual', 'accepted_prediction', 'override', 'import')),
    retracts            INTEGER REFERENCES annotations(id),
    created_at          TEXT NOT NULL,
    CHECK ((kind = 'label') = (label_id IS NOT NULL)),
    CHECK ((kind = 'retract') = (retracts IS NOT NULL)),
    CHECK ((kind = 'flag') = (flag IS NOT NULL))
);
CREATE INDEX annotations_by_item ON annotations (item_id, id);
CREATE INDEX annotations_by_annotator ON annotations (annotator_id, id);
CREATE INDEX annotations_by_queue ON annotations (queue_id, item_id);
-- "Is this event retracted?" is asked for every event in every live view.
CREATE INDEX annotations_by_retracts ON annotations (retracts) WHERE retracts IS NOT NULL;
CREATE TRIGGER annotations_no_update BEFORE UPDATE ON annotations
BEGIN SELECT RAISE(ABORT, 'annotations are append-only: record a new event instead'); END;
CREATE TRIGGER annotations_no_delete BEFORE DELETE ON annotations
BEGIN SELECT RAISE(ABORT, 'annotations are append-only: retract with a new event instead'); END;
