package io.adbsync.common.sql;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableIdTest {

    @Test
    void parsesSchemaAndTableAtTheFirstDot() {
        assertThat(TableId.parse("public.adbsync_heartbeat")).isEqualTo(new TableId("public", "adbsync_heartbeat"));
        assertThat(TableId.parse("s.t.u")).isEqualTo(new TableId("s", "t.u"));
        assertThat(TableId.parse("My Schema.Orders")).isEqualTo(new TableId("My Schema", "Orders"));
    }

    @Test
    void aNameWithoutSchemaIsRejectedOrTakesTheDefaultSchema() {
        assertThatThrownBy(() -> TableId.parse("orders")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'orders' is not a schema.table name");
        assertThat(TableId.parse("orders", "public")).isEqualTo(new TableId("public", "orders"));
        assertThat(TableId.parse("ops.orders", "public")).isEqualTo(new TableId("ops", "orders"));
    }

    @Test
    void quotesEachPartOnItsOwnThroughSqlIdentifiers() {
        assertThat(new TableId("public", "orders").quoted()).isEqualTo("\"public\".\"orders\"");
        assertThat(new TableId("a.b", "c").quoted()).isEqualTo("\"a.b\".\"c\"");
        assertThat(new TableId("s", "x\"; DROP TABLE t; --").quoted()).isEqualTo("\"s\".\"x\"\"; DROP TABLE t; --\"");
        assertThat(new TableId("s", "Mixed Case").regclassText()).isEqualTo("\"s\".\"Mixed Case\"");
        assertThatThrownBy(() -> new TableId("s", "").quoted()).hasMessageContaining("empty");
    }

    @Test
    void printsUnquotedAndRoundTripsThroughParse() {
        TableId id = new TableId("s", "t.u");
        assertThat(id).hasToString("s.t.u");
        assertThat(TableId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void equalsByValue() {
        assertThat(new TableId("s", "t")).isEqualTo(new TableId("s", "t")).hasSameHashCodeAs(new TableId("s", "t"));
        assertThat(new TableId("s", "t")).isNotEqualTo(new TableId("S", "t")).isNotEqualTo(new TableId("s", "T"));
        assertThatThrownBy(() -> new TableId(null, "t")).isInstanceOf(NullPointerException.class);
    }
}
