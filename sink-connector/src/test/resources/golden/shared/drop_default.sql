ALTER TABLE "sales"."Order Lines" ALTER COLUMN "remark" DROP DEFAULT;
