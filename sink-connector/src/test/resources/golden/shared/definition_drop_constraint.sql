ALTER TABLE "sales"."orders" DROP CONSTRAINT "orders_note_check";
