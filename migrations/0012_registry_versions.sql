-- A version per store for the registry's incremental refresh: every change to
-- a store's row, zones, beacons or calibration gives the store a new version
-- (one sequence, in triggers, so every writer is covered: the Admin API, the
-- CLI, a seed, a COPY, plain SQL). An instance compares the versions with
-- the ones it holds and reloads only the stores whose version changed, is
-- new or is gone, instead of the whole registry (docs/capacity.md: a full
-- reload took 12.8-19.7 s at 100,000 stores). The versions are compared for
-- equality, never ordered, so a transaction that drew its number early and
-- committed late is not missed.
--
-- Existing stores get distinct versions when the column is added (the
-- default is evaluated per row); nothing is lost or rewritten otherwise.

CREATE SEQUENCE IF NOT EXISTS registry_version_seq;

ALTER TABLE stores ADD COLUMN IF NOT EXISTS registry_version bigint NOT NULL
  DEFAULT nextval('registry_version_seq');

-- Statement-level triggers with transition tables: a COPY of a million
-- beacons bumps each store once, not once per row.
CREATE OR REPLACE FUNCTION registry_touch_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stores SET registry_version = nextval('registry_version_seq')
   WHERE store_id IN (SELECT DISTINCT store_id FROM registry_new_rows);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION registry_touch_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stores SET registry_version = nextval('registry_version_seq')
   WHERE store_id IN (SELECT DISTINCT store_id FROM registry_old_rows);
  RETURN NULL;
END $$;

-- An update may move a row between stores (a beacon re-hung elsewhere): both
-- stores change.
CREATE OR REPLACE FUNCTION registry_touch_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stores SET registry_version = nextval('registry_version_seq')
   WHERE store_id IN (SELECT store_id FROM registry_new_rows UNION SELECT store_id FROM registry_old_rows);
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['zones', 'beacons', 'fingerprint_readings'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_registry_inserted ON %1$s', t);
    EXECUTE format('CREATE TRIGGER %1$s_registry_inserted AFTER INSERT ON %1$s '
                   'REFERENCING NEW TABLE AS registry_new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION registry_touch_inserted()', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_registry_updated ON %1$s', t);
    EXECUTE format('CREATE TRIGGER %1$s_registry_updated AFTER UPDATE ON %1$s '
                   'REFERENCING OLD TABLE AS registry_old_rows NEW TABLE AS registry_new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION registry_touch_updated()', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_registry_deleted ON %1$s', t);
    EXECUTE format('CREATE TRIGGER %1$s_registry_deleted AFTER DELETE ON %1$s '
                   'REFERENCING OLD TABLE AS registry_old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION registry_touch_deleted()', t);
  END LOOP;
END $$;

-- The store's own row: a new name or location is a change too (a version
-- set by the triggers above is kept as it is).
CREATE OR REPLACE FUNCTION registry_touch_store() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.registry_version = OLD.registry_version AND
     (NEW.name, NEW.latitude, NEW.longitude) IS DISTINCT FROM (OLD.name, OLD.latitude, OLD.longitude) THEN
    NEW.registry_version := nextval('registry_version_seq');
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS stores_registry_version ON stores;
CREATE TRIGGER stores_registry_version BEFORE UPDATE ON stores
  FOR EACH ROW EXECUTE FUNCTION registry_touch_store();

-- A refresh reads the changed stores' beacons by store.
CREATE INDEX IF NOT EXISTS beacons_active_by_store ON beacons (store_id) WHERE retired_at IS NULL;
