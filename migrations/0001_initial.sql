-- The service's durable state. Applied by the service at start (and by
-- `make migrate`) through internal/infrastructure/db/migrations.cpp, each
-- file once, in its own transaction. Idempotent and never destructive: a
-- later change is a new file, never an edit of this one.

-- ---- registry: stores, zones, beacons, QR signing keys ------------------------

CREATE TABLE IF NOT EXISTS stores (
  store_id   text PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS zones (
  store_id   text NOT NULL REFERENCES stores (store_id),
  zone_id    text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('entrance', 'table')),
  label      text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, zone_id)
);

-- Retired beacons stay for history; (uuid, major, minor) may be reused once
-- the old one is retired, so uniqueness covers active beacons only.
CREATE TABLE IF NOT EXISTS beacons (
  beacon_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uuid                  uuid NOT NULL,
  major                 integer NOT NULL CHECK (major BETWEEN 0 AND 65535),
  minor                 integer NOT NULL CHECK (minor BETWEEN 0 AND 65535),
  store_id              text NOT NULL,
  zone_id               text NOT NULL,
  tx_power              integer NOT NULL,
  calibration_offset_db double precision NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  retired_at            timestamptz,
  FOREIGN KEY (store_id, zone_id) REFERENCES zones (store_id, zone_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS beacons_active_key
  ON beacons (uuid, major, minor) WHERE retired_at IS NULL;

-- Which table-QR signing keys exist and when they were retired. The secrets
-- themselves come from configuration / a mounted secret, never the database.
CREATE TABLE IF NOT EXISTS table_qr_keys (
  key_id     text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

-- ---- customers (personal data only as AES-256-GCM ciphertext) ---------------

CREATE TABLE IF NOT EXISTS customers (
  customer_id  text PRIMARY KEY,
  display_name bytea NOT NULL,
  phone        bytea NOT NULL,
  email        bytea NOT NULL,
  pii_key_id   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS customer_devices (
  customer_id text NOT NULL REFERENCES customers (customer_id),
  device_id   text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, device_id)
);

-- ---- visits, transitions and the outbox ---------------------------------------

-- customer_id is not a foreign key: a customer is identified by the platform's
-- JWT subject and may visit before (or without) registering personal data.
CREATE TABLE IF NOT EXISTS visits (
  visit_id          text PRIMARY KEY,
  seq               bigint GENERATED ALWAYS AS IDENTITY,  -- insertion order, for "newest first"
  customer_id       text NOT NULL,
  store_id          text NOT NULL,
  entered_at        timestamptz NOT NULL,
  seated_at         timestamptz,
  left_at           timestamptz,
  current_zone_id   text NOT NULL,
  current_zone_kind text NOT NULL CHECK (current_zone_kind IN ('entrance', 'table')),
  zone_since        timestamptz NOT NULL,
  last_seen         timestamptz NOT NULL
);
-- At most one open visit per customer: the ledger's arbiter between instances.
CREATE UNIQUE INDEX IF NOT EXISTS visits_one_open_per_customer
  ON visits (customer_id) WHERE left_at IS NULL;
CREATE INDEX IF NOT EXISTS visits_open_by_store
  ON visits (store_id) WHERE left_at IS NULL;
CREATE INDEX IF NOT EXISTS visits_by_customer
  ON visits (customer_id, seq DESC);

-- to_zone_id is NULL for a transition out of the store (the visit ended).
CREATE TABLE IF NOT EXISTS zone_transitions (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  visit_id     text NOT NULL REFERENCES visits (visit_id),
  customer_id  text NOT NULL,
  store_id     text NOT NULL,
  from_zone_id text,
  to_zone_id   text,
  at           timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS zone_transitions_by_visit
  ON zone_transitions (visit_id, id);

-- Transactional outbox: written in the transaction that records the
-- transition; a relay publishes unsent rows to Kafka and stamps sent_at.
CREATE TABLE IF NOT EXISTS outbox (
  event_id    uuid PRIMARY KEY,
  store_id    text NOT NULL,
  customer_id text NOT NULL,
  event_type  text NOT NULL,
  payload     bytea NOT NULL,
  occurred_at timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unsent
  ON outbox (created_at) WHERE sent_at IS NULL;
