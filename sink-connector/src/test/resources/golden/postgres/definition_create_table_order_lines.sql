CREATE TABLE "sales"."order_lines" (
  "order_id" bigint NOT NULL,
  "customer_id" integer NOT NULL,
  "amount" numeric(12,2) DEFAULT 0,
  CONSTRAINT "order_lines_amount_check" CHECK ((amount >= (0)::numeric)),
  CONSTRAINT "order_lines_order_id_key" UNIQUE (order_id) DEFERRABLE INITIALLY DEFERRED
);
-- skipped: storage ao_column: the destination (postgres) has no such storage; the table is heap
-- skipped: distribution hash [customer_id]: the destination (postgres) does not distribute rows
