-- Schema version 10: the annotations table rebuilt with the same columns, rows, indexes and
-- triggers; only two CHECK constraints are restated. `kind IN (four values)` and `source IN
-- (four values)` made SQLite build a temporary index for each list on every inserted event
-- (about a third of an insert's cost); the same constraints written as comparisons do not.
-- The rebuild follows SQLite's procedure for table changes (foreign keys are off while a
-- migration runs, and checked before it commits).

CREATE TABLE annotations_new (
    id                  INTEGER PRIMARY KEY,
    item_id             INTEGER NOT NULL REFERENCES items(id),
    annotator_id        INTEGER NOT NULL REFERENCES annotators(id),
    queue_id            INTEGER REFERENCES queues(id),
    run_id              INTEGER REFERENCES runs(id),      -- whose prediction was (or could have been) shown
    kind                TEXT NOT NULL CHECK (kind = 'label' OR kind = 'skip' OR kind = 'flag' OR kind = 'retract'),
    label_id            INTEGER REFERENCES labels(id),
    reason_id           INTEGER REFERENCES reasons(id),
    note                TEXT,
    flag                TEXT CHECK (flag = 'bad_input' OR flag = 'unsure'),
    seconds             REAL,                              -- time spent on the item
    prediction_shown    INTEGER NOT NULL DEFAULT 0 CHECK (prediction_shown = 0 OR prediction_shown = 1),
    source              TEXT NOT NULL CHECK (source = 'manual' OR source = 'accepted_prediction'
                                             OR source = 'override' OR source = 'import'),
    retracts            INTEGER REFERENCES annotations(id),
    created_at          TEXT NOT NULL,
    uid                 TEXT,                              -- global id (UUIDv7), given once
    origin              INTEGER REFERENCES origins(id),    -- the replica the event was made on
    seq                 INTEGER,                           -- its sequence number there
    CHECK ((kind = 'label') = (label_id IS NOT NULL)),
    CHECK ((kind = 'retract') = (retracts IS NOT NULL)),
    CHECK ((kind = 'flag') = (flag IS NOT NULL))
);

INSERT INTO annotations_new (id, item_id, annotator_id, queue_id, run_id, kind, label_id, reason_id,
                             note, flag, seconds, prediction_shown, source, retracts, created_at,
                             uid, origin, seq)
SELECT id, item_id, annotator_id, queue_id, run_id, kind, label_id, reason_id,
       note, flag, seconds, prediction_shown, source, retracts, created_at,
       uid, origin, seq
FROM annotations ORDER BY id;

DROP TABLE annotations;
ALTER TABLE annotations_new RENAME TO annotations;

CREATE INDEX annotations_by_item ON annotations (item_id, id);
CREATE INDEX annotations_by_annotator ON annotations (annotator_id, id);
CREATE INDEX annotations_by_queue ON annotations (queue_id, item_id);
CREATE INDEX annotations_by_retracts ON annotations (retracts) WHERE retracts IS NOT NULL;
CREATE UNIQUE INDEX annotations_by_uid ON annotations (uid);
CREATE UNIQUE INDEX annotations_by_stamp ON annotations (origin, seq);

CREATE TRIGGER annotations_no_delete BEFORE DELETE ON annotations
BEGIN SELECT RAISE(ABORT, 'annotations are append-only: retract with a new event instead'); END;
CREATE TRIGGER annotations_no_update BEFORE UPDATE OF item_id, annotator_id, queue_id, run_id, kind, label_id,
    reason_id, note, flag, seconds, prediction_shown, source, retracts, created_at ON annotations
BEGIN SELECT RAISE(ABORT, 'annotations are append-only: record a new event instead'); END;
CREATE TRIGGER annotations_identity_once BEFORE UPDATE OF uid, origin, seq ON annotations
WHEN OLD.uid IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'annotations are append-only: an event''s id never changes'); END;

-- The review-state trigger as version 8 left it.
CREATE TRIGGER annotations_item_state AFTER INSERT ON annotations
BEGIN
    INSERT OR IGNORE INTO item_state (item_id) VALUES (NEW.item_id);
    UPDATE item_state SET (labelers, overrides, skips, flags) = (
        SELECT COUNT(DISTINCT CASE WHEN a.kind = 'label' THEN a.annotator_id END),
               COALESCE(SUM(a.kind = 'label' AND a.source = 'override'), 0),
               COALESCE(SUM(a.kind = 'skip'), 0),
               COALESCE(SUM(a.kind = 'flag'), 0)
        FROM annotations a
        WHERE a.item_id = NEW.item_id AND a.kind != 'retract'
          AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
    WHERE item_id = NEW.item_id;
    UPDATE queue_items SET (labels, overridden, skipped, flagged) = (
        SELECT COUNT(DISTINCT CASE WHEN a.kind = 'label' AND (own.every OR a.queue_id = queue_items.queue_id) THEN a.annotator_id END),
               (SELECT s.overrides > 0 FROM item_state s WHERE s.item_id = NEW.item_id),
               COALESCE(SUM(a.kind = 'skip' AND (own.every OR a.queue_id = queue_items.queue_id)), 0) > 0,
               COALESCE(SUM(a.kind = 'flag' AND (own.every OR a.queue_id = queue_items.queue_id)), 0) > 0
        FROM annotations a,
             -- Whether every live event counts (an open queue's single-vote item), or only
             -- those given through this queue (an overlap item, or any item of a blind queue).
             (SELECT queue_items.needed = 1 AND NOT q.blind AS every
              FROM queues q WHERE q.id = queue_items.queue_id) AS own
        WHERE a.item_id = NEW.item_id AND a.kind != 'retract'
          AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
    WHERE item_id = NEW.item_id;
END;
