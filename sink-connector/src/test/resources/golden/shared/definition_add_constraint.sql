ALTER TABLE "sales"."orders" ADD CONSTRAINT "orders_note_check" CHECK ((note)::text <> ''::text);
