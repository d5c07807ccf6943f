TRUNCATE TABLE "sales"."Order Lines";
