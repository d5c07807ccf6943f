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
