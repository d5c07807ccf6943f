package io.adbsync.source.snapshot;

import io.adbsync.source.pgoutput.TupleData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class CopyTextRowsTest {

    @Test
    void splitsOnTabsAndReadsNulls() {
        TupleData row = CopyTextRows.parse("1\t\\N\tabc\t\n".getBytes(StandardCharsets.UTF_8));
        assertThat(row.size()).isEqualTo(4);
        assertThat(row.get(0).text()).isEqualTo("1");
        assertThat(row.get(1).isNull()).isTrue();
        assertThat(row.get(2).text()).isEqualTo("abc");
        assertThat(row.get(3).text()).isEmpty();
    }

    @Test
    void undoesEveryEscapeCopyWrites() {
        TupleData row = CopyTextRows.parse("a\\tb\\nc\\\\d\\r\\b\\f\\v\\101\\x42é\n".getBytes(StandardCharsets.UTF_8));
        assertThat(row.get(0).text()).isEqualTo("a\tb\nc\\d\r\b\f\u000BABé");
    }

    @Test
    void aBackslashNInsideTextIsNotNull() {
        TupleData row = CopyTextRows.parse("\\\\N\n".getBytes(StandardCharsets.UTF_8));
        assertThat(row.get(0).isNull()).isFalse();
        assertThat(row.get(0).text()).isEqualTo("\\N");
    }
}
