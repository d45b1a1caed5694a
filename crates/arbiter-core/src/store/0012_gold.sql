-- Schema version 12: gold items — items whose right label a lead knows, used to score annotators
-- and never shown to them. The answers are synchronised setting events (key `gold:` followed by
-- the JSON array [dataset name, version content hash, item id]; value {"label": …}, or null once
-- removed); this table holds the winning answers, rebuilt from those events
-- (`gold::apply`), for the decisions and the scores to join.
CREATE TABLE gold (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id),
    label_id    INTEGER NOT NULL REFERENCES labels(id),
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL
);

-- Serving gold: a queue hands each annotator gold items among its own — the first
-- `gold_warmup` items each person gets, then each further one with probability `gold_rate`
-- (deterministic by the queue's seed, the person and the slot). A qualification queue serves
-- only gold items and grades each annotator after `pass_items` of them ({"pass_accuracy": A,
-- "pass_items": N}); annotators claim from other queues only once they passed every one.
ALTER TABLE queues ADD COLUMN gold_rate REAL NOT NULL DEFAULT 0 CHECK (gold_rate >= 0 AND gold_rate <= 1);
ALTER TABLE queues ADD COLUMN gold_warmup INTEGER NOT NULL DEFAULT 0 CHECK (gold_warmup >= 0);
ALTER TABLE queues ADD COLUMN qualification TEXT;
