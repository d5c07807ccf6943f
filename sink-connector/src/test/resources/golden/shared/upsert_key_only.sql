INSERT INTO "sales"."Order Lines" ("order_id", "line") SELECT "order_id", "line" FROM "adbsync_stage_1" ON CONFLICT ("order_id", "line") DO NOTHING;
