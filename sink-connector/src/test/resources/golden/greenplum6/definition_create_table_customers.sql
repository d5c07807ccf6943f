CREATE TABLE "sales"."customers" (
  "id" integer DEFAULT nextval('sales.customers_id_seq'::regclass) NOT NULL,
  "name" text NOT NULL,
  "email" text,
  "mood" sales.mood DEFAULT 'ok'::sales.mood,
  "home" sales.address,
  PRIMARY KEY ("id")
) DISTRIBUTED BY ("id");
-- skipped: unique constraint customers_email_key: on Greenplum a unique constraint or index must contain every column of the distribution key [id]
