package io.adbsync.converter;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ResolvedSchemasTest {

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger lookups = new AtomicInteger();
    private final ResolvedSchemas<String> cache = new ResolvedSchemas<>(30_000, nanos::get);

    private String resolve(String topic, Object schema) {
        return cache.get(topic, schema, () -> "answer " + lookups.incrementAndGet());
    }

    @Test
    void theSameSchemaInstanceOnTheSameTopicIsResolvedOnce() {
        Object schema = new Object();
        assertThat(resolve("t", schema)).isEqualTo("answer 1");
        assertThat(resolve("t", schema)).isEqualTo("answer 1");
        assertThat(lookups).hasValue(1);
    }

    @Test
    void anEqualButDistinctSchemaOrAnotherTopicAsksAgain() {
        String schema = new String("same text");
        String equalSchema = new String("same text");
        resolve("t", schema);
        assertThat(resolve("t", equalSchema)).isEqualTo("answer 2");
        assertThat(resolve("other", schema)).isEqualTo("answer 3");
    }

    @Test
    void anAnswerOlderThanTheCheckPeriodIsAskedForAgain() {
        Object schema = new Object();
        resolve("t", schema);
        nanos.addAndGet(29_999_000_000L);
        assertThat(resolve("t", schema)).isEqualTo("answer 1");
        nanos.addAndGet(2_000_000L);
        assertThat(resolve("t", schema)).isEqualTo("answer 2");
    }

    @Test
    void aFailedLookupIsNotRemembered() {
        Object schema = new Object();
        try {
            cache.get("t", schema, () -> {
                throw new IllegalStateException("registry down");
            });
        } catch (IllegalStateException expected) {
            // the converter turns it into a retriable error
        }
        assertThat(resolve("t", schema)).isEqualTo("answer 1");
    }

    @Test
    void itStartsOverInsteadOfGrowingWithoutBound() {
        for (int i = 0; i < ResolvedSchemas.MAX_ENTRIES + 5; i++) {
            resolve("t", new Object());
        }
        assertThat(cache.size()).isLessThanOrEqualTo(ResolvedSchemas.MAX_ENTRIES);
    }
}
