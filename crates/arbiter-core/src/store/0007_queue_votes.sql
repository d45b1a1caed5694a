-- Schema version 7: an overlap item counts the votes given in its queue. For a queue item
-- that k > 1 annotators must label (`needed` > 1, the overlap share), `labels` is the number
-- of distinct annotators with a live label recorded through that queue, and `skipped` /
-- `flagged` likewise — so a new overlap queue over items already labeled elsewhere (a blind
-- second pass, to measure agreement on independent votes) starts with those items open. An
-- item one person labels (`needed` = 1) counts every live vote, through any queue or none, as
-- before. An override anywhere still closes the item in every queue. `item_state` (per item,
-- over all events) is unchanged.

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
        SELECT COUNT(DISTINCT CASE WHEN a.kind = 'label' AND (queue_items.needed = 1 OR a.queue_id = queue_items.queue_id) THEN a.annotator_id END),
               (SELECT s.overrides > 0 FROM item_state s WHERE s.item_id = NEW.item_id),
               COALESCE(SUM(a.kind = 'skip' AND (queue_items.needed = 1 OR a.queue_id = queue_items.queue_id)), 0) > 0,
               COALESCE(SUM(a.kind = 'flag' AND (queue_items.needed = 1 OR a.queue_id = queue_items.queue_id)), 0) > 0
        FROM annotations a
        WHERE a.item_id = NEW.item_id AND a.kind != 'retract'
          AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
    WHERE item_id = NEW.item_id;
END;

-- Recount the overlap items from their queue's events (the counters' trigger moves the
-- queues' counters as each row changes).
UPDATE queue_items SET (labels, overridden, skipped, flagged) = (
    SELECT COUNT(DISTINCT CASE WHEN a.kind = 'label' AND a.queue_id = queue_items.queue_id THEN a.annotator_id END),
           COALESCE((SELECT s.overrides > 0 FROM item_state s WHERE s.item_id = queue_items.item_id), 0),
           COALESCE(SUM(a.kind = 'skip' AND a.queue_id = queue_items.queue_id), 0) > 0,
           COALESCE(SUM(a.kind = 'flag' AND a.queue_id = queue_items.queue_id), 0) > 0
    FROM annotations a
    WHERE a.item_id = queue_items.item_id AND a.kind != 'retract'
      AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
WHERE needed > 1;
