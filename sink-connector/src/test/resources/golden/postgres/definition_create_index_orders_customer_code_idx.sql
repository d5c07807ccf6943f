CREATE UNIQUE INDEX IF NOT EXISTS "orders_customer_code_idx" ON "sales"."orders" USING "btree" (customer_id, code DESC) INCLUDE ("price");
