CREATE TABLE "sales"."items" (
  "id" integer NOT NULL,
  "price" numeric(12,2) DEFAULT 0,
  "net" numeric(12,2),
  "gross" numeric(12,2),
  "code" text,
  PRIMARY KEY ("id"),
  CONSTRAINT "items_code_check" CHECK ((code <> ''::text))
) DISTRIBUTED BY ("id");
-- skipped: generation of column net: greenplum6 has no generated columns; a plain column, left empty (the source does not send generated values)
-- skipped: default of column gross: it names columns the sink renames (name.case): [Price]
-- skipped: check constraint Items_Price_check: it names columns the sink renames (name.case): [Price]
-- skipped: unique constraint Items_code_key: on Greenplum a unique constraint or index must contain every column of the distribution key [id]
