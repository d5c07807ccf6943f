UPDATE "adbsync"."offsets" SET "next_offset" = ? WHERE "connector" = ? AND "topic" = ? AND "kafka_partition" = ? AND "next_offset" = ?;
