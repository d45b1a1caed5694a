-- Schema version 1: project, label schema, correction reasons, datasets, versions, items, audit log.
CREATE TABLE project (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    name            TEXT NOT NULL,
    ordinal_labels  INTEGER NOT NULL DEFAULT 0 CHECK (ordinal_labels IN (0, 1)),
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL            -- Arbiter version that created the project
);

CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    hotkey      TEXT UNIQUE,
    color       TEXT NOT NULL,
    guideline   TEXT,
    position    INTEGER NOT NULL UNIQUE      -- display order; the ordinal rank when ordinal_labels = 1
);

CREATE TABLE reasons (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    position    INTEGER NOT NULL UNIQUE
);

CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE dataset_versions (
    id              INTEGER PRIMARY KEY,
    dataset_id      INTEGER NOT NULL REFERENCES datasets(id),
    version         INTEGER NOT NULL,
    content_hash    TEXT NOT NULL,
    source          TEXT NOT NULL,           -- the manifest file or image folder, absolute
    source_kind     TEXT NOT NULL CHECK (source_kind IN ('csv', 'parquet', 'jsonl', 'image_folder')),
    root            TEXT NOT NULL,           -- media paths are relative to this folder
    id_col          TEXT,
    path_col        TEXT,
    label_col       TEXT,
    feature_names   TEXT NOT NULL,           -- JSON array, the order of items.features
    item_count      INTEGER NOT NULL,
    labeled_count   INTEGER NOT NULL,
    first_rowid     INTEGER NOT NULL,        -- items of a version occupy rowids first_rowid .. first_rowid + item_count - 1, in source order
    created_at      TEXT NOT NULL,
    UNIQUE (dataset_id, version)
);

-- One row per item of a dataset version. Sized for millions: integer keys, packed features.
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,         -- = first_rowid + position in the source
    version_id  INTEGER NOT NULL REFERENCES dataset_versions(id),
    ext_id      TEXT NOT NULL,               -- the id from the source
    path        TEXT,                        -- media path relative to the version's root ('/' separated)
    media_hash  BLOB,                        -- blake3 of the media file's bytes at import
    label_id    INTEGER REFERENCES labels(id),  -- the given label
    metadata    TEXT,                        -- JSON object of the other columns, NULL when empty
    features    BLOB                         -- little-endian f64 per feature_names entry, NaN = missing
);
CREATE UNIQUE INDEX items_by_ext_id ON items (version_id, ext_id);
CREATE INDEX items_by_label ON items (version_id, label_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    details     TEXT NOT NULL                -- JSON object
);
