package io.adbsync.source.stream;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.common.contract.EventContract;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.types.TypeMapper;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link RelationRegistry}: the key, names and schemas a Relation message gives a table. */
class RelationRegistryTest {

    private static final int OID = 16384;

    private final Map<Integer, List<String>> catalogKeys = new HashMap<>();
    private final List<Integer> keysAsked = new ArrayList<>();
    private final Map<Integer, Map<String, String>> catalogMissing = new HashMap<>();
    private final List<Integer> missingAsked = new ArrayList<>();
    private final RelationRegistry registry = new RelationRegistry("shop", new TypeMapper((oid, typmod) -> "public.mood"),
            oid -> {
                keysAsked.add(oid);
                return catalogKeys.getOrDefault(oid, List.of());
            },
            oid -> {
                missingAsked.add(oid);
                return catalogMissing.getOrDefault(oid, Map.of());
            });

    @Test
    void theKeyComesFromTheRelationsKeyFlagsInColumnOrderWithoutAskingTheCatalog() {
        CapturedTable t = registry.update(relation('d', key("b"), col("a"), key("c")));
        assertThat(names(t.keySchema())).containsExactly("b", "c");
        assertThat(t.columns()).extracting(CapturedTable.CapturedColumn::key).containsExactly(true, false, true);
        assertThat(t.keySchema().field("b").schema().isOptional()).isFalse();
        assertThat(t.rowSchema().field("b").schema().isOptional()).isFalse();
        assertThat(t.rowSchema().field("a").schema().isOptional()).isTrue();
        assertThat(keysAsked).isEmpty();
    }

    @Test
    void underReplicaIdentityFullOrNothingTheKeyIsThePrimaryKeyInItsOwnOrder() {
        catalogKeys.put(OID, List.of("c", "a"));
        // Under FULL every column is flagged: the flags do not say which are the primary key.
        CapturedTable full = registry.update(relation('f', key("a"), key("b"), key("c")));
        assertThat(names(full.keySchema())).containsExactly("c", "a");
        assertThat(full.columns()).extracting(CapturedTable.CapturedColumn::key).containsExactly(true, false, true);
        assertThat(full.rowSchema().field("b").schema().isOptional()).isTrue();

        CapturedTable nothing = registry.update(relation('n', col("a"), col("b"), col("c")));
        assertThat(names(nothing.keySchema())).containsExactly("c", "a");
        assertThat(keysAsked).containsOnly(OID);
    }

    @Test
    void aTableWithoutKeyHasNoKeySchema() {
        assertThat(registry.update(relation('d', col("a"), col("b"))).keySchema()).isNull();
        assertThat(registry.update(relation('f', col("a"), col("b"))).keySchema()).isNull();
    }

    @Test
    void aPrimaryKeyColumnTheServerDidNotSendIsAnError() {
        catalogKeys.put(OID, List.of("gone"));
        assertThatThrownBy(() -> registry.update(relation('f', key("a"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Key column gone of public.items is not among the columns the server sent");
    }

    @Test
    void namesAreValidAvroNamesKeepingTheOriginalColumnNameWhereItChanged() {
        CapturedTable t = registry.update(new Relation(OptionalInt.empty(), OID, "my-schema", "Order Items", 'd',
                List.of(new Column(true, "id", 23, -1), new Column(false, "a-b", 25, -1), new Column(false, "a_b", 25, -1),
                        new Column(false, "1st", 25, -1), new Column(false, "a_b_2", 25, -1))));
        assertThat(t.topic()).isEqualTo("shop.my-schema.Order_Items");
        assertThat(t.keySchema().name()).isEqualTo("shop.my_schema.Order_Items.Key");
        assertThat(t.rowSchema().name()).isEqualTo("shop.my_schema.Order_Items.Value");
        assertThat(t.envelopeSchema().name()).isEqualTo("shop.my_schema.Order_Items.Envelope");
        assertThat(t.columns()).extracting(CapturedTable.CapturedColumn::fieldName)
                .containsExactly("id", "a_b", "a_b_2", "_1st", "a_b_2_2");
        assertThat(names(t.rowSchema())).containsExactly("id", "a_b", "a_b_2", "_1st", "a_b_2_2");
        assertThat(t.rowSchema().field("a_b").schema().parameters())
                .containsEntry(EventContract.COLUMN_NAME_PARAMETER, "a-b").containsEntry(EventContract.SOURCE_TYPE_PARAMETER, "text");
        assertThat(t.rowSchema().field("a_b_2").schema().parameters()).containsEntry(EventContract.COLUMN_NAME_PARAMETER, "a_b");
        assertThat(t.rowSchema().field("id").schema().parameters()).doesNotContainKey(EventContract.COLUMN_NAME_PARAMETER);
        assertThat(t.columns()).extracting(CapturedTable.CapturedColumn::name)
                .containsExactly("id", "a-b", "a_b", "1st", "a_b_2");
    }

    @Test
    void typesNotBuiltInAreNamedByTheCatalog() {
        CapturedTable t = registry.update(new Relation(OptionalInt.empty(), OID, "public", "items", 'd',
                List.of(new Column(true, "id", 20, -1), new Column(false, "m", 90_001, -1))));
        assertThat(t.rowSchema().field("id").schema().type()).isEqualTo(Schema.Type.INT64);
        assertThat(t.rowSchema().field("m").schema().parameters()).containsEntry(EventContract.SOURCE_TYPE_PARAMETER, "public.mood");
        assertThat(t.columns().get(1).typeOid()).isEqualTo(90_001);
    }

    @Test
    void aLaterRelationMessageReplacesTheShapeAndDescribeRegistersNothing() {
        registry.update(relation('d', key("id")));
        CapturedTable described = registry.describe(relation('d', key("id"), col("added")));
        assertThat(names(described.rowSchema())).containsExactly("id", "added");
        assertThat(names(registry.get(OID).rowSchema())).containsExactly("id");

        registry.update(relation('d', key("id"), col("added")));
        assertThat(names(registry.get(OID).rowSchema())).containsExactly("id", "added");
        assertThat(registry.get(OID).topic()).isEqualTo("shop.public.items");
    }

    @Test
    void onlyColumnsWithAFastDefaultCarryTheStoredValueAskedOncePerRelationMessage() {
        catalogMissing.put(OID, Map.of("b", "7", "c", "a, \"b\"", "gone", "1"));
        CapturedTable t = registry.update(relation('d', key("id"), col("a"), col("b"), col("c")));
        assertThat(t.rowSchema().field("b").schema().parameters()).containsEntry(EventContract.MISSING_VALUE_PARAMETER, "7")
                .containsEntry(EventContract.SOURCE_TYPE_PARAMETER, "integer");
        assertThat(t.rowSchema().field("c").schema().parameters())
                .containsEntry(EventContract.MISSING_VALUE_PARAMETER, "a, \"b\"");
        assertThat(t.rowSchema().field("id").schema().parameters()).doesNotContainKey(EventContract.MISSING_VALUE_PARAMETER);
        assertThat(t.rowSchema().field("a").schema().parameters()).doesNotContainKey(EventContract.MISSING_VALUE_PARAMETER);
        assertThat(t.keySchema().field("id").schema().parameters()).doesNotContainKey(EventContract.MISSING_VALUE_PARAMETER);
        assertThat(missingAsked).containsExactly(OID);
    }

    @Test
    void aChangeOfARelationNeverAnnouncedIsAnError() {
        assertThatThrownBy(() -> registry.get(OID))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Change for relation OID 16384 arrived before its Relation message");
        registry.describe(relation('d', key("id")));
        assertThatThrownBy(() -> registry.get(OID)).isInstanceOf(IllegalStateException.class);
    }

    private static Relation relation(char identity, Column... columns) {
        return new Relation(OptionalInt.empty(), OID, "public", "items", identity, Arrays.asList(columns));
    }

    private static Column key(String name) {
        return new Column(true, name, 23, -1);
    }

    private static Column col(String name) {
        return new Column(false, name, 23, -1);
    }

    private static List<String> names(Schema schema) {
        return schema.fields().stream().map(Field::name).toList();
    }
}
