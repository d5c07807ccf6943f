CREATE TABLE "sales"."customers" (
  "id" integer DEFAULT nextval('sales.customers_id_seq'::regclass) NOT NULL,
  "name" text NOT NULL,
  "email" text,
  "mood" sales.mood DEFAULT 'ok'::sales.mood,
  "home" sales.address,
  PRIMARY KEY ("id"),
  CONSTRAINT "customers_email_key" UNIQUE (email) DEFERRABLE INITIALLY DEFERRED
);
