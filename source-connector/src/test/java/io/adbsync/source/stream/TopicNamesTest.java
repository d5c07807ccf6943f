package io.adbsync.source.stream;

import io.adbsync.common.sql.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicNamesTest {

    @Test
    void twoCapturedTablesOnOneTopicAreRefusedAtStartNamingBoth() {
        assertThatThrownBy(() -> TopicNames.requireDistinct("p", List.of(new TableId("public", "订单"),
                new TableId("public", "客户"))))
                .isInstanceOf(ConnectException.class)
                .hasMessageStartingWith("Tables \"public\".\"订单\" and \"public\".\"客户\" both map to topic p.public.__");
        assertThatThrownBy(() -> TopicNames.requireDistinct("p", List.of(new TableId("my.schema", "t"),
                new TableId("my", "schema.t"))))
                .hasMessageStartingWith("Tables \"my.schema\".\"t\" and \"my\".\"schema.t\" both map to topic p.my.schema.t");
        TopicNames.requireDistinct("p", List.of(new TableId("my.schema", "t"), new TableId("schema", "t"),
                new TableId("public", "Order Items")));
    }

    @Test
    void aNewRelationOnATakenTopicIsRefusedButARenamedOrRecreatedTableKeepsItsTopic() {
        TopicNames names = new TopicNames("p");
        assertThat(names.claim(10, "public", "订单")).isEqualTo("p.public.__");
        assertThat(names.claim(10, "public", "订单")).isEqualTo("p.public.__");
        assertThat(names.claim(11, "public", "订单")).isEqualTo("p.public.__");
        assertThatThrownBy(() -> names.claim(12, "public", "客户"))
                .isInstanceOf(ConnectException.class)
                .hasMessage("Tables \"public\".\"订单\" and \"public\".\"客户\" both map to topic p.public.__ (characters "
                        + "other than letters, digits, '.', '_' and '-' become '_' in topic names), so their changes would "
                        + "be mixed: rename one of them, or leave one out with table.exclude.list");
        // Relation 11 renamed: same table, same topic.
        assertThat(names.claim(11, "public", "库存")).isEqualTo("p.public.__");
    }
}
