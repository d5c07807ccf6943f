package io.adbsync.common.jdbc;

import io.adbsync.common.config.Validators;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionConfigTest {

    private static final ConfigDef DEF = ConnectionConfig.define(new ConfigDef(), "test");

    @Test
    void acceptsPostgresUrlsAndHidesThePassword() {
        ConnectionConfig c = ConnectionConfig.from(new AbstractConfig(DEF, Map.of(
                "connection.url", "jdbc:postgresql://db:5432/app",
                "connection.user", "repl",
                "connection.password", "s3cret")));
        assertThat(c.driverProperties()).containsEntry("password", "s3cret").containsEntry("user", "repl");
        assertThat(c.toString()).doesNotContain("s3cret");
        assertThat(DEF.configKeys().get("connection.password").type).isEqualTo(ConfigDef.Type.PASSWORD);
    }

    @Test
    void rejectsOtherUrlsNamingTheKey() {
        assertThatThrownBy(() -> new AbstractConfig(DEF, Map.of(
                "connection.url", "jdbc:mysql://db/app", "connection.user", "u")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("connection.url")
                .hasMessageContaining("jdbc:postgresql://");
    }

    @Test
    void refusesSecretsInTheUrlWithoutRepeatingThem() {
        for (String url : new String[] {"jdbc:postgresql://db/app?user=u&password=s3cret",
                "jdbc:postgresql://db/app?PASSWORD=s3cret", "jdbc:postgresql://db/app?sslkey=/k&sslpassword=s3cret",
                "jdbc:postgresql://u:s3cret@db/app"}) {
            assertThatThrownBy(() -> new AbstractConfig(DEF, Map.of("connection.url", url, "connection.user", "u")))
                    .as(url)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("connection.url")
                    .hasMessageContaining("connection.password")
                    .hasMessageNotContaining("s3cret");
        }
        assertThat(DEF.validateAll(Map.of("connection.url", "jdbc:postgresql://db/app?Password=s3cret", "connection.user", "u"))
                .get("connection.url").errorMessages()).singleElement().asString()
                .contains("Password").contains("ConfigProvider").doesNotContain("s3cret");
    }

    @Test
    void passesTheClientKeyPassphraseAsADriverPropertyOnly() {
        ConnectionConfig c = ConnectionConfig.from(new AbstractConfig(DEF, Map.of(
                "connection.url", "jdbc:postgresql://db/app?sslkey=/k.pk8", "connection.user", "u",
                "connection.ssl.password", "phrase")));
        assertThat(c.driverProperties()).containsEntry("sslpassword", "phrase");
        assertThat(c.toString()).doesNotContain("phrase");
    }

    @Test
    void oneOfListsChoicesInOrderAndIgnoresCase() {
        ConfigDef.Validator v = Validators.oneOf("initial", "never", "initial_only");
        v.ensureValid("snapshot.mode", "NEVER");
        assertThatThrownBy(() -> v.ensureValid("snapshot.mode", "sometimes"))
                .hasMessageContaining("snapshot.mode")
                .hasMessageContaining("initial, never, initial_only");
    }

    @Test
    void regexListNamesTheBadPattern() {
        assertThatThrownBy(() -> Validators.regexList().ensureValid("table.include.list", java.util.List.of("public\\..*", "x(")))
                .hasMessageContaining("table.include.list")
                .hasMessageContaining("x(");
    }
}
