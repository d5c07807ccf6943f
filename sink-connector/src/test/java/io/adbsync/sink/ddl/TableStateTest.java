package io.adbsync.sink.ddl;

import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.common.sql.TableId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TableStateTest {

    private static TableState table(List<Set<String>> uniqueKeys, StorageEngine storage, List<String> distribution) {
        return new TableState(new TableId("public", "t"), true, Map.of(), uniqueKeys, Optional.of(storage), distribution);
    }

    @Test
    void aKeyMustContainAUniqueKeyOfTheTable() {
        TableState t = table(List.of(Set.of("id"), Set.of("code", "region")), StorageEngine.HEAP, List.of());
        assertThat(t.identifiesOneRow(List.of("id"))).isTrue();
        assertThat(t.identifiesOneRow(List.of("id", "branch"))).isTrue();
        assertThat(t.identifiesOneRow(List.of("region", "code"))).isTrue();
        assertThat(t.identifiesOneRow(List.of("branch"))).isFalse();
        assertThat(t.identifiesOneRow(List.of("code"))).isFalse();
    }

    @Test
    void aTableWithoutUniqueKeyIsTrustedOnlyWhereItCannotHaveOne() {
        assertThat(table(List.of(), StorageEngine.HEAP, List.of()).identifiesOneRow(List.of("id"))).isFalse();
        assertThat(table(List.of(), StorageEngine.HEAP, List.of("id")).identifiesOneRow(List.of("id"))).isFalse();
        assertThat(table(List.of(), StorageEngine.HEAP, List.of("v")).identifiesOneRow(List.of("a", "b"))).isTrue();
        assertThat(table(List.of(), StorageEngine.AO_ROW, List.of("id")).identifiesOneRow(List.of("id"))).isTrue();
        assertThat(table(List.of(), StorageEngine.AO_COLUMN, List.of()).identifiesOneRow(List.of("id"))).isTrue();
    }

    @Test
    void aTableOfAnAccessMethodTheSinkDoesNotCreateIsMergedWithoutOnConflictAndTrustedOnlyByItsKeys() {
        TableState keyed = new TableState(new TableId("public", "t"), true, Map.of(), List.of(Set.of("id")), Optional.empty(), List.of());
        assertThat(keyed.identifiesOneRow(List.of("id"))).isTrue();
        assertThat(keyed.supportsOnConflict(List.of("id"))).isFalse();
        TableState keyless = new TableState(new TableId("public", "t"), true, Map.of(), List.of(), Optional.empty(), List.of());
        assertThat(keyless.identifiesOneRow(List.of("id"))).isFalse();
    }
}
