package io.adbsync.common.contract;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link AvroNames}: schema, field and topic names built from any PostgreSQL name. */
class AvroNamesTest {

    /** The Avro specification's name rule. */
    private static final Pattern AVRO_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    @Test
    void validNamesAreKeptAsTheyAre() {
        assertThat(AvroNames.name("orders")).isEqualTo("orders");
        assertThat(AvroNames.name("Order_Items_2")).isEqualTo("Order_Items_2");
        assertThat(AvroNames.name("_x9")).isEqualTo("_x9");
    }

    @Test
    void everyOtherCharacterBecomesAnUnderscoreAndALeadingDigitIsPrefixedWithOne() {
        assertThat(AvroNames.name("Order Items")).isEqualTo("Order_Items");
        assertThat(AvroNames.name("a-b.c$d")).isEqualTo("a_b_c_d");
        assertThat(AvroNames.name("1st")).isEqualTo("_1st");
        assertThat(AvroNames.name("2024")).isEqualTo("_2024");
        assertThat(AvroNames.name("订单")).isEqualTo("__");
        assertThat(AvroNames.name("é")).isEqualTo("_");
        assertThat(AvroNames.name("")).isEqualTo("_");
        for (String raw : new String[] {"Order Items", "1st", "订单", "", "-", "9", "a\u0000b", "\"q\""}) {
            assertThat(AvroNames.name(raw)).as(raw).matches(AVRO_NAME);
        }
    }

    @Test
    void aFullNameMakesEveryDotSeparatedPartValid() {
        assertThat(AvroNames.fullName("shop.v1", "my-schema", "Order Items")).isEqualTo("shop.v1.my_schema.Order_Items");
        // A dot inside a part separates names as well; empty parts become '_'.
        assertThat(AvroNames.fullName("p", "my.schema", "t")).isEqualTo("p.my.schema.t");
        assertThat(AvroNames.fullName("p..q", "1")).isEqualTo("p._.q._1");
        assertThat(AvroNames.fullName("p", "")).isEqualTo("p._");
    }

    @Test
    void aTopicPartKeepsDotsHyphensAndUnderscoresAndReplacesEverythingElse() {
        assertThat(AvroNames.topicPart("my.schema")).isEqualTo("my.schema");
        assertThat(AvroNames.topicPart("a-b_c9")).isEqualTo("a-b_c9");
        assertThat(AvroNames.topicPart("Order Items")).isEqualTo("Order_Items");
        assertThat(AvroNames.topicPart("订单")).isEqualTo("__");
        assertThat(AvroNames.topicPart("1st")).isEqualTo("1st");
        // A character outside the BMP is one character: one '_', as the regex this replaced gave.
        assertThat(AvroNames.topicPart("a\uD83D\uDE00b")).isEqualTo("a_b");
        assertThat(AvroNames.topicPart("é~z")).isEqualTo("__z");
    }
}
