INSERT INTO "sales"."Order Lines" ("order_id", "line", "amount", "note", "tags") SELECT "order_id", "line", "amount", "note", "tags" FROM "adbsync_stage_1";
