-- Fingerprint calibration: labeled RSSI scans staff record standing in each
-- zone of a store (Admin API ImportFingerprints, `customer-idctl
-- import-fingerprints`). One row per beacon heard in a scan; beacons not
-- heard have no row. A store's calibration is replaced as a whole, in one
-- transaction. Beacons are referenced by key, not by row: a beacon retired
-- after calibrating simply stops counting.
CREATE TABLE IF NOT EXISTS fingerprint_readings (
  store_id  text NOT NULL REFERENCES stores (store_id),
  sample_no integer NOT NULL CHECK (sample_no >= 0),
  zone_id   text NOT NULL,
  uuid      uuid NOT NULL,
  major     integer NOT NULL CHECK (major BETWEEN 0 AND 65535),
  minor     integer NOT NULL CHECK (minor BETWEEN 0 AND 65535),
  rssi      smallint NOT NULL CHECK (rssi BETWEEN -127 AND -1),
  PRIMARY KEY (store_id, sample_no, uuid, major, minor),
  FOREIGN KEY (store_id, zone_id) REFERENCES zones (store_id, zone_id)
);
