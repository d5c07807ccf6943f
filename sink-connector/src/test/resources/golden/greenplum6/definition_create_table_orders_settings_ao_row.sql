CREATE TABLE "sales"."orders" (
  "id" bigint NOT NULL,
  "code" text DEFAULT sales.next_code() NOT NULL,
  "customer_id" integer NOT NULL,
  "quantity" sales.positive_int NOT NULL,
  "price" numeric(12,2) DEFAULT 0 NOT NULL,
  "total" numeric,
  "band" sales.price_range,
  "placed_at" timestamp with time zone DEFAULT now() NOT NULL,
  "note" character varying(200),
  CONSTRAINT "orders_price_check" CHECK ((price >= (0)::numeric))
) WITH (appendonly=true, orientation=row) DISTRIBUTED BY ("id");
-- skipped: identity of column id: greenplum6 has no identity columns; a plain column, its values come with the source's rows
-- skipped: generation of column total: greenplum6 has no generated columns; a plain column, left empty (the source does not send generated values)
-- skipped: primary key [id]: append-optimized (ao_row) tables have no primary key; the sink merges into them with DELETE + INSERT
-- skipped: unique constraint orders_code_key: append-optimized (ao_row) tables have no unique constraints or indexes
-- skipped: foreign key constraint orders_customer_id_fkey: greenplum6 does not enforce foreign keys
