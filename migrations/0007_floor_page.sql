-- The floor page and the analytics (issue 17).

-- Where the floor page draws a zone, metres from the plan's top-left corner;
-- all four or none (the page lays out a zone without them itself).
ALTER TABLE zones ADD COLUMN IF NOT EXISTS layout_x double precision;
ALTER TABLE zones ADD COLUMN IF NOT EXISTS layout_y double precision;
ALTER TABLE zones ADD COLUMN IF NOT EXISTS layout_width double precision;
ALTER TABLE zones ADD COLUMN IF NOT EXISTS layout_height double precision;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'zones_layout_whole') THEN
    ALTER TABLE zones ADD CONSTRAINT zones_layout_whole CHECK (
      (layout_x IS NULL AND layout_y IS NULL AND layout_width IS NULL AND layout_height IS NULL) OR
      (layout_x IS NOT NULL AND layout_y IS NOT NULL AND layout_width > 0 AND layout_height > 0));
  END IF;
END $$;

-- Analytics read a store's visits by the time they started, a customer's
-- earlier visits to the same store (new or returning), and the store's
-- transitions by time (table stays).
CREATE INDEX IF NOT EXISTS visits_by_store_entered
  ON visits (store_id, entered_at) INCLUDE (customer_id, seated_at, left_at);
CREATE INDEX IF NOT EXISTS visits_by_store_customer
  ON visits (store_id, customer_id, entered_at);
CREATE INDEX IF NOT EXISTS zone_transitions_by_store_time
  ON zone_transitions (store_id, at) INCLUDE (from_zone_id, to_zone_id);
