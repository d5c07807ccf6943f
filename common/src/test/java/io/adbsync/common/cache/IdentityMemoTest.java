package io.adbsync.common.cache;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityMemoTest {

    @Test
    void computesOncePerObjectEvenWhenRecordsOfSeveralSchemasInterleave() {
        AtomicInteger computed = new AtomicInteger();
        IdentityMemo<Schema, Boolean> memo = new IdentityMemo<>(8, s -> {
            computed.incrementAndGet();
            return s.field("f") != null;
        });
        Schema a = SchemaBuilder.struct().name("a").field("f", Schema.FLOAT64_SCHEMA).build();
        Schema b = SchemaBuilder.struct().name("b").field("i", Schema.INT32_SCHEMA).build();
        for (int i = 0; i < 100; i++) {
            assertThat(memo.get(a)).isTrue();
            assertThat(memo.get(b)).isFalse();
        }
        assertThat(computed).hasValue(2);
        // An equal but distinct schema (a new Relation) is worked out afresh, not confused with the old one.
        assertThat(memo.get(SchemaBuilder.struct().name("a").field("f", Schema.FLOAT64_SCHEMA).build())).isTrue();
        assertThat(computed).hasValue(3);
    }

    @Test
    void startsAfreshPastItsCapacity() {
        AtomicInteger computed = new AtomicInteger();
        IdentityMemo<Object, Integer> memo = new IdentityMemo<>(2, o -> computed.incrementAndGet());
        Object first = new Object();
        memo.get(first);
        memo.get(new Object());
        memo.get(new Object());
        memo.get(first);
        assertThat(computed).hasValue(4);
    }
}
