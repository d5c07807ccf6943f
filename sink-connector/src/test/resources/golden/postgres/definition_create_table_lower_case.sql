CREATE TABLE "sales"."items" (
  "id" integer NOT NULL,
  "price" numeric(12,2) DEFAULT 0,
  "net" numeric(12,2),
  "gross" numeric(12,2),
  "code" text,
  PRIMARY KEY ("id"),
  CONSTRAINT "items_code_check" CHECK ((code <> ''::text)),
  CONSTRAINT "Items_code_key" UNIQUE (code) DEFERRABLE INITIALLY DEFERRED
);
-- skipped: generation of column net: it names columns the sink renames (name.case): [Price]; a plain column, left empty (the source does not send generated values)
-- skipped: default of column gross: it names columns the sink renames (name.case): [Price]
-- skipped: check constraint Items_Price_check: it names columns the sink renames (name.case): [Price]
