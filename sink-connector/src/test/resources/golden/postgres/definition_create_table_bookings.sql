CREATE TABLE "sales"."bookings" (
  "room" integer NOT NULL,
  "during" tstzrange NOT NULL,
  CONSTRAINT "bookings_during_excl" EXCLUDE USING gist (during WITH &&)
);
