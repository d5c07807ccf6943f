package io.adbsync.source.catalog;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PublishingLockTest {

    private static final List<String> ADD = List.of("ALTER PUBLICATION \"p\" ADD TABLE \"app\".\"a\", \"app\".\"b\"");

    @Test
    void theTablesAddedAreLockedInOneOrderBeforeTheChange() {
        assertThat(PublishingLock.lockedFirst(List.of("\"app\".\"b\"", "\"app\".\"a\""), ADD))
                .containsExactly("LOCK TABLE \"app\".\"a\", \"app\".\"b\" IN SHARE ROW EXCLUSIVE MODE", ADD.get(0));
    }

    @Test
    void anAdministratorIsGivenOneTransaction() {
        assertThat(PublishingLock.forAdministrator(List.of("\"app\".\"a\""), ADD))
                .containsExactly("BEGIN", "SET LOCAL lock_timeout = '5s'", "LOCK TABLE \"app\".\"a\" IN SHARE ROW EXCLUSIVE MODE",
                        ADD.get(0), "COMMIT");
    }

    @Test
    void statementsThatPublishNoTableAreLeftAsTheyAre() {
        List<String> identity = List.of("ALTER TABLE \"app\".\"a\" REPLICA IDENTITY FULL");
        assertThat(PublishingLock.lockedFirst(List.of(), identity)).isEqualTo(identity);
        assertThat(PublishingLock.forAdministrator(List.of(), identity)).isEqualTo(identity);
        assertThatThrownBy(() -> PublishingLock.statement(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
