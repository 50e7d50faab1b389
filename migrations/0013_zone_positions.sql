-- Where a customer in a zone is on the floor plan (metres, the layout's
-- frame): the zone filter's neighbours and distances (docs/accuracy.md). Both
-- or neither; a zone without one keeps today's behaviour.
ALTER TABLE zones ADD COLUMN IF NOT EXISTS position_x double precision;
ALTER TABLE zones ADD COLUMN IF NOT EXISTS position_y double precision;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'zones_position_whole') THEN
    ALTER TABLE zones ADD CONSTRAINT zones_position_whole CHECK ((position_x IS NULL) = (position_y IS NULL));
  END IF;
END $$;
