COPY "adbsync_stage_1" ("order_id", "line", "amount", "note", "tags") FROM STDIN;
