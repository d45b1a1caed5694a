-- Dataset versions imported from a Label Studio export (`arbiter import-labelstudio`) are of
-- the source kind 'labelstudio'. Only the CHECK constraint changes, which does not touch the
-- stored rows, so the table's definition is edited in place (SQLite's procedure for such
-- changes; `migrate` bumps the schema version after a migration that writes the schema) rather
-- than rebuilt: the edit holds whatever columns other migrations add to the table.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'source_kind IN (', 'source_kind IN (''labelstudio'', ')
 WHERE type = 'table' AND name = 'dataset_versions' AND sql NOT LIKE '%''labelstudio''%';
PRAGMA writable_schema = OFF;
