DELETE FROM "sales"."Order Lines" AS "t" USING "adbsync_stage_1" AS "s" WHERE "t"."order_id" = "s"."order_id" AND "t"."line" = "s"."line";
