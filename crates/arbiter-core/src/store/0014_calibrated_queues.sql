-- Schema version 14: queues ranked by calibrated confidence. A queue saved with `--calibrated`
-- ranks and thresholds its run's items by softmax(ln p / T) under the run's fitted temperature;
-- `temperature` keeps the T it used (NULL: the model's own confidence), so the queue says what
-- its scores mean even after the run is calibrated again.
ALTER TABLE queues ADD COLUMN temperature REAL CHECK (temperature IS NULL OR temperature > 0);
