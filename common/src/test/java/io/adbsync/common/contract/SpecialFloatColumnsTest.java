package io.adbsync.common.contract;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpecialFloatColumnsTest {

    private static final Schema ROW = SchemaBuilder.struct().name("r").optional()
            .field("id", Schema.INT32_SCHEMA)
            .field("r", SchemaBuilder.float32().optional().parameter(EventContract.COLUMN_NAME_PARAMETER, "Real Col").build())
            .field("d", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("arr", SchemaBuilder.array(Schema.OPTIONAL_FLOAT64_SCHEMA).optional().build())
            .build();

    private static Struct row(Float r, Double d, List<Double> arr) {
        return new Struct(ROW).put("id", 1).put("r", r).put("d", d).put("arr", arr);
    }

    @Test
    void namesTheColumnsHoldingNaNInfinityOrNegativeZeroOnEachSide() {
        assertThat(SpecialFloatColumns.describe(null, row(1f, 2.0, List.of(0.0)))).isNull();
        assertThat(SpecialFloatColumns.describe(row(Float.NaN, 0.0, null), row(-0.0f, Double.NEGATIVE_INFINITY, List.of(1.0, Double.POSITIVE_INFINITY))))
                .isEqualTo("before=r;after=r,d,arr");
        assertThat(SpecialFloatColumns.describe(null, row(null, -0.0, null))).isEqualTo("after=d");
    }

    @Test
    void passesWhatArrivedIntactAndFailsNamingTheColumnAConverterChanged() {
        Struct source = row(Float.NaN, Double.POSITIVE_INFINITY, List.of(1.0, -0.0));
        String header = SpecialFloatColumns.describe(null, source);
        SpecialFloatColumns.verify(header, null, source, "public.t", "offset 7");

        // As Kafka's JsonConverter reads them: 0.0 everywhere.
        assertThatThrownBy(() -> SpecialFloatColumns.verify(header, null, row(0f, 0.0, List.of(1.0, 0.0)), "public.t", "offset 7"))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("Column Real Col of public.t held NaN, Infinity or -0 at the source but reads as 0.0 here (offset 7)")
                .hasMessageContaining("SchemaCachingJsonConverter");
        assertThatThrownBy(() -> SpecialFloatColumns.verify(header, null, row(Float.NaN, Double.POSITIVE_INFINITY, List.of(1.0, 0.0)),
                "public.t", "offset 7"))
                .isInstanceOf(DataException.class).hasMessageStartingWith("Column arr of public.t held NaN");
    }

    @Test
    void onADeleteOnlyTheKeyCountsForItIsAllTheSinkUses() {
        Schema keySchema = SchemaBuilder.struct().name("k").field("d", Schema.FLOAT64_SCHEMA).build();
        String header = SpecialFloatColumns.describe(row(Float.NaN, Double.NaN, null), null);
        assertThat(header).isEqualTo("before=r,d");
        // r was lost in the before row, which is not written: no error. The key d survived.
        SpecialFloatColumns.verify(header, new Struct(keySchema).put("d", Double.NaN), null, "public.t", "offset 8");
        assertThatThrownBy(() -> SpecialFloatColumns.verify(header, new Struct(keySchema).put("d", 0.0), null, "public.t", "offset 8"))
                .isInstanceOf(DataException.class).hasMessageStartingWith("Column d of public.t held NaN");
    }

    @Test
    void aColumnASinkTransformDroppedOrRenamedIsNotCheckedForItIsNotWritten() {
        String header = SpecialFloatColumns.describe(null, row(Float.NaN, Double.NaN, null));
        assertThat(header).isEqualTo("after=r,d");
        // As after a ReplaceField SMT that dropped r and renamed d: nothing named in the header is there to check.
        Schema replaced = SchemaBuilder.struct().name("r").optional().field("id", Schema.INT32_SCHEMA)
                .field("dd", Schema.OPTIONAL_FLOAT64_SCHEMA).build();
        SpecialFloatColumns.verify(header, null, new Struct(replaced).put("id", 1).put("dd", 0.0), "public.t", "offset 9");
        // A column still there is still checked.
        Schema dropped = SchemaBuilder.struct().name("r").optional().field("id", Schema.INT32_SCHEMA)
                .field("d", Schema.OPTIONAL_FLOAT64_SCHEMA).build();
        assertThatThrownBy(() -> SpecialFloatColumns.verify(header, null, new Struct(dropped).put("id", 1).put("d", 0.0),
                "public.t", "offset 9"))
                .isInstanceOf(DataException.class).hasMessageStartingWith("Column d of public.t held NaN");
    }
}
