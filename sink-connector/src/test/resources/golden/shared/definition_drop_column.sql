ALTER TABLE "sales"."orders" DROP COLUMN "shipped_at";
