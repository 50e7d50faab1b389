-- GetStoreAnalytics over a long range (issue 17: a busy store's year well
-- under a second): each closed day's figures, kept once computed, so a year
-- reads 365 rows instead of re-sorting the year's visits and transitions.
-- Rows are per store, time zone (the caller's: a day is a local day) and
-- day, written by infrastructure/db/analytics_days.cpp for final days only:
-- the day ended over two hours ago and none of the store's open visits
-- began before its end, so nothing the service records can change it. The
-- ledger's rows stay the truth: a day not here is computed from them, and
-- these rows are filled from them on the first ask (no backfill needed;
-- existing ledgers are read as they are).
CREATE TABLE IF NOT EXISTS analytics_days (
  store_id          text NOT NULL,
  time_zone         text NOT NULL,
  day               date NOT NULL,
  visits            integer NOT NULL,
  visits_per_hour   integer[] NOT NULL,      -- 24 counts, by local hour of arrival
  visit_seconds     double precision[],      -- finished visits' lengths (any order)
  seat_seconds      double precision[],      -- entering to the first table
  open_micros       bigint NOT NULL,         -- first arrival to last departure; 0 without visits
  table_ids         text[],                  -- tables with something on the day, by id
  occupied_at_start boolean[],               -- someone sat there when the day began
  sittings_started  integer[],               -- stretches that began on the day
  occupied_micros   bigint[],                -- time with someone there, within the day
  PRIMARY KEY (store_id, time_zone, day)
);

-- Anything that changes a past day's ledger rows otherwise than the service
-- does (a correction, an erasure, data loaded by hand) forgets the store's
-- kept days from that instant on, in its own transaction. The service's own
-- writes are for now (and for open visits, whose days are not kept), so the
-- WHEN clauses keep these triggers off its hot path. The shared advisory
-- lock orders a forgetting against a concurrent keeping (which holds it
-- exclusively): whichever commits second sees the other.
CREATE OR REPLACE FUNCTION analytics_days_forget(store text, since timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtext('analytics_days'), hashtext(store));
  -- A kept day's tables look back one day: forget from the day before.
  DELETE FROM analytics_days
  WHERE store_id = store AND (since = '-infinity' OR day >= (since AT TIME ZONE time_zone)::date - 1);
END $$;

CREATE OR REPLACE FUNCTION analytics_days_visit_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM analytics_days_forget(OLD.store_id, OLD.entered_at);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM analytics_days_forget(NEW.store_id, NEW.entered_at);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION analytics_days_transition_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM analytics_days_forget(OLD.store_id, OLD.at);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM analytics_days_forget(NEW.store_id, NEW.at);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION analytics_days_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Which zones are tables decides the tables' figures of every day.
  PERFORM analytics_days_forget(CASE WHEN TG_OP = 'DELETE' THEN OLD.store_id ELSE NEW.store_id END, '-infinity');
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS visits_forget_analytics_on_insert ON visits;
CREATE TRIGGER visits_forget_analytics_on_insert AFTER INSERT ON visits
  FOR EACH ROW WHEN (NEW.entered_at < now() - interval '1 hour') EXECUTE FUNCTION analytics_days_visit_changed();
-- Closing an open visit is the service's own write (its day is not kept yet).
DROP TRIGGER IF EXISTS visits_forget_analytics_on_update ON visits;
CREATE TRIGGER visits_forget_analytics_on_update AFTER UPDATE ON visits
  FOR EACH ROW WHEN (OLD.left_at IS NOT NULL OR NEW.entered_at IS DISTINCT FROM OLD.entered_at
                     OR NEW.store_id IS DISTINCT FROM OLD.store_id)
  EXECUTE FUNCTION analytics_days_visit_changed();
DROP TRIGGER IF EXISTS visits_forget_analytics_on_delete ON visits;
CREATE TRIGGER visits_forget_analytics_on_delete AFTER DELETE ON visits
  FOR EACH ROW EXECUTE FUNCTION analytics_days_visit_changed();

DROP TRIGGER IF EXISTS transitions_forget_analytics_on_insert ON zone_transitions;
CREATE TRIGGER transitions_forget_analytics_on_insert AFTER INSERT ON zone_transitions
  FOR EACH ROW WHEN (NEW.at < now() - interval '1 hour') EXECUTE FUNCTION analytics_days_transition_changed();
DROP TRIGGER IF EXISTS transitions_forget_analytics_on_change ON zone_transitions;
CREATE TRIGGER transitions_forget_analytics_on_change AFTER UPDATE OR DELETE ON zone_transitions
  FOR EACH ROW EXECUTE FUNCTION analytics_days_transition_changed();

DROP TRIGGER IF EXISTS zones_forget_analytics ON zones;
CREATE TRIGGER zones_forget_analytics AFTER INSERT OR DELETE ON zones
  FOR EACH ROW EXECUTE FUNCTION analytics_days_zone_changed();
-- A layout moving (the floor-plan seed at every start) changes no figure.
DROP TRIGGER IF EXISTS zones_forget_analytics_on_update ON zones;
CREATE TRIGGER zones_forget_analytics_on_update AFTER UPDATE ON zones
  FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.zone_id IS DISTINCT FROM NEW.zone_id
                     OR OLD.store_id IS DISTINCT FROM NEW.store_id)
  EXECUTE FUNCTION analytics_days_zone_changed();
