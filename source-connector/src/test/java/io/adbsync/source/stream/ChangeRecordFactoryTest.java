package io.adbsync.source.stream;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ChangeRecordFactory}: which records a change becomes, in which order, with which indices. */
class ChangeRecordFactoryTest {

    private static final int OID = 16384;
    private static final long COMMIT = 0x4000, WAL = 0x3F00;
    private static final TransactionContext TX = new TransactionContext(new Lsn(COMMIT), 1_000_000, 812);
    private static final TupleData.Value UNCHANGED = TupleData.Value.UNCHANGED_TOAST;
    private static final TupleData.Value NULL = TupleData.Value.NULL;

    /** {@code public.items (id int4 key, v text)} under the default replica identity. */
    private final CapturedTable items = table('d', List.of("id"), new Column(true, "id", 23, -1), new Column(false, "v", 25, -1));
    /** The same under REPLICA IDENTITY FULL: every column is flagged, the key comes from the catalog. */
    private final CapturedTable full = table('f', List.of("id"), new Column(true, "id", 23, -1), new Column(true, "v", 25, -1));

    @Test
    void anUpdateThatChangesTheKeyIsADeleteOfTheOldKeyATombstoneAndACreateOfTheNewKeyInThatOrder() {
        List<SourceRecord> records = factory(true).update(items, 'K', row(t("1"), NULL), row(t("2"), t("x")), TX, new Lsn(WAL), 8);
        assertThat(describe(records)).containsExactly(
                "8 d key={id=1} before={id=1, v=null} after=null",
                "9 tombstone key={id=1}",
                "10 c key={id=2} before=null after={id=2, v=x}");
        assertThat(records).extracting(SourceRecord::topic).containsOnly("p.public.items");
    }

    @Test
    void withoutTombstonesAKeyChangeIsADeleteAndACreate() {
        List<SourceRecord> records = factory(false).update(items, 'K', row(t("1"), NULL), row(t("2"), t("x")), TX, new Lsn(WAL), 8);
        assertThat(describe(records)).containsExactly(
                "8 d key={id=1} before={id=1, v=null} after=null",
                "9 c key={id=2} before=null after={id=2, v=x}");
    }

    @Test
    void underReplicaIdentityFullAKeyChangeDeletesTheWholeOldRowAndTheNewRowKeepsItsUnchangedToastedValue() {
        List<SourceRecord> records = factory(true).update(full, 'O', row(t("1"), t("long")), row(t("2"), UNCHANGED), TX, new Lsn(WAL), 0);
        assertThat(describe(records)).containsExactly(
                "0 d key={id=1} before={id=1, v=long} after=null",
                "1 tombstone key={id=1}",
                "2 c key={id=2} before=null after={id=2, v=long}");
    }

    @Test
    void aKeyChangeOfOneColumnOfACompositeKeyIsAKeyChange() {
        CapturedTable composite = table('d', List.of("a", "b"),
                new Column(true, "a", 23, -1), new Column(true, "b", 23, -1), new Column(false, "v", 25, -1));
        List<SourceRecord> records = factory(false).update(composite, 'K', row(t("1"), t("1"), NULL),
                row(t("1"), t("2"), t("x")), TX, new Lsn(WAL), 4);
        assertThat(describe(records)).containsExactly(
                "4 d key={a=1, b=1} before={a=1, b=1, v=null} after=null",
                "5 c key={a=1, b=2} before=null after={a=1, b=2, v=x}");
    }

    @Test
    void anUpdateThatKeepsTheKeyIsOneUpdateRecord() {
        // No old tuple: the key did not change.
        assertThat(describe(factory(true).update(items, (char) 0, null, row(t("1"), t("y")), TX, new Lsn(WAL), 4)))
                .containsExactly("4 u key={id=1} before=null after={id=1, v=y}");
        // The old key sent although it did not change (a TOASTed key value): still one update.
        assertThat(describe(factory(true).update(items, 'K', row(t("1"), NULL), row(t("1"), t("y")), TX, new Lsn(WAL), 4)))
                .containsExactly("4 u key={id=1} before=null after={id=1, v=y}");
        // The key itself TOASTed and unchanged: the new row has no value for it, the old key has it.
        assertThat(describe(factory(true).update(items, 'K', row(t("1"), NULL), row(UNCHANGED, t("y")), TX, new Lsn(WAL), 4)))
                .containsExactly("4 u key={id=1} before=null after={id=1, v=y}");
        // REPLICA IDENTITY FULL: the whole old row is the before image.
        assertThat(describe(factory(true).update(full, 'O', row(t("1"), t("x")), row(t("1"), t("y")), TX, new Lsn(WAL), 4)))
                .containsExactly("4 u key={id=1} before={id=1, v=x} after={id=1, v=y}");
    }

    @Test
    void aTableWithoutKeyHasNoKeyChangesAndNoKeys() {
        CapturedTable keyless = table('f', List.of(), new Column(true, "id", 23, -1), new Column(true, "v", 25, -1));
        assertThat(describe(factory(true).update(keyless, 'O', row(t("1"), t("x")), row(t("2"), t("y")), TX, new Lsn(WAL), 0)))
                .containsExactly("0 u key=null before={id=1, v=x} after={id=2, v=y}");
    }

    @Test
    void aDeleteIsFollowedByItsTombstoneWhenTombstonesAreOn() {
        assertThat(describe(factory(true).delete(items, row(t("1"), NULL), TX, new Lsn(WAL), 12)))
                .containsExactly("12 d key={id=1} before={id=1, v=null} after=null", "13 tombstone key={id=1}");
        assertThat(describe(factory(false).delete(items, row(t("1"), NULL), TX, new Lsn(WAL), 12)))
                .containsExactly("12 d key={id=1} before={id=1, v=null} after=null");
    }

    @Test
    void recordsCarryTheTransactionsPositionAndTheChangesSource() {
        SourceRecord insert = factory(true).insert(items, row(t("1"), t("x")), TX, new Lsn(WAL), 4).get(0);
        assertThat(insert.sourcePartition()).isEqualTo(Map.of("server", "p"));
        assertThat(insert.sourceOffset()).isEqualTo(Map.of("lsn", COMMIT, "event", 4L));
        Struct source = ((Struct) insert.value()).getStruct("source");
        assertThat(source.getInt64("txId")).isEqualTo(812L);
        assertThat(source.getInt64("lsn")).isEqualTo(WAL);
        assertThat(source.getString("snapshot")).isEqualTo("false");
        assertThat(source.getString("db")).isEqualTo("db");
        assertThat(source.getString("schema")).isEqualTo("public");
        assertThat(source.getString("table")).isEqualTo("items");
        // 1 s after 2000-01-01, PostgreSQL's epoch.
        assertThat(source.getInt64("ts_ms")).isEqualTo(946_684_801_000L);
        assertThat(insert.timestamp()).isEqualTo(946_684_801_000L);
    }

    /**
     * Bytes that are not UTF-8 (a "char" value of 0x80 as PostgreSQL before 15 sends it) would become U+FFFD, a value
     * the source never held: the change is refused naming the table and column.
     */
    @Test
    void aValueThatIsNotUtf8IsRefusedNamingTheTableAndColumn() {
        TupleData.Value notUtf8 = new TupleData.Value('t', new byte[] {(byte) 0x80});
        assertThatThrownBy(() -> factory(true).insert(items, row(t("1"), notUtf8), TX, new Lsn(WAL), 4))
                .isInstanceOf(org.apache.kafka.connect.errors.DataException.class)
                .hasMessageContaining("public.items").hasMessageContaining("Column v");
        // U+FFFD itself, sent as its UTF-8 bytes, is a value like any other.
        SourceRecord replacement = factory(true).insert(items, row(t("1"), t("\uFFFD")), TX, new Lsn(WAL), 4).get(0);
        assertThat(((org.apache.kafka.connect.data.Struct) replacement.value()).getStruct("after").getString("v"))
                .isEqualTo("\uFFFD");
    }

    private static ChangeRecordFactory factory(boolean tombstones) {
        return new ChangeRecordFactory("p", "db", tombstones, (t, c, k, xid) -> {
            throw new AssertionError("no value is re-read here");
        }, TopicPartitions.from(java.util.Map.of()), "7");
    }

    private static CapturedTable table(char identity, List<String> primaryKey, Column... columns) {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        return new RelationRegistry("p", types, oid -> primaryKey, oid -> Map.of())
                .update(new Relation(OptionalInt.empty(), OID, "public", "items", identity, Arrays.asList(columns)));
    }

    private static TupleData.Value t(String text) {
        return new TupleData.Value('t', text.getBytes(StandardCharsets.UTF_8));
    }

    private static TupleData row(TupleData.Value... values) {
        return new TupleData(Arrays.asList(values));
    }

    /** "index op key=... before=... after=..." or "index tombstone key=...". */
    private static List<String> describe(List<SourceRecord> records) {
        return records.stream().map(r -> {
            String index = r.sourceOffset().get(ChangeRecordFactory.OFFSET_EVENT) + " ";
            if (r.value() == null) {
                return index + "tombstone key=" + fields((Struct) r.key());
            }
            Struct envelope = (Struct) r.value();
            return index + envelope.getString("op") + " key=" + fields((Struct) r.key()) + " before="
                    + fields(envelope.getStruct("before")) + " after=" + fields(envelope.getStruct("after"));
        }).toList();
    }

    private static String fields(Struct struct) {
        if (struct == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("{");
        struct.schema().fields().forEach(f -> sb.append(sb.length() > 1 ? ", " : "").append(f.name()).append('=').append(struct.get(f)));
        return sb.append('}').toString();
    }
}
