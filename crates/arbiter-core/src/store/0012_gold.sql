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
