package io.adbsync.stack.postgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class ClientCredentialsTest {

    @TempDir
    Path home;

    private void pgpass(String content, String permissions) throws Exception {
        Path file = home.resolve(".pgpass");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    }

    @Test
    void pgPasswordWinsOverThePasswordFile() throws Exception {
        pgpass("*:*:*:*:fromfile\n", "rw-------");
        Properties p = new ClientCredentials(Map.of("PGPASSWORD", "fromenv"), home).forUrl("jdbc:postgresql://db:5432/app?user=u");
        assertThat(p).containsEntry("user", "u").containsEntry("password", "fromenv");
    }

    @Test
    void theFirstMatchingLineOfThePasswordFileGivesThePassword() throws Exception {
        pgpass("""
                # comment
                db:5432:other:u:wrongdb
                db:5433:app:u:wrongport
                db:5432:app:someone:wronguser
                db:5432:app:u:pa\\:ss\\\\word
                *:*:*:*:fallback
                """, "rw-------");
        ClientCredentials credentials = new ClientCredentials(Map.of(), home);
        assertThat(credentials.forUrl("jdbc:postgresql://db:5432/app?user=u")).containsEntry("password", "pa:ss\\word");
        assertThat(credentials.forUrl("jdbc:postgresql://elsewhere/x?user=u")).containsEntry("password", "fallback");
    }

    /**
     * The driver sends one password to whichever host of a URL it reaches: a password the file gives for the first
     * host must not go to another host the URL lists (a connector's config may name any), only one it gives for all.
     */
    @Test
    void aUrlOfSeveralHostsGetsAPasswordOnlyWhereTheFileGivesTheSameOneForEach() throws Exception {
        pgpass("""
                db:5432:app:alice:s3cret
                replica:5432:app:alice:s3cret
                other:5432:app:alice:different
                """, "rw-------");
        ClientCredentials credentials = new ClientCredentials(Map.of(), home);
        assertThat(credentials.forUrl("jdbc:postgresql://db:5432,evil:5432/app?targetServerType=secondary", "alice", false))
                .doesNotContainKey("password");
        assertThat(credentials.forUrl("jdbc:postgresql://db:5432,other:5432/app", "alice", false)).doesNotContainKey("password");
        assertThat(credentials.forUrl("jdbc:postgresql://db:5432,replica:5432/app", "alice", false))
                .containsEntry("password", "s3cret");
    }

    @Test
    void aPasswordFileOthersCanReadIsIgnoredAndPgUserNamesTheUser() throws Exception {
        pgpass("*:*:*:*:leaked\n", "rw-r--r--");
        Properties p = new ClientCredentials(Map.of("PGUSER", "envuser"), home).forUrl("jdbc:postgresql://db/app");
        assertThat(p).containsEntry("user", "envuser").doesNotContainKey("password");
    }

    @Test
    void pgPassFileNamesAnotherFile() throws Exception {
        Path other = home.resolve("elsewhere");
        Files.writeString(other, "db:5432:app:u:there\n");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-------"));
        assertThat(new ClientCredentials(Map.of("PGPASSFILE", other.toString()), home).forUrl("jdbc:postgresql://db/app?user=u"))
                .containsEntry("password", "there");
    }
}
