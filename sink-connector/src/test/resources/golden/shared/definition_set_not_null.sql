ALTER TABLE "sales"."orders" ALTER COLUMN "note" SET NOT NULL;
