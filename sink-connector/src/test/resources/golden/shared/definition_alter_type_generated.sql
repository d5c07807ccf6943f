ALTER TABLE "sales"."orders" ALTER COLUMN "total" TYPE numeric(14,2);
