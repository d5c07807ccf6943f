CREATE TABLE "sales"."Order Lines" (
  "order_id" bigint NOT NULL,
  "line" integer NOT NULL,
  "amount" numeric(12,2),
  "note" character varying(200),
  "tags" text[]
) DISTRIBUTED RANDOMLY;
