package io.adbsync.common.definition;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DefinitionCodecTest {

    private static final ObjectRef ORDERS = new ObjectRef(ObjectKind.TABLE, "shop", "Order \"Items\"");
    private static final ObjectRef MOOD = new ObjectRef(ObjectKind.ENUM, "public", "mood");

    static Definition table() {
        return Definition.ofTable(ORDERS, List.of(MOOD), new TableShape(
                List.of(new ColumnShape("id", "bigint", true, null, "ALWAYS", null),
                        new ColumnShape("mood", "public.mood", false, "'ok'::public.mood", null, null),
                        new ColumnShape("total", "numeric(12,2)", false, null, null, "(price * (2)::numeric)")),
                List.of("id"), List.of(new ConstraintShape("total_positive", "CHECK", "CHECK ((total > (0)::numeric))")),
                new Distribution("hash", List.of("id")), "ao_column"));
    }

    @Test
    void keysRoundTripWhateverTheNames() {
        for (ObjectRef ref : List.of(ORDERS, MOOD, new ObjectRef(ObjectKind.FUNCTION, "a.b", "f(integer, text)"),
                new ObjectRef(ObjectKind.SCHEMA, "s:x", "s:x"), new ObjectRef(ObjectKind.AGGREGATE, "stats", "norm(numeric)"),
                new ObjectRef(ObjectKind.OPERATOR, "stats", "<<<(numeric, numeric)"), new ObjectRef(ObjectKind.OPERATOR, "s", "!!(NONE, text)"))) {
            assertThat(ObjectRef.parse(ref.key())).isEqualTo(ref);
        }
        assertThat(ORDERS.key()).isEqualTo("table:\"shop\".\"Order \"\"Items\"\"\"");
        assertThatThrownBy(() -> ObjectRef.parse("table:public.t")).hasMessageContaining("Malformed schema-channel key");
        assertThatThrownBy(() -> ObjectRef.parse("widget:\"a\".\"b\"")).hasMessageContaining("Unknown object kind 'widget'");
    }

    @Test
    void everyShapeSurvivesTheConverter() {
        Definition index = Definition.ofIndex(new ObjectRef(ObjectKind.INDEX, "shop", "orders_mood"), List.of(ORDERS),
                new IndexShape(ORDERS, true, "btree", List.of("lower((mood)::text)", "id DESC"), List.of("total"), "(id > 0)"));
        Definition sequence = Definition.ofSequence(new ObjectRef(ObjectKind.SEQUENCE, "shop", "orders_id_seq"), List.of(),
                new SequenceShape("bigint", 1, 1, 1, Long.MAX_VALUE, 1, false, "\"shop\".\"orders\".\"id\"", 42L, true));
        Definition type = Definition.ofStatements(MOOD, List.of(), List.of("CREATE TYPE public.mood AS ENUM ('sad', 'ok')"));
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "true"), false);
        for (Definition d : List.of(table(), index, sequence, type)) {
            Struct encoded = DefinitionCodec.encode(d, "0/16B3748", 1234L);
            encoded.validate();
            byte[] bytes = json.fromConnectData("p.schema-changes", DefinitionCodec.VALUE_SCHEMA, encoded);
            Struct back = (Struct) json.toConnectData("p.schema-changes", bytes).value();
            assertThat(DefinitionCodec.isDefinition(back.schema())).isTrue();
            DefinitionCodec.Received received = DefinitionCodec.decode(back);
            assertThat(received.definition()).isEqualTo(d);
            assertThat(received.version()).isEqualTo(d.version());
            assertThat(received.lsn()).isEqualTo("0/16B3748");
            assertThat(received.tsMs()).isEqualTo(1234L);
        }
    }

    @Test
    void theVersionFollowsTheDefinitionButNotASequencesPosition() {
        SequenceShape at1 = new SequenceShape("integer", 1, 1, 1, Integer.MAX_VALUE, 1, false, null, 1L, true);
        SequenceShape at9 = new SequenceShape("integer", 1, 1, 1, Integer.MAX_VALUE, 1, false, null, 9L, true);
        SequenceShape by2 = new SequenceShape("integer", 1, 2, 1, Integer.MAX_VALUE, 1, false, null, 9L, true);
        ObjectRef ref = new ObjectRef(ObjectKind.SEQUENCE, "public", "s");
        assertThat(Definition.ofSequence(ref, List.of(), at1).version()).isEqualTo(Definition.ofSequence(ref, List.of(), at9).version());
        assertThat(Definition.ofSequence(ref, List.of(), by2).version()).isNotEqualTo(Definition.ofSequence(ref, List.of(), at9).version());
        assertThat(table().version()).isEqualTo(table().version()).hasSize(16);
    }

    @Test
    void aMalformedValueNamesWhatIsWrong() {
        Struct s = DefinitionCodec.encode(table(), null, 0);
        s.put("kind", "widget");
        assertThatThrownBy(() -> DefinitionCodec.decode(s)).hasMessageContaining("Unknown object kind 'widget'");
    }
}
