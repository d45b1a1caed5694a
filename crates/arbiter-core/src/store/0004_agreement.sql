-- Schema version 4: every computed project agreement, for trends and audits.
CREATE TABLE agreement_history (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    scope       TEXT NOT NULL,           -- "project" or "dataset NAME@VERSION"
    annotations INTEGER NOT NULL,
    report      TEXT NOT NULL            -- the agreement JSON
);
