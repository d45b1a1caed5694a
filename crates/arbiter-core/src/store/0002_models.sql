-- Schema version 2: models, inference runs and their predictions.
CREATE TABLE models (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    file            TEXT NOT NULL,           -- relative to the project folder: models/<sha256>.onnx
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'tabular')),
    inputs          TEXT NOT NULL,           -- JSON [{name, dtype, shape}]
    outputs         TEXT NOT NULL,           -- JSON [{name, dtype, shape}]
    classes         TEXT NOT NULL,           -- JSON array of class names, in output order
    classes_source  TEXT NOT NULL,           -- labels_file | model_metadata | model_graph | project_schema
    preprocess      TEXT NOT NULL,           -- JSON (image: size, layout, color, scale, mean, std, dtype; tabular: features)
    output          TEXT NOT NULL,           -- JSON {probabilities: name, kind: logits|probabilities|zipmap}
    created_at      TEXT NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    model_id        INTEGER NOT NULL REFERENCES models(id),
    version_id      INTEGER NOT NULL REFERENCES dataset_versions(id),
    device          TEXT NOT NULL,           -- requested: auto | cpu | cuda
    provider        TEXT NOT NULL,           -- used: CUDAExecutionProvider | CPUExecutionProvider
    notice          TEXT,                    -- e.g. why CUDA was not used
    batch_size      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed', 'interrupted')),
    items_total     INTEGER NOT NULL,
    items_done      INTEGER NOT NULL DEFAULT 0,
    items_failed    INTEGER NOT NULL DEFAULT 0,
    seconds         REAL NOT NULL DEFAULT 0,  -- wall time over all sessions of the run
    model_seconds   REAL NOT NULL DEFAULT 0,  -- time inside Session::run
    started_at      TEXT NOT NULL,
    finished_at     TEXT
);

-- One row per (run, item). Probabilities: dense little-endian f32 per class when the model has at
-- most 256 classes; beyond that a sparse top-64 list (u32 index + f32 value pairs).
CREATE TABLE predictions (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    item_id     INTEGER NOT NULL REFERENCES items(id),
    predicted   INTEGER,                     -- class index; NULL when the item failed
    confidence  REAL,                        -- max probability
    margin      REAL,                        -- p(1st) − p(2nd)
    entropy     REAL,                        -- −Σ p ln p (natural log)
    given_class INTEGER,                     -- the item's given label as a class index, if the model knows it
    given_prob  REAL,                        -- the probability of that class
    probs       BLOB,
    error       TEXT,                        -- why the item failed
    PRIMARY KEY (run_id, item_id)
) WITHOUT ROWID;

-- Review queues and sorting: covering indexes, so ranking a run is an index-only scan.
CREATE INDEX predictions_by_confidence ON predictions (run_id, confidence);
CREATE INDEX predictions_by_class ON predictions (run_id, predicted, confidence);
CREATE INDEX predictions_by_margin ON predictions (run_id, margin, confidence);
CREATE INDEX predictions_by_entropy ON predictions (run_id, entropy, confidence);
CREATE INDEX predictions_by_given ON predictions (run_id, given_class, predicted, confidence, given_prob);
