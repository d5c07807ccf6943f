package io.adbsync.common.contract;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceTableHeaderTest {

    @Test
    void namesThatTopicNamesConfuseStayApart() {
        assertThat(SourceTableHeader.encode("my.schema", "t")).isEqualTo("\"my.schema\".\"t\"");
        assertThat(SourceTableHeader.encode("my", "schema.t")).isEqualTo("\"my\".\"schema.t\"");
        for (String[] names : new String[][] {{"my.schema", "t"}, {"my", "schema.t"}, {"public", "Order Items"},
                {"public", "订单"}, {"a\"b", "\"."}, {"", ""}}) {
            assertThat(SourceTableHeader.decode(SourceTableHeader.encode(names[0], names[1])))
                    .isEqualTo(new SourceTableHeader.Name(names[0], names[1]));
        }
    }

    @Test
    void aMalformedValueIsRefusedSayingWhatItShouldRead() {
        for (String bad : new String[] {"public.t", "\"public\"", "\"public\".t", "\"a\".\"b\"x", "\"a\".\"b"}) {
            assertThatThrownBy(() -> SourceTableHeader.decode(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Header adbsync.source.table must read \"schema\".\"table\" (inner quotes doubled), not '"
                            + bad + "'");
        }
    }
}
