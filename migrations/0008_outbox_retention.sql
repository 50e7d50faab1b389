-- Delivered events are deleted once they are older than
-- kafka.keep_delivered_hours (the relay does it in small batches): without
-- it the outbox grows by every event ever sent (docs/capacity.md).
CREATE INDEX IF NOT EXISTS outbox_delivered ON outbox (sent_at) WHERE sent_at IS NOT NULL;
