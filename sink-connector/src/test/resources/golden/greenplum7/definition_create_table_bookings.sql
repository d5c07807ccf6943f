CREATE TABLE "sales"."bookings" (
  "room" integer NOT NULL,
  "during" tstzrange NOT NULL
) DISTRIBUTED RANDOMLY;
-- skipped: exclude constraint bookings_during_excl: greenplum7: exclusion constraints are left to PostgreSQL destinations
