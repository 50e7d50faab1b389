-- The relay publishes in insertion order: the transaction that records a
-- transition inserts its events in order, and a store's events must reach
-- Kafka in that order.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX IF NOT EXISTS outbox_unsent_seq ON outbox (seq) WHERE sent_at IS NULL;
