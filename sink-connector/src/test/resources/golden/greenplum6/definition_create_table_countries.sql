CREATE TABLE "sales"."countries" (
  "code" character(2) NOT NULL,
  "name" text NOT NULL,
  PRIMARY KEY ("code"),
  CONSTRAINT "countries_name_key" UNIQUE (name)
) DISTRIBUTED REPLICATED;
