package io.adbsync.sink.ddl;

import io.adbsync.common.contract.EventContract;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ColumnTypesTest {

    private static Schema withSourceType(String type) {
        return SchemaBuilder.string().parameter(EventContract.SOURCE_TYPE_PARAMETER, type).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"numeric(10,2)", "character varying(20)", "public.mood", "integer[]", "\"char\"",
            "timestamp(3) with time zone", "time(6) without time zone", "interval day to second(3)", "bit varying(5)",
            "double precision", "text[][]", "\"My Schema\".\"My Type\"", "character varying(10485760)", "numeric(5,-2)",
            "numeric(1000,1000)", "bit(83886080)", "numeric(5,-1000)[]"})
    void acceptsWhatFormatTypePrints(String type) {
        assertThat(ColumnTypes.sqlType(withSourceType(type), "c", "t")).isEqualTo(type);
    }

    /** Debezium's other time encodings are times, and its approximate interval (MicroDuration) is refused, named. */
    @Test
    void debeziumTimesInMillisecondsOrNanosecondsAreTimes() {
        assertThat(ColumnTypes.sqlType(SchemaBuilder.int64().name("io.debezium.time.Timestamp").build(), "c", "t"))
                .isEqualTo("timestamp without time zone");
        assertThat(ColumnTypes.sqlType(SchemaBuilder.int64().name("io.debezium.time.NanoTimestamp").build(), "c", "t"))
                .isEqualTo("timestamp without time zone");
        assertThat(ColumnTypes.sqlType(SchemaBuilder.int32().name("io.debezium.time.Time").build(), "c", "t"))
                .isEqualTo("time without time zone");
        assertThat(ColumnTypes.sqlType(SchemaBuilder.int64().name("io.debezium.time.NanoTime").build(), "c", "t"))
                .isEqualTo("time without time zone");
        assertThat(ColumnTypes.sqlType(SchemaBuilder.string().name("io.debezium.time.ZonedTime").build(), "c", "t"))
                .isEqualTo("time with time zone");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ColumnTypes.sqlType(
                        SchemaBuilder.int64().name("io.debezium.time.MicroDuration").build(), "c", "t"))
                .hasMessageContaining("Column c of table t").hasMessageContaining("interval.handling.mode=string");
    }

    @Test
    void arraysWithoutASourceTypeAreArraysOfTheirElementType() {
        assertThat(ColumnTypes.sqlType(SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build(), "c", "t"))
                .isEqualTo("text[]");
        assertThat(ColumnTypes.sqlType(SchemaBuilder.array(SchemaBuilder.array(Schema.INT64_SCHEMA).build()).build(), "c", "t"))
                .isEqualTo("bigint[][]");
        assertThat(ColumnTypes.sqlType(SchemaBuilder.array(SchemaBuilder.int32().name(EventContract.DATE).build()).build(), "c", "t"))
                .isEqualTo("date[]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"integer; DROP TABLE x", "text default 'x'", "int primary key", "numeric(1)--",
            "text collate \"C\"", "a.b.c", ""})
    void refusesAnythingElse(String type) {
        assertThatThrownBy(() -> ColumnTypes.sqlType(withSourceType(type), "qty", "public.items"))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("qty").hasMessageContaining("public.items");
    }

    @Test
    void derivesTypesFromConnectSchemasWithoutSourceType() {
        assertThat(ColumnTypes.sqlType(Schema.INT64_SCHEMA, "c", "t")).isEqualTo("bigint");
        assertThat(ColumnTypes.sqlType(SchemaBuilder.string().name(EventContract.ZONED_TIMESTAMP).build(), "c", "t"))
                .isEqualTo("timestamp with time zone");
        assertThat(ColumnTypes.sqlType(org.apache.kafka.connect.data.Decimal.schema(2), "c", "t")).isEqualTo("numeric");
    }
}
