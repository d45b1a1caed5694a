-- Schema version 6: the file says it is Arbiter's. `application_id` (in the database header)
-- lets Arbiter tell its own projects from other applications' SQLite files; 0x41524249 is
-- "ARBI" in ASCII.
PRAGMA application_id = 1095909961;
