package io.adbsync.source.catalog;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TableFilter}: {@code table.include.list} and {@code table.exclude.list} on {@code schema.table}. */
class TableFilterTest {

    @Test
    void withoutListsEveryUserTableIsCapturedAndNoSystemTable() {
        TableFilter all = new TableFilter(List.of(), List.of());
        assertThat(all.captures("public", "orders")).isTrue();
        assertThat(all.captures("sales", "Order Items")).isTrue();
        assertThat(all.captures("pg_catalog", "pg_class")).isFalse();
        assertThat(all.captures("information_schema", "tables")).isFalse();
        assertThat(all.captures("pg_toast", "pg_toast_16384")).isFalse();
        assertThat(all.captures("pg_temp_3", "scratch")).isFalse();
        assertThat(all.captures("gp_toolkit", "gp_log_system")).isFalse();
    }

    @Test
    void patternsMatchTheWholeQualifiedName() {
        TableFilter filter = new TableFilter(List.of("public\\.order.*", "sales\\..*"), List.of());
        assertThat(filter.captures("public", "orders")).isTrue();
        assertThat(filter.captures("public", "order_items")).isTrue();
        assertThat(filter.captures("sales", "anything")).isTrue();
        assertThat(filter.captures("public", "customers")).isFalse();
        // A match must span the name, not be found in it.
        assertThat(filter.captures("oldsales", "t")).isFalse();
        assertThat(filter.captures("x", "public.orders")).isFalse();
        // An unescaped dot matches any character, as regexes do.
        TableFilter loose = new TableFilter(List.of("public.orders"), List.of());
        assertThat(loose.captures("public", "orders")).isTrue();
        assertThat(loose.captures("publicXorders", "")).isFalse();
    }

    @Test
    void theExcludeListWinsOverTheIncludeList() {
        TableFilter filter = new TableFilter(List.of("public\\..*"), List.of("public\\.audit_.*"));
        assertThat(filter.captures("public", "orders")).isTrue();
        assertThat(filter.captures("public", "audit_log")).isFalse();
        assertThat(filter.excludes("public", "audit_log")).isTrue();
        assertThat(filter.excludes("public", "orders")).isFalse();
        // Excluded although the include list does not name it either.
        assertThat(filter.excludes("other", "audit_log")).isFalse();

        TableFilter excludeOnly = new TableFilter(List.of(), List.of("public\\.audit_.*"));
        assertThat(excludeOnly.captures("sales", "orders")).isTrue();
        assertThat(excludeOnly.captures("public", "audit_x")).isFalse();
    }

    @Test
    void tablesLeftOutByNameAreNotCapturedWhateverTheLists() {
        TableFilter base = new TableFilter(List.of("public\\..*"), List.of());
        TableFilter without = base.without(List.of("public.keyless", "public.Order Items"));
        assertThat(without.captures("public", "keyless")).isFalse();
        assertThat(without.captures("public", "Order Items")).isFalse();
        assertThat(without.captures("public", "orders")).isTrue();
        // A name, not a pattern; and the base filter is unchanged.
        assertThat(base.without(List.of("public.o.*")).captures("public", "orders")).isTrue();
        assertThat(base.captures("public", "keyless")).isTrue();
        // This filter minus more tables still leaves out the earlier ones.
        TableFilter twice = without.without(List.of("public.other"));
        assertThat(twice.captures("public", "other")).isFalse();
        assertThat(twice.captures("public", "keyless")).isFalse();
        assertThat(twice.captures("public", "orders")).isTrue();
    }

    @Test
    void anInvalidPatternFailsWhenTheFilterIsBuilt() {
        assertThatThrownBy(() -> new TableFilter(List.of("public\\.(orders"), List.of()))
                .isInstanceOf(java.util.regex.PatternSyntaxException.class);
    }

    @Test
    void tablesAlsoCapturedAreReadLiveUntilRemoved() {
        java.util.Set<String> kept = java.util.concurrent.ConcurrentHashMap.newKeySet();
        kept.add("public.audit_log");
        TableFilter filter = new TableFilter(List.of("public\\..*"), List.of("public\\.audit_.*")).alsoCapturing(kept);
        assertThat(filter.captures("public", "audit_log")).isTrue();
        assertThat(filter.captures("public", "audit_other")).isFalse();
        assertThat(filter.without(List.of("public.orders")).captures("public", "audit_log")).isTrue();
        kept.clear();
        assertThat(filter.captures("public", "audit_log")).isFalse();
        assertThat(filter.captures("public", "orders")).isTrue();
    }
}
