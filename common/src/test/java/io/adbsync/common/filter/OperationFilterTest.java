package io.adbsync.common.filter;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link OperationFilter}: {@code table.operations} of both connectors. */
class OperationFilterTest {

    @Test
    void withoutEntriesEveryOperationApplies() {
        OperationFilter none = OperationFilter.parse(List.of());
        assertThat(applied(none, "public.orders")).isEqualTo(EnumSet.allOf(Operation.class));
    }

    @Test
    void theFirstMatchingEntryDecidesAndTablesMatchingNoneGetEveryOperation() {
        OperationFilter filter = OperationFilter.parse(List.of(
                "public\\.orders=insert",
                "public\\..*=insert|update|delete",
                "audit\\..*=truncate"));
        assertThat(applied(filter, "public.orders")).containsExactly(Operation.INSERT);
        assertThat(applied(filter, "public.customers")).containsExactly(Operation.INSERT, Operation.UPDATE, Operation.DELETE);
        assertThat(applied(filter, "audit.log")).containsExactly(Operation.TRUNCATE);
        assertThat(applied(filter, "sales.orders")).isEqualTo(EnumSet.allOf(Operation.class));
    }

    @Test
    void aPatternMatchesTheWholeQualifiedName() {
        OperationFilter filter = OperationFilter.parse(List.of("public\\.order=insert"));
        assertThat(filter.applies("public.order", Operation.DELETE)).isFalse();
        assertThat(filter.applies("public.orders", Operation.DELETE)).isTrue();
        assertThat(filter.applies("x.public.order", Operation.DELETE)).isTrue();
    }

    @Test
    void operationsAreCaseInsensitiveSpacesAndEmptyPartsAreIgnoredAndNoneMeansNothingApplies() {
        OperationFilter filter = OperationFilter.parse(List.of(" public\\.a = Insert | UPDATE ||", "public\\.b="));
        assertThat(applied(filter, "public.a")).containsExactly(Operation.INSERT, Operation.UPDATE);
        assertThat(applied(filter, "public.b")).isEmpty();
    }

    @Test
    void theLastEqualsSignSeparatesThePatternFromTheOperations() {
        OperationFilter filter = OperationFilter.parse(List.of("public\\.a=b=delete"));
        assertThat(applied(filter, "public.a=b")).containsExactly(Operation.DELETE);
    }

    @Test
    void malformedEntriesAreRefusedNamingTheEntry() {
        assertThatThrownBy(() -> OperationFilter.parse(List.of("public\\.orders")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Entry 'public\\.orders' must look like schema\\.table=insert|update|delete|truncate");
        assertThatThrownBy(() -> OperationFilter.parse(List.of("=insert")))
                .hasMessage("Entry '=insert' must look like schema\\.table=insert|update|delete|truncate");
        assertThatThrownBy(() -> OperationFilter.parse(List.of("public\\.orders=insert|upsert")))
                .hasMessage("Entry 'public\\.orders=insert|upsert': unknown operation 'upsert' (use insert, update, delete, truncate)");
        assertThatThrownBy(() -> OperationFilter.parse(List.of("public\\.(orders=insert")))
                .hasMessage("Entry 'public\\.(orders=insert': not a valid regular expression: Unclosed group");
    }

    private static Set<Operation> applied(OperationFilter filter, String table) {
        return Arrays.stream(Operation.values()).filter(op -> filter.applies(table, op))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Operation.class)));
    }
}
