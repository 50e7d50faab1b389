-- Where each store is, so an impossible jump between two stores (a cloned or
-- replayed signal) can be refused (plausibility.max_speed_kmh). Optional:
-- stores without a location are not checked.
ALTER TABLE stores ADD COLUMN IF NOT EXISTS latitude double precision;
ALTER TABLE stores ADD COLUMN IF NOT EXISTS longitude double precision;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'stores_location_valid') THEN
    ALTER TABLE stores ADD CONSTRAINT stores_location_valid CHECK (
      (latitude IS NULL AND longitude IS NULL) OR
      (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180));
  END IF;
END $$;
