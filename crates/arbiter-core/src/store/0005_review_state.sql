-- Schema version 5: review state kept beside the append-only events, so claiming the next item
-- and counting a queue are index reads instead of scans over every queue item; the decision
-- rule gains a mode.
--
-- The decision rule: `mode` is "majority" (unanimous or a strict majority of at least
-- `min_annotators`; the behaviour before this version) or "unanimous" (every vote agrees).
UPDATE settings SET value = json_set(value, '$.mode', 'majority')
WHERE key = 'decision_rule' AND json_extract(value, '$.mode') IS NULL;

-- Per annotated item, what its live (not retracted) events add up to. Maintained by the trigger
-- below inside the transaction that writes the event; recomputed from the item's events, so it
-- can never drift from them.
CREATE TABLE item_state (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id),
    labelers    INTEGER NOT NULL DEFAULT 0,   -- distinct annotators with a live label
    overrides   INTEGER NOT NULL DEFAULT 0,   -- live overrides
    skips       INTEGER NOT NULL DEFAULT 0,   -- live skips
    flags       INTEGER NOT NULL DEFAULT 0    -- live flags
);

-- The same state mirrored onto every queue item of the item, for the open-items index and the
-- per-queue counters.
ALTER TABLE queue_items ADD COLUMN labels INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_items ADD COLUMN overridden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_items ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_items ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
-- Which queue items hold an item (the trigger updates them all).
CREATE INDEX queue_items_by_item_id ON queue_items (item_id);
-- Items still open (fewer labels than needed, no override), in queue order: the claim reads
-- this instead of walking past every finished item.
CREATE INDEX queue_items_open ON queue_items (queue_id, position)
    WHERE labels < needed AND overridden = 0;

-- Per-queue counters (untouched = items - done - partial).
ALTER TABLE queues ADD COLUMN items INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;

-- Claims of a queue by annotator (renewing and spending one's own claims).
CREATE INDEX claims_by_annotator ON claims (queue_id, annotator_id);

-- Backfill from the events already recorded.
INSERT INTO item_state (item_id, labelers, overrides, skips, flags)
SELECT a.item_id,
       COUNT(DISTINCT CASE WHEN a.kind = 'label' THEN a.annotator_id END),
       COALESCE(SUM(a.kind = 'label' AND a.source = 'override'), 0),
       COALESCE(SUM(a.kind = 'skip'), 0),
       COALESCE(SUM(a.kind = 'flag'), 0)
FROM annotations a
WHERE a.kind != 'retract' AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
GROUP BY a.item_id;

UPDATE queue_items SET (labels, overridden, skipped, flagged) =
    (SELECT s.labelers, s.overrides > 0, s.skips > 0, s.flags > 0 FROM item_state s WHERE s.item_id = queue_items.item_id)
WHERE item_id IN (SELECT item_id FROM item_state);

UPDATE queues SET
    items   = (SELECT COUNT(*) FROM queue_items q WHERE q.queue_id = queues.id),
    done    = (SELECT COUNT(*) FROM queue_items q WHERE q.queue_id = queues.id AND (q.labels >= q.needed OR q.overridden)),
    partial = (SELECT COUNT(*) FROM queue_items q WHERE q.queue_id = queues.id AND q.labels > 0 AND q.labels < q.needed AND NOT q.overridden),
    skipped = (SELECT COUNT(*) FROM queue_items q WHERE q.queue_id = queues.id AND q.skipped),
    flagged = (SELECT COUNT(*) FROM queue_items q WHERE q.queue_id = queues.id AND q.flagged);

-- Every new event (a label, skip, flag or retraction) recomputes its item's state from the
-- item's live events and mirrors it onto the item's queue items.
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
    UPDATE queue_items SET (labels, overridden, skipped, flagged) =
        (SELECT s.labelers, s.overrides > 0, s.skips > 0, s.flags > 0 FROM item_state s WHERE s.item_id = NEW.item_id)
    WHERE item_id = NEW.item_id;
END;

-- A queue item's change of state moves the queue's counters.
CREATE TRIGGER queue_items_counters AFTER UPDATE OF labels, overridden, skipped, flagged ON queue_items
BEGIN
    UPDATE queues SET
        done    = done + ((NEW.labels >= NEW.needed OR NEW.overridden) - (OLD.labels >= OLD.needed OR OLD.overridden)),
        partial = partial + ((NEW.labels > 0 AND NEW.labels < NEW.needed AND NOT NEW.overridden)
                           - (OLD.labels > 0 AND OLD.labels < OLD.needed AND NOT OLD.overridden)),
        skipped = skipped + ((NEW.skipped != 0) - (OLD.skipped != 0)),
        flagged = flagged + ((NEW.flagged != 0) - (OLD.flagged != 0))
    WHERE id = NEW.queue_id;
END;
