-- The ledger decides where a customer is, and keeps the answer of every
-- request that recorded a transition, in the transaction that recorded it:
-- a retry that reaches any instance, after any loss of the Redis cache, gets
-- that first answer and writes nothing. Rows older than idempotency_ttl are
-- dropped by the leave sweep (by created_at).
CREATE TABLE IF NOT EXISTS identify_answers (
  idempotency_key text PRIMARY KEY,  -- caller scope, newline, request_id
  customer_id     text NOT NULL,
  answer          text NOT NULL,     -- the reply as the cache stores it (JSON, with the body's digest)
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS identify_answers_by_age ON identify_answers (created_at);
-- A record confirmed again after the cache lost it first puts the customer's
-- recent answers back (recall).
CREATE INDEX IF NOT EXISTS identify_answers_by_customer ON identify_answers (customer_id, created_at);

-- Leave detection also reads the ledger: open visits whose last_seen is old
-- (last_seen moves with transitions and with the sweep's write-back).
CREATE INDEX IF NOT EXISTS visits_open_by_last_seen
  ON visits (last_seen) WHERE left_at IS NULL;
