package io.adbsync.source.snapshot;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading back the collation a key column's stored order names, whatever its names hold. */
class KeyRangePlanTest {

    @Test
    void theCollationIsReadFromTheColumnsOrder() {
        assertThat(KeyRangePlan.collationOf("pg_catalog.text COLLATE pg_catalog.\"C\" (column 2)"))
                .containsExactly("pg_catalog", "C");
        assertThat(KeyRangePlan.collationOf("public.posix_text COLLATE pg_catalog.\"default\" (column 1)"))
                .containsExactly("pg_catalog", "default");
        // Names that hold quotes, dots, spaces and the words the format is made of.
        assertThat(KeyRangePlan.collationOf("\"we\"\"ird\".\"t COLLATE x.y (column 1)\" COLLATE \"s p\".\"c.\"\"d\" (column 12)"))
                .containsExactly("s p", "c.\"d");
    }

    @Test
    void noCollationIsReadWhereTheOrderNamesNone() {
        assertThat(KeyRangePlan.collationOf("pg_catalog.int4 (column 1)")).isNull();
        assertThat(KeyRangePlan.collationOf("\"a COLLATE b\".\"c.d\" (column 3)")).isNull();
        assertThat(KeyRangePlan.collationOf("gone")).isNull();
        assertThat(KeyRangePlan.collationOf("pg_catalog.text COLLATE pg_catalog.\"C")).isNull();
        assertThat(KeyRangePlan.collationOf("")).isNull();
    }
}
