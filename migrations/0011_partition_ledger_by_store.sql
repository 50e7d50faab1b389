-- Visits, zone transitions and the outbox split into 16 partitions each by
-- hash of store_id (PostgreSQL's declarative partitioning), so each table's
-- indexes, vacuum and the relay's reads work on a sixteenth of the rows, a
-- store's analytics and floor read one partition, and the outbox relay can
-- be spread over instances: each relay owns whole outbox partitions (a set
-- of stores), which keeps every store's events in order (docs/design.md,
-- "Partitioned ledger and relays").
--
-- Converts an existing database in this one transaction: each table is
-- renamed aside, created anew partitioned, its rows copied (ids, sequence
-- positions and times as they were), the old table dropped. The triggers
-- (0009's NOTIFY per outbox row, 0010's analytics_days forgetting) are
-- created after the copy: copying is not a change of the ledger, so it must
-- neither announce every old event again nor forget the kept days. A
-- failure anywhere rolls everything back.
--
-- What partitioning changes (PostgreSQL requires a unique index on a
-- partitioned table to include the partition key):
-- * Keys are (id, store_id): visit_id, event_id and transition ids stay
--   unique as they were generated (UUIDs, a sequence), the database now
--   checks them per store.
-- * "At most one open visit per customer" cannot be a unique index across
--   stores any more: the index is per (customer, store), and the ledger
--   serializes a customer's writes with a transaction-scoped advisory lock
--   on the customer (infrastructure/db/postgres_visit_ledger.cpp).
--
-- Every instance must run code that knows this schema before this file is
-- applied: an older instance's ON CONFLICT names the index this replaces.
-- The copy holds the three tables exclusively while it runs (roughly a
-- second per few hundred thousand rows on the development machine).

ALTER TABLE outbox RENAME TO outbox_before_0011;
ALTER TABLE zone_transitions RENAME TO zone_transitions_before_0011;
ALTER TABLE visits RENAME TO visits_before_0011;
-- The old indexes keep their names until their tables are dropped; the new
-- ones take the names afterwards.
DO $$
DECLARE
  old_index record;
BEGIN
  FOR old_index IN
    SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relname IN ('outbox_before_0011', 'zone_transitions_before_0011', 'visits_before_0011')
  LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', old_index.relname, old_index.relname || '_before_0011');
  END LOOP;
END $$;

CREATE TABLE visits (
  visit_id          text NOT NULL,
  seq               bigint GENERATED ALWAYS AS IDENTITY,  -- insertion order, for "newest first"
  customer_id       text NOT NULL,
  store_id          text NOT NULL,
  entered_at        timestamptz NOT NULL,
  seated_at         timestamptz,
  left_at           timestamptz,
  current_zone_id   text NOT NULL,
  current_zone_kind text NOT NULL CONSTRAINT visits_current_zone_kind_check CHECK (current_zone_kind IN ('entrance', 'table')),
  zone_since        timestamptz NOT NULL,
  last_seen         timestamptz NOT NULL,
  PRIMARY KEY (visit_id, store_id)
) PARTITION BY HASH (store_id);

CREATE TABLE zone_transitions (
  id           bigint GENERATED ALWAYS AS IDENTITY,
  visit_id     text NOT NULL,
  customer_id  text NOT NULL,
  store_id     text NOT NULL,
  from_zone_id text,
  to_zone_id   text,
  at           timestamptz NOT NULL,
  PRIMARY KEY (id, store_id),
  FOREIGN KEY (visit_id, store_id) REFERENCES visits (visit_id, store_id)
) PARTITION BY HASH (store_id);

CREATE TABLE outbox (
  event_id    uuid NOT NULL,
  store_id    text NOT NULL,
  customer_id text NOT NULL,
  event_type  text NOT NULL,
  payload     bytea NOT NULL,
  occurred_at timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (event_id, store_id)
) PARTITION BY HASH (store_id);

-- visits_p00 … visits_p15 and likewise: a store's rows of all three tables
-- sit in partitions of the same number. 16 is a modulus that can later be
-- split (each partition into two of modulus 32) without moving other rows.
DO $$
DECLARE
  ledger_table text;
BEGIN
  FOREACH ledger_table IN ARRAY ARRAY['visits', 'zone_transitions', 'outbox'] LOOP
    FOR remainder IN 0..15 LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS 16, REMAINDER %s)',
                     ledger_table || '_p' || lpad(remainder::text, 2, '0'), ledger_table, remainder);
    END LOOP;
  END LOOP;
END $$;

INSERT INTO visits (visit_id, seq, customer_id, store_id, entered_at, seated_at, left_at, current_zone_id,
                    current_zone_kind, zone_since, last_seen)
  OVERRIDING SYSTEM VALUE
  SELECT visit_id, seq, customer_id, store_id, entered_at, seated_at, left_at, current_zone_id, current_zone_kind,
         zone_since, last_seen
  FROM visits_before_0011;
INSERT INTO zone_transitions (id, visit_id, customer_id, store_id, from_zone_id, to_zone_id, at)
  OVERRIDING SYSTEM VALUE
  SELECT id, visit_id, customer_id, store_id, from_zone_id, to_zone_id, at FROM zone_transitions_before_0011;
INSERT INTO outbox (event_id, store_id, customer_id, event_type, payload, occurred_at, created_at, sent_at, seq)
  OVERRIDING SYSTEM VALUE
  SELECT event_id, store_id, customer_id, event_type, payload, occurred_at, created_at, sent_at, seq
  FROM outbox_before_0011;

-- New rows continue the old numbering: seq orders visits newest first and
-- the outbox in insertion order across the conversion.
SELECT setval(pg_get_serial_sequence('visits', 'seq'), COALESCE((SELECT max(seq) FROM visits), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('zone_transitions', 'id'),
              COALESCE((SELECT max(id) FROM zone_transitions), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('outbox', 'seq'), COALESCE((SELECT max(seq) FROM outbox), 0) + 1, false);

DROP TABLE outbox_before_0011;
DROP TABLE zone_transitions_before_0011;
DROP TABLE visits_before_0011;

-- The indexes of 0001–0010, built once over the copied rows. The open-visit
-- index includes the store (the partition key); the ledger's advisory lock
-- on the customer keeps it to one open visit across stores.
CREATE UNIQUE INDEX visits_one_open_per_customer ON visits (customer_id, store_id) WHERE left_at IS NULL;
CREATE INDEX visits_open_by_store ON visits (store_id) WHERE left_at IS NULL;
CREATE INDEX visits_by_customer ON visits (customer_id, seq DESC);
CREATE INDEX visits_open_by_last_seen ON visits (last_seen) WHERE left_at IS NULL;
CREATE INDEX visits_by_store_entered ON visits (store_id, entered_at) INCLUDE (customer_id, seated_at, left_at);
CREATE INDEX visits_by_store_customer ON visits (store_id, customer_id, entered_at);
CREATE INDEX zone_transitions_by_visit ON zone_transitions (visit_id, id);
CREATE INDEX zone_transitions_by_store_time ON zone_transitions (store_id, at) INCLUDE (from_zone_id, to_zone_id);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_unsent_seq ON outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_delivered ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- 0009: every committed outbox row announced to the floor pages.
CREATE TRIGGER outbox_announces_floor_event AFTER INSERT ON outbox
  FOR EACH ROW EXECUTE FUNCTION announce_floor_event();

-- 0010: changes to past days' ledger rows forget the kept analytics days.
CREATE TRIGGER visits_forget_analytics_on_insert AFTER INSERT ON visits
  FOR EACH ROW WHEN (NEW.entered_at < now() - interval '1 hour') EXECUTE FUNCTION analytics_days_visit_changed();
CREATE TRIGGER visits_forget_analytics_on_update AFTER UPDATE ON visits
  FOR EACH ROW WHEN (OLD.left_at IS NOT NULL OR NEW.entered_at IS DISTINCT FROM OLD.entered_at
                     OR NEW.store_id IS DISTINCT FROM OLD.store_id)
  EXECUTE FUNCTION analytics_days_visit_changed();
CREATE TRIGGER visits_forget_analytics_on_delete AFTER DELETE ON visits
  FOR EACH ROW EXECUTE FUNCTION analytics_days_visit_changed();
CREATE TRIGGER transitions_forget_analytics_on_insert AFTER INSERT ON zone_transitions
  FOR EACH ROW WHEN (NEW.at < now() - interval '1 hour') EXECUTE FUNCTION analytics_days_transition_changed();
CREATE TRIGGER transitions_forget_analytics_on_change AFTER UPDATE OR DELETE ON zone_transitions
  FOR EACH ROW EXECUTE FUNCTION analytics_days_transition_changed();

ANALYZE visits;
ANALYZE zone_transitions;
ANALYZE outbox;
