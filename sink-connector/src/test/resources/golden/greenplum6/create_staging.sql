CREATE TEMPORARY TABLE "adbsync_stage_1" ON COMMIT DROP AS SELECT "order_id", "line", "amount", "note", "tags" FROM "sales"."Order Lines" WITH NO DATA DISTRIBUTED BY ("order_id", "line");
