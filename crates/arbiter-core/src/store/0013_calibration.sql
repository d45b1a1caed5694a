-- Schema version 13: certified auto-accept. The auto-accept in force is the synchronised setting
-- `autoaccept` (the run's uid, threshold, temperature, sample, risk, delta; null once revoked);
-- a run's temperature is the setting `temperature:RUN_UID`. This table holds the items the
-- auto-accept in force accepts (its run's items whose calibrated confidence is at least the
-- threshold), rebuilt from the setting and the run's predictions (`calibration::refresh`), for
-- the decisions to join: such an item without a person's label is decided by the rule `auto`.
CREATE TABLE auto_accepted (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id),
    label       TEXT NOT NULL,      -- the predicted class
    event       TEXT NOT NULL,      -- the uid of the `autoaccept` setting event
    at          TEXT NOT NULL       -- when it was applied (the event's time)
);
