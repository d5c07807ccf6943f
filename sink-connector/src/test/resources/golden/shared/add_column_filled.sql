ALTER TABLE "sales"."Order Lines" ADD COLUMN "remark" character varying(20) DEFAULT 'it''s ''a'', "b" \x'::character varying(20);
