package io.adbsync.sink.ddl;

import io.adbsync.sink.naming.TableId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TableStateTest {

    private static TableState table(List<Set<String>> uniqueKeys, String storage, List<String> distribution) {
        return new TableState(new TableId("public", "t"), true, Map.of(), uniqueKeys, storage, distribution);
    }

    @Test
    void aKeyMustContainAUniqueKeyOfTheTable() {
        TableState t = table(List.of(Set.of("id"), Set.of("code", "region")), "heap", List.of());
        assertThat(t.identifiesOneRow(List.of("id"))).isTrue();
        assertThat(t.identifiesOneRow(List.of("id", "branch"))).isTrue();
        assertThat(t.identifiesOneRow(List.of("region", "code"))).isTrue();
        assertThat(t.identifiesOneRow(List.of("branch"))).isFalse();
        assertThat(t.identifiesOneRow(List.of("code"))).isFalse();
    }

    @Test
    void aTableWithoutUniqueKeyIsTrustedOnlyWhereItCannotHaveOne() {
        assertThat(table(List.of(), "heap", List.of()).identifiesOneRow(List.of("id"))).isFalse();
        assertThat(table(List.of(), "heap", List.of("id")).identifiesOneRow(List.of("id"))).isFalse();
        assertThat(table(List.of(), "heap", List.of("v")).identifiesOneRow(List.of("a", "b"))).isTrue();
        assertThat(table(List.of(), "ao_row", List.of("id")).identifiesOneRow(List.of("id"))).isTrue();
        assertThat(table(List.of(), "ao_column", List.of()).identifiesOneRow(List.of("id"))).isTrue();
    }
}
