package io.adbsync.sink.naming;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SourceTableTest {

    @Test
    void aRecordsSourceNamesAgreeWithAPrefixSchemaTableTopicTheyMapTo() {
        SourceTable routed = SourceTable.fromTopic("app.public.orders");
        assertThat(routed.agreesWith("public", "orders")).isTrue();
        assertThat(routed.agreesWith("public", "order")).isFalse();
        assertThat(routed.agreesWith("ublic", "orders")).isFalse();
        assertThat(routed.agreesWith("app.public", "orders")).isFalse();
        // Names are compared as they map to topic names: a space becomes '_', a dot stays.
        assertThat(SourceTable.fromTopic("app.my.schema.Order_Items").agreesWith("my.schema", "Order Items")).isTrue();
        assertThat(SourceTable.fromTopic("appxpublic.orders.x").agreesWith("public", "orders")).isFalse();
        assertThat(SourceTable.fromTopic(".public.orders").agreesWith("public", "orders")).isTrue();
    }

    @Test
    void aTopicOfOnePartAgreesWithAnyNames() {
        assertThat(SourceTable.fromTopic("orders").agreesWith("other", "table")).isTrue();
    }
}
