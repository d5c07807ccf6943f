CREATE INDEX IF NOT EXISTS "customers_lower_email_idx" ON "sales"."customers" USING "btree" (lower(email));
