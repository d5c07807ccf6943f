ALTER TABLE "sales"."orders" ALTER COLUMN "note" SET DEFAULT 'none'::character varying;
