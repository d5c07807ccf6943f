package io.adbsync.sink.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.Distribution;
import io.adbsync.common.definition.IndexShape;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.definition.TableShape;

import java.util.List;

/**
 * An application schema with every kind of object the schema channel carries, twice: as the plain SQL a user ran at
 * the source, and as the definitions the source sends for it (written by hand as the source's catalog functions
 * write them, names schema-qualified), in the order it sends them.
 */
final class SampleSchema {

    static final ObjectRef SALES = ref(ObjectKind.SCHEMA, "sales");
    static final ObjectRef MOOD = ref(ObjectKind.ENUM, "mood");
    static final ObjectRef ADDRESS = ref(ObjectKind.COMPOSITE, "address");
    static final ObjectRef PRICE_RANGE = ref(ObjectKind.RANGE, "price_range");
    static final ObjectRef POSITIVE_INT = ref(ObjectKind.DOMAIN, "positive_int");
    static final ObjectRef CODE_SEQ = ref(ObjectKind.SEQUENCE, "code_seq");
    static final ObjectRef NEXT_CODE = ref(ObjectKind.FUNCTION, "next_code()");
    static final ObjectRef CUSTOMERS_ID_SEQ = ref(ObjectKind.SEQUENCE, "customers_id_seq");
    static final ObjectRef CUSTOMERS = ref(ObjectKind.TABLE, "customers");
    static final ObjectRef ORDERS = ref(ObjectKind.TABLE, "orders");
    static final ObjectRef ORDERS_ID_SEQ = ref(ObjectKind.SEQUENCE, "orders_id_seq");
    static final ObjectRef BOOKINGS = ref(ObjectKind.TABLE, "bookings");
    static final ObjectRef BIG_ORDERS = ref(ObjectKind.VIEW, "big_orders");

    /** What the user ran at the source. */
    static final List<String> SOURCE_SQL = List.of(
            "CREATE SCHEMA sales",
            "CREATE TYPE sales.mood AS ENUM ('sad', 'ok', 'happy')",
            "CREATE TYPE sales.address AS (street text, city text, zip character varying(10))",
            "CREATE TYPE sales.price_range AS RANGE (subtype = numeric)",
            "CREATE DOMAIN sales.positive_int AS integer CONSTRAINT positive_int_check CHECK (VALUE > 0)",
            "CREATE SEQUENCE sales.code_seq AS integer START WITH 100 INCREMENT BY 5 MAXVALUE 1000000",
            "CREATE FUNCTION sales.next_code() RETURNS text LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 'C-' || nextval('sales.code_seq');\nEND\n$$",
            "CREATE TABLE sales.customers (id serial PRIMARY KEY, name text NOT NULL, email text, "
                    + "mood sales.mood DEFAULT 'ok', home sales.address, CONSTRAINT customers_email_key UNIQUE (email))",
            "CREATE TABLE sales.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                    + "code text NOT NULL DEFAULT sales.next_code(), "
                    + "customer_id integer NOT NULL REFERENCES sales.customers (id) ON DELETE CASCADE, "
                    + "quantity sales.positive_int NOT NULL, price numeric(12,2) NOT NULL DEFAULT 0, "
                    + "total numeric GENERATED ALWAYS AS (price * quantity) STORED, band sales.price_range, "
                    + "placed_at timestamp with time zone NOT NULL DEFAULT now(), note character varying(200), "
                    + "CONSTRAINT orders_code_key UNIQUE (code), CONSTRAINT orders_price_check CHECK (price >= 0))",
            "CREATE TABLE sales.bookings (room integer NOT NULL, during tstzrange NOT NULL, "
                    + "CONSTRAINT bookings_during_excl EXCLUDE USING gist (during WITH &&))",
            "CREATE INDEX orders_open_idx ON sales.orders (placed_at) WHERE note IS NULL",
            "CREATE INDEX customers_lower_email_idx ON sales.customers (lower(email))",
            "CREATE UNIQUE INDEX orders_customer_code_idx ON sales.orders (customer_id, code DESC) INCLUDE (price)",
            "CREATE VIEW sales.big_orders AS SELECT id, code, total FROM sales.orders WHERE total > 100",
            "CREATE RULE bookings_keep AS ON DELETE TO sales.bookings DO INSTEAD NOTHING");

    static final Definition CUSTOMERS_TABLE = Definition.ofTable(CUSTOMERS, List.of(SALES, MOOD, ADDRESS, CUSTOMERS_ID_SEQ),
            new TableShape(List.of(
                    new ColumnShape("id", "integer", true, "nextval('sales.customers_id_seq'::regclass)", null, null),
                    new ColumnShape("name", "text", true, null, null, null),
                    new ColumnShape("email", "text", false, null, null, null),
                    new ColumnShape("mood", "sales.mood", false, "'ok'::sales.mood", null, null),
                    new ColumnShape("home", "sales.address", false, null, null, null)),
                    List.of("id"),
                    List.of(new ConstraintShape("customers_email_key", "UNIQUE", "UNIQUE (email)")),
                    null, null));

    static final Definition ORDERS_TABLE = Definition.ofTable(ORDERS,
            List.of(SALES, POSITIVE_INT, PRICE_RANGE, NEXT_CODE, CUSTOMERS),
            new TableShape(List.of(
                    new ColumnShape("id", "bigint", true, null, "ALWAYS", null),
                    new ColumnShape("code", "text", true, "sales.next_code()", null, null),
                    new ColumnShape("customer_id", "integer", true, null, null, null),
                    new ColumnShape("quantity", "sales.positive_int", true, null, null, null),
                    new ColumnShape("price", "numeric(12,2)", true, "0", null, null),
                    new ColumnShape("total", "numeric", false, null, null, "(price * (quantity)::numeric)"),
                    new ColumnShape("band", "sales.price_range", false, null, null, null),
                    new ColumnShape("placed_at", "timestamp with time zone", true, "now()", null, null),
                    new ColumnShape("note", "character varying(200)", false, null, null, null)),
                    List.of("id"),
                    List.of(new ConstraintShape("orders_code_key", "UNIQUE", "UNIQUE (code)"),
                            new ConstraintShape("orders_customer_id_fkey", "FOREIGN KEY",
                                    "FOREIGN KEY (customer_id) REFERENCES sales.customers(id) ON DELETE CASCADE"),
                            new ConstraintShape("orders_price_check", "CHECK", "CHECK ((price >= (0)::numeric))")),
                    null, null));

    static final Definition BOOKINGS_TABLE = Definition.ofTable(BOOKINGS, List.of(SALES), new TableShape(List.of(
            new ColumnShape("room", "integer", true, null, null, null),
            new ColumnShape("during", "tstzrange", true, null, null, null)),
            List.of(),
            List.of(new ConstraintShape("bookings_during_excl", "EXCLUDE", "EXCLUDE USING gist (during WITH &&)")),
            null, null));

    /** Orders as a Greenplum source has it: spread by customer, column-oriented append-optimized. */
    static final Definition ORDERS_FROM_GREENPLUM = Definition.ofTable(ref(ObjectKind.TABLE, "order_lines"), List.of(SALES),
            new TableShape(List.of(
                    new ColumnShape("order_id", "bigint", true, null, null, null),
                    new ColumnShape("customer_id", "integer", true, null, null, null),
                    new ColumnShape("amount", "numeric(12,2)", false, "0", null, null)),
                    List.of(),
                    List.of(new ConstraintShape("order_lines_amount_check", "CHECK", "CHECK ((amount >= (0)::numeric))"),
                            new ConstraintShape("order_lines_order_id_key", "UNIQUE", "UNIQUE (order_id)")),
                    new Distribution("hash", List.of("customer_id")), "ao_column"));

    /** A lookup table a Greenplum source keeps on every segment. */
    static final Definition COUNTRIES_FROM_GREENPLUM = Definition.ofTable(ref(ObjectKind.TABLE, "countries"), List.of(SALES),
            new TableShape(List.of(
                    new ColumnShape("code", "character(2)", true, null, null, null),
                    new ColumnShape("name", "text", true, null, null, null)),
                    List.of("code"),
                    List.of(new ConstraintShape("countries_name_key", "UNIQUE", "UNIQUE (name)")),
                    new Distribution("replicated", List.of()), "heap"));

    static final Definition ORDERS_OPEN_IDX = Definition.ofIndex(ref(ObjectKind.INDEX, "orders_open_idx"), List.of(ORDERS),
            new IndexShape(ORDERS, false, "btree", List.of("placed_at"), List.of(), "(note IS NULL)"));
    static final Definition CUSTOMERS_LOWER_EMAIL_IDX = Definition.ofIndex(ref(ObjectKind.INDEX, "customers_lower_email_idx"),
            List.of(CUSTOMERS), new IndexShape(CUSTOMERS, false, "btree", List.of("lower(email)"), List.of(), null));
    static final Definition ORDERS_CUSTOMER_CODE_IDX = Definition.ofIndex(ref(ObjectKind.INDEX, "orders_customer_code_idx"),
            List.of(ORDERS), new IndexShape(ORDERS, true, "btree", List.of("customer_id", "code DESC"), List.of("price"), null));

    static final Definition CODE_SEQUENCE = Definition.ofSequence(CODE_SEQ, List.of(SALES),
            new SequenceShape("integer", 100, 5, 1, 1_000_000, 1, false, null, 100L, false));
    static final Definition CUSTOMERS_ID_SEQUENCE = Definition.ofSequence(CUSTOMERS_ID_SEQ, List.of(SALES),
            new SequenceShape("integer", 1, 1, 1, Integer.MAX_VALUE, 1, false, "\"sales\".\"customers\".\"id\"", 1L, false));
    static final Definition ORDERS_ID_SEQUENCE = Definition.ofSequence(ORDERS_ID_SEQ, List.of(ORDERS),
            new SequenceShape("bigint", 1, 1, 1, Long.MAX_VALUE, 1, false, "\"sales\".\"orders\".\"id\"", 1L, false));

    /** Every definition of the schema in the order the source sends them (an object after what it depends on). */
    static List<Definition> definitions() {
        return List.of(
                Definition.ofStatements(SALES, List.of(), List.of("CREATE SCHEMA sales")),
                Definition.ofStatements(MOOD, List.of(SALES), List.of("CREATE TYPE sales.mood AS ENUM (\n    'sad',\n    'ok',\n    'happy'\n)")),
                Definition.ofStatements(ADDRESS, List.of(SALES), List.of(
                        "CREATE TYPE sales.address AS (\n\tstreet text,\n\tcity text,\n\tzip character varying(10)\n)")),
                Definition.ofStatements(PRICE_RANGE, List.of(SALES), List.of(
                        "CREATE TYPE sales.price_range AS RANGE (\n    subtype = numeric,\n    multirange_type_name = sales.price_multirange\n)")),
                Definition.ofStatements(POSITIVE_INT, List.of(SALES), List.of(
                        "CREATE DOMAIN sales.positive_int AS integer\n\tCONSTRAINT positive_int_check CHECK ((VALUE > 0))")),
                CODE_SEQUENCE,
                ORDERS_ID_SEQUENCE,
                Definition.ofStatements(NEXT_CODE, List.of(SALES, CODE_SEQ), List.of(
                        "CREATE OR REPLACE FUNCTION sales.next_code()\n RETURNS text\n LANGUAGE plpgsql\nAS $function$\n"
                                + "BEGIN\n  RETURN 'C-' || nextval('sales.code_seq');\nEND\n$function$\n")),
                CUSTOMERS_ID_SEQUENCE,
                CUSTOMERS_TABLE,
                ORDERS_TABLE,
                BOOKINGS_TABLE,
                ORDERS_OPEN_IDX,
                CUSTOMERS_LOWER_EMAIL_IDX,
                ORDERS_CUSTOMER_CODE_IDX,
                Definition.ofStatements(BIG_ORDERS, List.of(ORDERS), List.of(
                        "CREATE VIEW sales.big_orders AS\n SELECT orders.id,\n    orders.code,\n    orders.total\n"
                                + "   FROM sales.orders\n  WHERE (orders.total > (100)::numeric)")),
                Definition.ofStatements(ref(ObjectKind.RULE, "bookings_keep"), List.of(BOOKINGS), List.of(
                        "CREATE RULE bookings_keep AS\n    ON DELETE TO sales.bookings DO INSTEAD NOTHING")));
    }

    static ObjectRef ref(ObjectKind kind, String name) {
        return kind == ObjectKind.SCHEMA ? new ObjectRef(kind, name, name) : new ObjectRef(kind, "sales", name);
    }

    private SampleSchema() {
    }
}
