ALTER TABLE "sales"."Order Lines" ADD COLUMN "shipped" timestamp with time zone;
