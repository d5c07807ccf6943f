ALTER TABLE "sales"."orders" ALTER COLUMN "note" DROP NOT NULL;
