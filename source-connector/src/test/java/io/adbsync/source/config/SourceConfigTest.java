package io.adbsync.source.config;

import io.adbsync.source.snapshot.SnapshotMode;
import io.adbsync.common.config.ConfigDocsCheck;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceConfigTest {

    private static Map<String, String> minimal() {
        Map<String, String> props = new HashMap<>();
        props.put("connection.url", "jdbc:postgresql://db/app");
        props.put("connection.user", "repl");
        props.put("topic.prefix", "app");
        return props;
    }

    @Test
    void theConfigReferenceInDocsIsGeneratedFromTheConfigDef() throws Exception {
        ConfigDocsCheck.check(Path.of("../docs/config/source-connector.md"), "Source connector configuration",
                "Settings of `io.adbsync.source.AdbPgSourceConnector`, by group. Connect's own source settings apply as "
                        + "usual; of them, `topic.creation.default.partitions` (and `topic.creation.<group>.partitions` for "
                        + "the topics of a group) also tell the connector how many partitions each table topic has: it "
                        + "sends every TRUNCATE to each of them, so set them to the topics' partition count (1 when "
                        + "absent; -1 is refused). See docs/operations.md, \"Topics with several partitions\".",
                SourceConfig.CONFIG_DEF);
    }

    @Test
    void defaultsAreUsable() {
        SourceConfig config = new SourceConfig(minimal());
        assertThat(config.snapshotMode()).isEqualTo(SnapshotMode.INITIAL);
        assertThat(config.slotName()).isEqualTo("adbsync");
        assertThat(config.heartbeatTopic()).isEqualTo("__adbsync-heartbeat.app");
        assertThat(config.retryWindowMs()).isEqualTo(720L * 60_000);
        assertThat(config.statusUpdateIntervalMs()).isEqualTo(10_000);
        assertThat(config.tableFilters()).isEmpty();
    }

    @Test
    void theStatusUpdateIntervalIsBoundedSoThatItFitsTheReplicationApi() {
        Map<String, String> props = minimal();
        props.put("status.update.interval.ms", "250");
        assertThat(new SourceConfig(props).statusUpdateIntervalMs()).isEqualTo(250);
        props.put("status.update.interval.ms", "99");
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("status.update.interval.ms");
        props.put("status.update.interval.ms", "3600001");
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("status.update.interval.ms");
    }

    @Test
    void rowFiltersParseAndBadOnesNameTheEntry() {
        Map<String, String> props = minimal();
        props.put("table.filters", "public.orders: status <> 'draft' AND total > 0; sales.items:qty > 0");
        assertThat(new SourceConfig(props).tableFilters())
                .containsEntry("public.orders", "status <> 'draft' AND total > 0")
                .containsEntry("sales.items", "qty > 0");
        props.put("table.filters", "orders status <> 'draft'");
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("table.filters").hasMessageContaining("schema.table: condition");
    }

    /** Conditions that stay inside the parentheses they are put in, however they are quoted. */
    @ParameterizedTest
    @ValueSource(strings = {
            "status <> 'draft'",
            "(a > 1) AND (b < 2 OR (c IS NULL))",
            "v = 'it''s ) closed'",
            "v = 'a;b'",
            "\"odd)name\" > 0",
            "\"say \"\"hi\"\" ;)\" IS NOT NULL",
            "v = $$x) OR (true$$",
            "v = $tag$ ; ) $ $tag$",
            "v = E'it\\'s ) here'",
            "v LIKE 'a\\_b'",
            "arr[1] > 0 AND v ~ '^[()]'",
            "price $ 3 IS NULL",
            "a$b = 1 AND x::text <> U&'d\\0061t)'",
            // One E'' string continued on the next line, where the backslash still escapes the quote.
            "v = E'a'\n'b\\'c ) d'",
    })
    void rowFilterConditionsThatStayInsideTheirParenthesesAreAccepted(String condition) {
        Map<String, String> props = minimal();
        props.put("table.filters", "public.orders: " + condition);
        assertThat(new SourceConfig(props).tableFilters()).containsEntry("public.orders", condition);
    }

    /**
     * Conditions that would end the parentheses they are put in (in the publication's table list, the copy's WHERE,
     * the connector's evaluation) or hide the closing one: refused, naming the table, when the config is parsed, which
     * is what validate() reports on table.filters and what fails the connector and its task.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "id > 0) , TABLE other_table (id > 0",
            "id > 0), public.secrets WHERE (true",
            "id > 0) OR (true",
            "(id > 0",
            "id > 0 -- the rest is a comment",
            "id /* a comment */ > 0",
            "v = 'not closed",
            "\"not closed",
            "v = $$not closed",
            "v = $a$ not closed $b$",
            "v = E'escaped quote \\') OR (true",
            // Read with standard_conforming_strings=off, the backslash escapes the quote and the string does not end.
            "v = 'x\\') , TABLE other_table WHERE (v = '",
            // A string continued on the next line is still an E'' string there: the backslash escapes the quote.
            "v = E'a'\n'\\'' || '\\' ), public.secrets --'",
    })
    void rowFilterConditionsThatWouldLeaveTheirParenthesesAreRefusedNamingTheTable(String condition) {
        Map<String, String> props = minimal();
        props.put("table.filters", "public.orders: " + condition);
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("table.filters").hasMessageContaining("public.orders");
    }

    @Test
    void aSemicolonInAStringIsPartOfTheConditionAndOneOutsideSeparatesEntries() {
        Map<String, String> props = minimal();
        props.put("table.filters", "public.a: v = 'x;y'; public.b: w > 0");
        assertThat(new SourceConfig(props).tableFilters()).containsEntry("public.a", "v = 'x;y'").containsEntry("public.b", "w > 0");
        props.put("table.filters", "public.a: v > 0; DROP TABLE public.b");
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("DROP TABLE public.b").hasMessageContaining("schema.table: condition");
    }

    @Test
    void operationEntriesAreCheckedWhenTheConfigIsParsed() {
        Map<String, String> props = minimal();
        props.put("table.operations", "public\\.audit=insert|upsert");
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("table.operations").hasMessageContaining("unknown operation 'upsert'");
    }
}
