package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.common.contract.EventContract;
import io.adbsync.it.ChangeEvents.Event;
import io.adbsync.stack.connect.ConnectRestClient;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One row with a column of every built-in type the source maps (and arrays, ranges, multiranges, enum, domain,
 * composite), edge values included, streamed through a real worker: each value must equal what PostgreSQL itself
 * says, and each field must name its source type as {@code format_type} does.
 */
class SourceTypesIT extends WithLocalStack {

    private static final String SESSION = "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET IntervalStyle = iso_8601; "
            + "SET extra_float_digits = 3; SET bytea_output = hex";

    /** How a column's value is carried, and so how the test derives the expected value from the server. */
    enum Carried { TEXT, MONEY, BOOLEAN, INTEGER, FLOAT, BYTES, DATE, TIME, TIMESTAMP, TIMESTAMPTZ }

    record Column(String name, String type, String literal, Carried carried, String connectType) {
    }

    private static final List<Column> COLUMNS = new ArrayList<>();

    private static void col(String name, String type, String literal, Carried carried, String connectType) {
        COLUMNS.add(new Column(name, type, literal, carried, connectType));
    }

    private static void text(String name, String type, String literal) {
        col(name, type, literal, Carried.TEXT, "string");
    }

    static {
        col("c_bool", "boolean", "true", Carried.BOOLEAN, "boolean");
        col("c_bytea", "bytea", "'\\xdeadbeef00'", Carried.BYTES, "bytes");
        text("c_char1", "\"char\"", "'x'");
        text("c_name", "name", "'a_name'");
        col("c_int8", "bigint", "-9223372036854775808", Carried.INTEGER, "int64");
        col("c_int2", "smallint", "-32768", Carried.INTEGER, "int16");
        col("c_int4", "integer", "2147483647", Carried.INTEGER, "int32");
        text("c_regproc", "regproc", "'now'");
        text("c_text", "text", "'ünïcødé \"quoted\" \\ back'");
        col("c_oid", "oid", "4294967295", Carried.INTEGER, "int64");
        text("c_tid", "tid", "'(1,2)'");
        col("c_xid", "xid", "'4294967295'", Carried.INTEGER, "int64");
        col("c_cid", "cid", "'7'", Carried.INTEGER, "int64");
        text("c_json", "json", "'{\"b\": 1,  \"a\": [1, 2]}'");
        text("c_xml", "xml", "'<a x=\"1\">t &amp; u</a>'");
        text("c_point", "point", "'(1.5,-2.25)'");
        text("c_lseg", "lseg", "'[(0,0),(1,1)]'");
        text("c_path", "path", "'[(0,0),(1,1),(2,0)]'");
        text("c_box", "box", "'(1,1),(0,0)'");
        text("c_polygon", "polygon", "'((0,0),(1,1),(1,0))'");
        text("c_line", "line", "'{1,-1,0}'");
        text("c_cidr", "cidr", "'10.1.0.0/16'");
        col("c_real", "real", "1.1", Carried.FLOAT, "float");
        col("c_real_nan", "real", "'NaN'", Carried.FLOAT, "float");
        col("c_double", "double precision", "0.1", Carried.FLOAT, "double");
        col("c_double_ninf", "double precision", "'-Infinity'", Carried.FLOAT, "double");
        text("c_circle", "circle", "'<(1,2),3>'");
        text("c_macaddr8", "macaddr8", "'08:00:2b:01:02:03:04:05'");
        // money travels as a plain decimal: its text follows lc_monetary.
        col("c_money", "money", "-1234567.89", Carried.MONEY, "string");
        text("c_macaddr", "macaddr", "'08:00:2b:01:02:03'");
        text("c_inet", "inet", "'192.168.1.5/24'");
        text("c_bpchar5", "character(5)", "'ab'");
        text("c_bpchar", "bpchar", "'ab  '");
        text("c_varchar", "character varying(20)", "'hello'");
        text("c_varchar_any", "character varying", "'any length'");
        col("c_date", "date", "'2024-02-29'", Carried.DATE, "int32");
        col("c_date_inf", "date", "'infinity'", Carried.DATE, "int32");
        col("c_date_ninf", "date", "'-infinity'", Carried.DATE, "int32");
        col("c_date_bc", "date", "'0044-03-15 BC'", Carried.DATE, "int32");
        col("c_time", "time without time zone", "'13:14:15.123456'", Carried.TIME, "int64");
        col("c_time_24", "time(6) without time zone", "'24:00:00'", Carried.TIME, "int64");
        col("c_ts", "timestamp without time zone", "'2024-02-29 13:14:15.123456'", Carried.TIMESTAMP, "int64");
        col("c_ts3", "timestamp(3) without time zone", "'2024-02-29 13:14:15.123456'", Carried.TIMESTAMP, "int64");
        col("c_ts_inf", "timestamp without time zone", "'infinity'", Carried.TIMESTAMP, "int64");
        col("c_ts_ninf", "timestamp without time zone", "'-infinity'", Carried.TIMESTAMP, "int64");
        col("c_ts_bc", "timestamp without time zone", "'0044-03-15 12:00:00.000001 BC'", Carried.TIMESTAMP, "int64");
        col("c_tstz", "timestamp with time zone", "'2024-02-29 13:14:15.123456+05:30'", Carried.TIMESTAMPTZ, "string");
        col("c_tstz_ninf", "timestamp with time zone", "'-infinity'", Carried.TIMESTAMPTZ, "string");
        col("c_tstz_bc", "timestamp(6) with time zone", "'0044-03-15 12:00:00.000001+00 BC'", Carried.TIMESTAMPTZ, "string");
        text("c_interval", "interval", "'1 year 2 months 3 days 04:05:06.789012'");
        text("c_interval_ds", "interval day to second(3)", "'-3 days 04:05:06.789'");
        text("c_interval_ym", "interval year to month", "'5 years 11 months'");
        text("c_timetz", "time with time zone", "'13:14:15.123456+05:30'");
        text("c_bit", "bit(4)", "B'1010'");
        text("c_varbit", "bit varying(8)", "B'101'");
        text("c_numeric", "numeric", "'123456789012345678901234567890.123456789'");
        text("c_numeric_nan", "numeric", "'NaN'");
        text("c_numeric_inf", "numeric", "'Infinity'");
        text("c_numeric_ninf", "numeric", "'-Infinity'");
        text("c_numeric_10_2", "numeric(10,2)", "12345678.9");
        text("c_numeric_neg", "numeric(5,-2)", "1234567");
        text("c_regclass", "regclass", "'pg_class'");
        text("c_regtype", "regtype", "'integer'");
        col("c_uuid", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", Carried.TEXT, "string");
        text("c_txid_snapshot", "txid_snapshot", "'10:20:10,14,15'");
        text("c_pg_lsn", "pg_lsn", "'16/B374D848'");
        text("c_tsvector", "tsvector", "'a fat cat sat on a mat'");
        text("c_tsquery", "tsquery", "'fat & (rat | cat)'");
        text("c_jsonb", "jsonb", "'{\"b\": 1,  \"a\": [1, 2.50]}'");
        text("c_int4range", "int4range", "'[1,10)'");
        text("c_numrange", "numrange", "'(1.5,2.5]'");
        text("c_tsrange", "tsrange", "'[2024-01-01 00:00:00.000001,infinity)'");
        text("c_tstzrange", "tstzrange", "'[2024-01-01 00:00+02,2024-01-02 00:00+02)'");
        text("c_daterange", "daterange", "'[0044-03-15 BC,2024-02-29]'");
        text("c_int8range", "int8range", "'empty'");
        text("c_jsonpath", "jsonpath", "'$.a[*] ? (@ > 1)'");
        text("c_int4multirange", "int4multirange", "'{[1,3), [5,7)}'");
        text("c_nummultirange", "nummultirange", "'{[1.5,2.5]}'");
        text("c_tsmultirange", "tsmultirange", "'{[2024-01-01,2024-01-02)}'");
        text("c_tstzmultirange", "tstzmultirange", "'{[2024-01-01 00:00+05,2024-01-02 00:00+05)}'");
        text("c_datemultirange", "datemultirange", "'{[2024-01-01,2024-01-05), [2024-02-01,2024-02-03)}'");
        text("c_int8multirange", "int8multirange", "'{}'");
        text("c_pg_snapshot", "pg_snapshot", "'10:20:10,14,15'");
        text("c_xid8", "xid8", "'18446744073709551615'");
        text("c_int_array", "integer[]", "'{1,NULL,3}'");
        text("c_int_matrix", "integer[]", "'{{1,2},{3,4}}'");
        text("c_text_array", "text[]", "ARRAY['a b', 'c,d', NULL, 'e\"f', '']");
        text("c_numeric_array", "numeric(10,2)[]", "'{1.5,NaN}'");
        text("c_tstz_array", "timestamp with time zone[]", "'{\"2024-02-29 13:14:15.123456+05:30\",infinity}'");
        text("c_bpchar_array", "character(3)[]", "'{a,bc}'");
        text("c_bytea_array", "bytea[]", "ARRAY['\\x00ff'::bytea]");
        text("c_bool_array", "boolean[]", "'{t,f}'");
        text("c_uuid_array", "uuid[]", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'");
        text("c_enum", "mood", "'happy'");
        text("c_enum_array", "mood[]", "'{sad,happy}'");
        text("c_domain", "posint", "42");
        text("c_composite", "pair", "ROW(1, 'x y')");
        text("c_composite_array", "pair[]", "ARRAY[ROW(2, 'z')::pair]");
    }

    @Test
    void everyBuiltInTypeArrivesAsPostgresPrintsItAndNamesItsSourceType() throws Exception {
        String database = postgres.createDatabase("types");
        String name = "types_" + ProcessHandle.current().pid();
        StringBuilder create = new StringBuilder("CREATE TABLE every_type (id int PRIMARY KEY");
        StringBuilder insert = new StringBuilder("INSERT INTO every_type VALUES (1");
        for (Column c : COLUMNS) {
            create.append(", ").append(c.name()).append(' ').append(c.type());
            insert.append(", ").append(c.literal());
        }
        sql(postgres, database, "CREATE TYPE mood AS ENUM ('sad', 'happy')",
                "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
                "CREATE TYPE pair AS (a integer, b text)",
                create.append(')').toString());

        Map<String, String> config = sourceConfig(database, name, "snapshot.mode", "never", "heartbeat.interval.ms", "0");
        ConnectRestClient rest = stack.connect().rest();
        rest.deploy(name, config);
        try {
            rest.awaitRunning(name, 1, Duration.ofSeconds(60));
            awaitSlotActive(database, name);
            sql(postgres, database, insert.append(')').toString());

            Event event = ChangeEvents.read(stack.bootstrapServers(), name + ".public.every_type", 1).get(0);
            JsonNode after = event.after();
            Map<String, JsonNode> fieldSchemas = new LinkedHashMap<>();
            for (JsonNode part : event.valueSchema().get("fields")) {
                if (part.get("field").asText().equals("after")) {
                    part.get("fields").forEach(f -> fieldSchemas.put(f.get("field").asText(), f));
                }
            }
            Map<String, String[]> expected = expectations(database);

            SoftAssertions soft = new SoftAssertions();
            for (Column c : COLUMNS) {
                JsonNode schema = fieldSchemas.get(c.name());
                soft.assertThat(schema).as(c.name() + " in the value schema").isNotNull();
                if (schema == null) {
                    continue;
                }
                String[] server = expected.get(c.name());
                soft.assertThat(schema.get("type").asText()).as(c.name() + " Connect type").isEqualTo(c.connectType());
                soft.assertThat(schema.path("parameters").path(EventContract.SOURCE_TYPE_PARAMETER).asText())
                        .as(c.name() + " source type").isEqualTo(server[2]);
                JsonNode value = after.get(c.name());
                soft.assertThat(value == null || value.isNull()).as(c.name() + " is not null").isFalse();
                if (value != null && !value.isNull()) {
                    soft.assertThat(actual(c.carried(), value)).as(c.name() + " value (server text " + server[0] + ")")
                            .isEqualTo(expected(c.carried(), server[0], server[1]));
                }
            }
            soft.assertAll();
        } finally {
            rest.remove(name);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "0".equals(scalar(postgres, database,
                    "SELECT count(*) FILTER (WHERE active)::text FROM pg_replication_slots WHERE slot_name = '" + name + "'")));
            sql(postgres, database, "SELECT pg_drop_replication_slot('" + name + "')");
        }
    }

    /** Per column: its text under the replication session's settings, a typed expectation, and format_type. */
    private static Map<String, String[]> expectations(String database) throws SQLException {
        Map<String, String[]> result = new HashMap<>();
        try (Connection c = postgres.connect(database); Statement s = c.createStatement()) {
            s.execute(SESSION);
            for (Column col : COLUMNS) {
                String typed = switch (col.carried()) {
                    case DATE -> "CASE WHEN isfinite(" + col.name() + ") THEN (" + col.name() + " - DATE '1970-01-01')::text END";
                    case TIME -> "((extract(epoch FROM " + col.name() + ") * 1000000)::bigint)::text";
                    case TIMESTAMP, TIMESTAMPTZ -> "CASE WHEN isfinite(" + col.name() + ") THEN ((extract(epoch FROM "
                            + col.name() + ") * 1000000)::bigint)::text END";
                    case BYTES -> "encode(" + col.name() + ", 'hex')";
                    case MONEY -> col.name() + "::numeric::text";
                    default -> "NULL";
                };
                // concat() prints with the type's output function, as pgoutput does; a ::text cast differs for
                // boolean ('true'), character(n) (trailing blanks trimmed) and inet (netmask always added).
                try (ResultSet rs = s.executeQuery("SELECT concat(" + col.name() + "), " + typed + " FROM every_type")) {
                    rs.next();
                    result.put(col.name(), new String[] {rs.getString(1), rs.getString(2), null});
                }
            }
            s.execute("SET search_path = pg_catalog");
            try (ResultSet rs = s.executeQuery("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                    + "WHERE attrelid = 'public.every_type'::regclass AND attnum > 0 AND NOT attisdropped")) {
                while (rs.next()) {
                    String[] r = result.get(rs.getString(1));
                    if (r != null) {
                        r[2] = rs.getString(2);
                    }
                }
            }
        }
        return result;
    }

    private static Object expected(Carried carried, String text, String typed) {
        return switch (carried) {
            case TEXT, INTEGER -> text;
            case BOOLEAN -> Boolean.valueOf("t".equals(text));
            case FLOAT -> Double.valueOf(text).toString();
            case BYTES, MONEY -> typed;
            case DATE -> typed != null ? Long.parseLong(typed)
                    : (long) (text.equals("infinity") ? EventContract.DATE_POSITIVE_INFINITY : EventContract.DATE_NEGATIVE_INFINITY);
            case TIME -> Long.parseLong(typed);
            case TIMESTAMP -> typed != null ? Long.parseLong(typed)
                    : text.equals("infinity") ? EventContract.TIMESTAMP_POSITIVE_INFINITY : EventContract.TIMESTAMP_NEGATIVE_INFINITY;
            case TIMESTAMPTZ -> typed != null ? Long.parseLong(typed) + " µs UTC" : text;
        };
    }

    private static Object actual(Carried carried, JsonNode value) {
        return switch (carried) {
            case TEXT, MONEY, INTEGER -> value.asText();
            case BOOLEAN -> value.asBoolean();
            // NaN and infinities arrive as JSON strings, finite values as numbers: compare as doubles either way.
            case FLOAT -> Double.valueOf(value.asText()).toString();
            case BYTES -> HexFormat.of().formatHex(Base64.getDecoder().decode(value.asText()));
            case DATE, TIME, TIMESTAMP -> value.asLong();
            case TIMESTAMPTZ -> {
                String iso = value.asText();
                if (!iso.endsWith("Z")) {
                    yield iso;
                }
                Instant instant = Instant.parse(iso);
                // By hand: ChronoUnit.MICROS.between goes through nanoseconds, which overflow long before 1677.
                yield Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000) + " µs UTC";
            }
        };
    }
}
