ALTER TABLE "sales"."orders" ADD COLUMN "shipped_at" timestamp with time zone DEFAULT now() NOT NULL;
