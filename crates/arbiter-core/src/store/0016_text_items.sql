-- Schema version 16: text items. An item's text lives in `item_texts` (one row per text item,
-- kept out of `items` so scans of image and feature datasets stay as small as before); a
-- version records the manifest's text column, and a folder of `.txt` files is a source kind of
-- its own; a model can read text. `dataset_versions` and `models` are rebuilt with the same
-- columns and rows to widen their CHECK constraints, following SQLite's procedure for table
-- changes (foreign keys are off while a migration runs, and checked before it commits).

CREATE TABLE item_texts (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id),
    text        TEXT NOT NULL
);

CREATE TABLE dataset_versions_new (
    id              INTEGER PRIMARY KEY,
    dataset_id      INTEGER NOT NULL REFERENCES datasets(id),
    version         INTEGER NOT NULL,
    content_hash    TEXT NOT NULL,
    source          TEXT NOT NULL,
    source_kind     TEXT NOT NULL CHECK (source_kind IN ('labelstudio', 'csv', 'parquet', 'jsonl', 'image_folder', 'text_folder')),
    root            TEXT NOT NULL,
    id_col          TEXT,
    path_col        TEXT,
    label_col       TEXT,
    feature_names   TEXT NOT NULL,
    item_count      INTEGER NOT NULL,
    labeled_count   INTEGER NOT NULL,
    first_rowid     INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    media_in_project TEXT,
    text_col        TEXT,                    -- the manifest's text column; NULL for a text folder and non-text versions
    texts           INTEGER NOT NULL DEFAULT 0 CHECK (texts IN (0, 1)),  -- 1: the items are texts (in item_texts)
    UNIQUE (dataset_id, version)
);
INSERT INTO dataset_versions_new (id, dataset_id, version, content_hash, source, source_kind, root,
    id_col, path_col, label_col, feature_names, item_count, labeled_count, first_rowid, created_at,
    media_in_project)
SELECT id, dataset_id, version, content_hash, source, source_kind, root,
    id_col, path_col, label_col, feature_names, item_count, labeled_count, first_rowid, created_at,
    media_in_project
FROM dataset_versions ORDER BY id;
DROP TABLE dataset_versions;
ALTER TABLE dataset_versions_new RENAME TO dataset_versions;

CREATE TABLE models_new (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    file            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'tabular', 'text')),
    inputs          TEXT NOT NULL,
    outputs         TEXT NOT NULL,
    classes         TEXT NOT NULL,
    classes_source  TEXT NOT NULL,
    preprocess      TEXT NOT NULL,
    output          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (name, version)
);
INSERT INTO models_new (id, name, version, sha256, file, kind, inputs, outputs, classes,
    classes_source, preprocess, output, created_at)
SELECT id, name, version, sha256, file, kind, inputs, outputs, classes,
    classes_source, preprocess, output, created_at
FROM models ORDER BY id;
DROP TABLE models;
ALTER TABLE models_new RENAME TO models;
