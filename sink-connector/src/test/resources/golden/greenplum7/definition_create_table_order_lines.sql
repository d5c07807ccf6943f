CREATE TABLE "sales"."order_lines" (
  "order_id" bigint NOT NULL,
  "customer_id" integer NOT NULL,
  "amount" numeric(12,2) DEFAULT 0,
  CONSTRAINT "order_lines_amount_check" CHECK ((amount >= (0)::numeric))
) USING ao_column DISTRIBUTED BY ("customer_id");
-- skipped: unique constraint order_lines_order_id_key: append-optimized (ao_column) tables have no unique constraints or indexes
