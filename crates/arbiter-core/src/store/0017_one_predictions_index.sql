-- Schema version 17: one covering index on a run's scores instead of five. Every queue strategy
-- reads all of a run's scores and sorts them itself, and the grid's class filter reads one
-- class's rows: `(run_id, predicted, confidence, margin, entropy)` serves both as an
-- index-only scan. The five indexes of migration 2 cost a sort each when a million imported
-- predictions were written (and a B-tree update each per row at inference); none is read
-- that this one does not serve (`given_prob` is read by no query).
DROP INDEX predictions_by_confidence;
DROP INDEX predictions_by_class;
DROP INDEX predictions_by_margin;
DROP INDEX predictions_by_entropy;
DROP INDEX predictions_by_given;
CREATE INDEX predictions_scores ON predictions (run_id, predicted, confidence, margin, entropy);
