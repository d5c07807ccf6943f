package io.adbsync.sink.record;

import io.adbsync.common.filter.Operation;
import io.adbsync.sink.naming.SourceTable;
import io.adbsync.common.sql.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ChangeEventTest {

    private static final SourceTable SOURCE = SourceTable.fromTopic("p.public.t");
    private static final TableId TABLE = new TableId("public", "t");
    private static final Column ID = new Column("id", Schema.INT32_SCHEMA);
    private static final Column A = new Column("a", Schema.OPTIONAL_STRING_SCHEMA);
    private static final Column B = new Column("b", Schema.OPTIONAL_STRING_SCHEMA);
    private static final RowKey KEY = RowKey.of(List.of(1));

    private static SinkRecord record(long offset) {
        return new SinkRecord("p.public.t", 0, null, null, null, null, offset);
    }

    private static ChangeEvent.Row row(Map<String, String> fields, Set<String> unavailable) {
        return new ChangeEvent.Row(List.of(ID), KEY, List.of(ID, A, B), fields, unavailable);
    }

    @Test
    void eachFactorySaysWhatTheRecordAsksFor() {
        ChangeEvent plain = ChangeEvent.plainUpsert(record(0), SOURCE, TABLE, row(Map.of("id", "1", "a", "x", "b", "y"), Set.of()));
        assertThat(plain.kind()).isEqualTo(ChangeEvent.Kind.UPSERT);
        assertThat(plain.operation()).isEqualTo(Operation.INSERT);
        assertThat(plain.plain()).isTrue();
        assertThat(plain.snapshot()).isFalse();

        ChangeEvent snapshotRow = ChangeEvent.upsert(record(1), SOURCE, TABLE, Operation.INSERT, true,
                row(Map.of("id", "1", "a", "x", "b", "y"), Set.of()));
        assertThat(snapshotRow.plain()).isFalse();
        assertThat(snapshotRow.snapshot()).isTrue();

        ChangeEvent delete = ChangeEvent.delete(record(2), SOURCE, TABLE, ChangeEvent.Row.ofKey(List.of(ID), KEY, Map.of("id", "1")));
        assertThat(delete.kind()).isEqualTo(ChangeEvent.Kind.DELETE);
        assertThat(delete.operation()).isEqualTo(Operation.DELETE);
        assertThat(delete.columns()).containsExactly(ID);
        assertThat(delete.key()).isEqualTo(KEY);
        assertThat(delete.partial()).isFalse();

        ChangeEvent truncate = ChangeEvent.truncate(record(3), SOURCE, TABLE);
        assertThat(truncate.kind()).isEqualTo(ChangeEvent.Kind.TRUNCATE);
        assertThat(truncate.operation()).isEqualTo(Operation.TRUNCATE);
        assertThat(truncate.key()).isNull();
        assertThat(truncate.columns()).isEmpty();
        assertThat(truncate.textBytes()).isZero();
    }

    @Test
    void aPartialUpsertTakesTheValuesItLacksFromAnEarlierUpsertOfItsKey() {
        ChangeEvent earlier = ChangeEvent.upsert(record(0), SOURCE, TABLE, Operation.UPDATE, false,
                row(Map.of("id", "1", "b", "old b"), Set.of("a")));
        ChangeEvent later = ChangeEvent.upsert(record(1), SOURCE, TABLE, Operation.UPDATE, false,
                row(Map.of("id", "1"), Set.of("a", "b")));
        assertThat(later.partial()).isTrue();
        ChangeEvent merged = later.over(earlier);
        assertThat(merged.fields()).containsExactlyInAnyOrderEntriesOf(Map.of("id", "1", "b", "old b"));
        assertThat(merged.unavailable()).containsExactly("a");
        assertThat(merged.record()).isSameAs(later.record());
        assertThat(merged.operation()).isEqualTo(Operation.UPDATE);
    }
}
