package io.adbsync.source.stream;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The partition count of each topic, as Kafka Connect's topic-creation settings of the connector create it. */
class TopicPartitionsTest {

    @Test
    void withoutTopicCreationSettingsEveryTopicHasOne() {
        assertThat(TopicPartitions.from(Map.of()).of("p.public.t")).isEqualTo(1);
    }

    @Test
    void theFirstMatchingGroupDecidesElseTheDefault() {
        TopicPartitions partitions = TopicPartitions.from(Map.of(
                "topic.creation.default.partitions", "3",
                "topic.creation.groups", "big, inherits",
                "topic.creation.big.include", "p\\.public\\.big.*, p\\.sales\\..*",
                "topic.creation.big.exclude", "p\\.public\\.big_small",
                "topic.creation.big.partitions", "12",
                "topic.creation.inherits.include", "p\\.public\\.big_small"));
        assertThat(partitions.of("p.public.big_orders")).isEqualTo(12);
        assertThat(partitions.of("p.sales.x")).isEqualTo(12);
        // Excluded from the first group, matched by the second, which takes the default's count.
        assertThat(partitions.of("p.public.big_small")).isEqualTo(3);
        assertThat(partitions.of("p.public.t")).isEqualTo(3);
    }

    @Test
    void whetherAnyTopicCanHaveSeveralPartitions() {
        assertThat(TopicPartitions.from(Map.of()).anyWithSeveral()).isFalse();
        assertThat(TopicPartitions.from(Map.of("topic.creation.default.partitions", "1")).anyWithSeveral()).isFalse();
        assertThat(TopicPartitions.from(Map.of("topic.creation.default.partitions", "2")).anyWithSeveral()).isTrue();
        assertThat(TopicPartitions.from(Map.of("topic.creation.groups", "big", "topic.creation.big.include", "p\\.x",
                "topic.creation.big.partitions", "4")).anyWithSeveral()).isTrue();
    }

    @Test
    void theBrokersDefaultIsRefusedOnItsKeyBecauseItLeavesTheCountUnknown() {
        assertThatThrownBy(() -> TopicPartitions.from(Map.of("topic.creation.default.partitions", "-1")))
                .isInstanceOfSatisfying(TopicPartitions.Invalid.class, e -> assertThat(e.key()).isEqualTo("topic.creation.default.partitions"))
                .hasMessageContaining("-1 (the broker's default partition count) leaves the number of partitions of the "
                        + "table topics unknown");
        assertThatThrownBy(() -> TopicPartitions.from(Map.of("topic.creation.default.partitions", "2",
                "topic.creation.groups", "g", "topic.creation.g.include", ".*", "topic.creation.g.partitions", "-1")))
                .isInstanceOfSatisfying(TopicPartitions.Invalid.class, e -> assertThat(e.key()).isEqualTo("topic.creation.g.partitions"));
        assertThatThrownBy(() -> TopicPartitions.from(Map.of("topic.creation.default.partitions", "70000")))
                .hasMessageContaining("must be between 1 and 65536");
    }
}
