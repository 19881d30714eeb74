CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE DOMAIN price AS numeric(10,2) NOT NULL CONSTRAINT price_positive CHECK (VALUE > 0);
COMMENT ON DOMAIN price IS 'money';
CREATE DOMAIN email AS citext DEFAULT 'x@y' CHECK (VALUE LIKE '%@%');
CREATE TYPE slot AS (room integer, during tsrange);
COMMENT ON TYPE slot IS 'a slot';
CREATE TYPE mood AS ENUM ('a', 'b');
COMMENT ON TYPE mood IS 'moods';
CREATE TABLE bookings (
  id integer GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 3) PRIMARY KEY DEFERRABLE INITIALLY DEFERRED,
  room integer NOT NULL,
  during tsrange NOT NULL,
  price price,
  who email,
  code text,
  CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&),
  CONSTRAINT code_u UNIQUE (code) DEFERRABLE
);
ALTER TABLE bookings ALTER COLUMN code SET STORAGE MAIN, ALTER COLUMN code SET STATISTICS 300;
COMMENT ON CONSTRAINT no_overlap ON bookings IS 'one room, one booking';
COMMENT ON CONSTRAINT code_u ON bookings IS 'unique code';
CREATE INDEX bookings_room ON bookings (room);
COMMENT ON INDEX bookings_room IS 'by room';
CREATE UNLOGGED TABLE scratchpad (k text PRIMARY KEY, s slot, m mood);
CREATE VIEW v AS SELECT id FROM bookings;
COMMENT ON VIEW v IS 'ids';
