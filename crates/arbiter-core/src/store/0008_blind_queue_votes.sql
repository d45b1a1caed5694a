-- Schema version 8: a blind queue counts only the votes given through it, for every item (not
-- only its overlap items): a blind pass asks for labels given without the model's prediction,
-- so labels given elsewhere (with the prediction in view) do not close its items, and a new
-- blind queue over items already labeled starts with them open. An override anywhere still
-- closes the item in every queue. Open queues count as in version 7.

DROP TRIGGER annotations_item_state;

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

-- Recount the single-vote items of blind queues from their queue's events (the counters'
-- trigger moves the queues' counters as each row changes).
UPDATE queue_items SET (labels, overridden, skipped, flagged) = (
    SELECT COUNT(DISTINCT CASE WHEN a.kind = 'label' AND a.queue_id = queue_items.queue_id THEN a.annotator_id END),
           COALESCE((SELECT s.overrides > 0 FROM item_state s WHERE s.item_id = queue_items.item_id), 0),
           COALESCE(SUM(a.kind = 'skip' AND a.queue_id = queue_items.queue_id), 0) > 0,
           COALESCE(SUM(a.kind = 'flag' AND a.queue_id = queue_items.queue_id), 0) > 0
    FROM annotations a
    WHERE a.item_id = queue_items.item_id AND a.kind != 'retract'
      AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
WHERE needed = 1 AND queue_id IN (SELECT id FROM queues WHERE blind);
