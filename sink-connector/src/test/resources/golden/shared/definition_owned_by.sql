ALTER SEQUENCE "sales"."code_seq" OWNED BY "sales"."orders"."id";
