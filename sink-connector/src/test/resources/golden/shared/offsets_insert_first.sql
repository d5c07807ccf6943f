INSERT INTO "adbsync"."offsets" ("connector", "topic", "kafka_partition", "next_offset") VALUES (?, ?, ?, ?) ON CONFLICT ("connector", "topic", "kafka_partition") DO NOTHING;
