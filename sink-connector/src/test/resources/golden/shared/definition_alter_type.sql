ALTER TABLE "sales"."orders" ALTER COLUMN "note" TYPE text USING "note"::text;
