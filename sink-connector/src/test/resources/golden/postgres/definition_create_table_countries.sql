CREATE TABLE "sales"."countries" (
  "code" character(2) NOT NULL,
  "name" text NOT NULL,
  PRIMARY KEY ("code"),
  CONSTRAINT "countries_name_key" UNIQUE (name) DEFERRABLE INITIALLY DEFERRED
);
-- skipped: distribution replicated: the destination (postgres) does not distribute rows
