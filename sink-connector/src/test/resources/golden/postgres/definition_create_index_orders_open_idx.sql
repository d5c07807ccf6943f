CREATE INDEX IF NOT EXISTS "orders_open_idx" ON "sales"."orders" USING "btree" (placed_at) WHERE ((note IS NULL));
