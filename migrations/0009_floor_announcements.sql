-- The floor pages of every instance see every instance's transitions (issue
-- 17): each outbox row, a committed domain event, is announced on the channel
-- floor_events by the transaction that writes it. PostgreSQL delivers a
-- NOTIFY only when that transaction commits, in commit order, to every
-- instance's listening connection (infrastructure/db/postgres_floor_listener).
-- The payload is the row's CustomerEvent bytes in hex (a few hundred
-- characters; NOTIFY takes up to 8000).
CREATE OR REPLACE FUNCTION announce_floor_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('floor_events', encode(NEW.payload, 'hex'));
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS outbox_announces_floor_event ON outbox;
CREATE TRIGGER outbox_announces_floor_event AFTER INSERT ON outbox
  FOR EACH ROW EXECUTE FUNCTION announce_floor_event();
