-- Schema version 11: access for `arbiter serve`. An invitation gives an annotator a token that
-- serves twice: a sign-in link a browser uses once (it becomes a session), and a bearer token for
-- scripts until it expires or is revoked. Only each token's SHA-256 is stored. Access belongs to
-- this machine: it is not part of the events replicas exchange.
CREATE TABLE access_tokens (
    id              INTEGER PRIMARY KEY,
    annotator_id    INTEGER NOT NULL REFERENCES annotators(id),
    kind            TEXT NOT NULL CHECK (kind = 'invite' OR kind = 'session'),
    token_sha256    TEXT NOT NULL UNIQUE,
    invite_id       INTEGER REFERENCES access_tokens(id),   -- a session's invitation
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    signed_in_at    TEXT,                                    -- an invitation's link, used
    revoked_at      TEXT,
    last_used_at    TEXT
);
CREATE INDEX access_tokens_by_annotator ON access_tokens (annotator_id, kind);
