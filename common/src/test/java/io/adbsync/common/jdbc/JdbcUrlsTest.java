package io.adbsync.common.jdbc;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JdbcUrlsTest {

    @Test
    void hidesPasswordsInAnyCaseAndKeepsTheRest() {
        assertThat(JdbcUrls.redact("jdbc:postgresql://db:5432/app?user=u&password=s3cret&sslmode=verify-full"))
                .isEqualTo("jdbc:postgresql://db:5432/app?user=u&password=****&sslmode=verify-full");
        assertThat(JdbcUrls.redact("jdbc:postgresql://db/app?PassWord=s3cret")).isEqualTo("jdbc:postgresql://db/app?PassWord=****");
        assertThat(JdbcUrls.redact("jdbc:postgresql://db/app?sslkey=/k.pk8&SSLPASSWORD=phrase%26more"))
                .isEqualTo("jdbc:postgresql://db/app?sslkey=/k.pk8&SSLPASSWORD=****");
    }

    @Test
    void hidesUserInfoSecrets() {
        assertThat(JdbcUrls.redact("jdbc:postgresql://u:s3cret@db:5432/app?password=x"))
                .isEqualTo("jdbc:postgresql://u:****@db:5432/app?password=****");
        assertThat(JdbcUrls.secrets("jdbc:postgresql://u:s3cret@db:5432/app")).containsExactly("user:password@");
        // A password holding what ends a URL's authority, or an '@': hidden whole, and refused all the same.
        for (String password : new String[] {"pa/ss", "p@ss", "p?ss", "p#ss", "a/b?c#d@e", "c2VjcmV0==", "p&ss"}) {
            String url = "jdbc:postgresql://alice:" + password + "@db:5432/app";
            assertThat(JdbcUrls.redact(url)).as(url).isEqualTo("jdbc:postgresql://alice:****@db:5432/app");
            assertThat(JdbcUrls.secrets(url)).as(url).containsExactly("user:password@");
        }
        assertThat(JdbcUrls.redact("jdbc:postgresql://alice@corp:s3cret@db/app")).isEqualTo("jdbc:postgresql://alice@corp:****@db/app");
    }

    @Test
    void leavesUrlsWithoutSecretsAlone() {
        for (String url : new String[] {"jdbc:postgresql://db:5432/app", "jdbc:postgresql://h1:5432,h2:5433/app?targetServerType=primary",
                "jdbc:postgresql://db/app?sslpasswordcallback=com.example.Callback&passwordless=1", "jdbc:postgresql://db/app?",
                "jdbc:postgresql://db:5432/app?user=alice@corp", "jdbc:postgresql://db:5432/app?options=-c%20x%3Da@b&user=u",
                "jdbc:postgresql://db:5432/team@prod", "jdbc:postgresql://[::1]:5432/app?user=u"}) {
            assertThat(JdbcUrls.redact(url)).isEqualTo(url);
            assertThat(JdbcUrls.secrets(url)).isEmpty();
        }
        assertThat(JdbcUrls.redact(null)).isNull();
    }

    @Test
    void namesEverySecretParameterAsWritten() {
        assertThat(JdbcUrls.secrets("jdbc:postgresql://db/app?Password=a&sslmode=require&sslpassword=b"))
                .containsExactly("Password", "sslpassword");
    }

    @Test
    void removesOneParameterByItsExactName() {
        assertThat(JdbcUrls.withoutParameter("jdbc:postgresql://db/app?sslmode=disable&options=-c%20a%3D1&Options=x", "options"))
                .isEqualTo("jdbc:postgresql://db/app?sslmode=disable&Options=x");
        assertThat(JdbcUrls.withoutParameter("jdbc:postgresql://db/app?options=-c%20a%3D1", "options")).isEqualTo("jdbc:postgresql://db/app");
        assertThat(JdbcUrls.withoutParameter("jdbc:postgresql://db/app", "options")).isEqualTo("jdbc:postgresql://db/app");
        assertThat(JdbcUrls.withoutParameter("jdbc:postgresql://db/app?options&optionsx=1", "options"))
                .isEqualTo("jdbc:postgresql://db/app?optionsx=1");
    }

    @Test
    void pointsAUrlAtAnotherServerKeepingDatabaseAndParameters() {
        assertThat(JdbcUrls.withHost("jdbc:postgresql://coord:5432/sales?sslmode=verify-full&sslrootcert=/ca.pem", "sdw1", 6000))
                .isEqualTo("jdbc:postgresql://sdw1:6000/sales?sslmode=verify-full&sslrootcert=/ca.pem");
        assertThat(JdbcUrls.withHost("jdbc:postgresql://h1:5432,h2:5433/sales?targetServerType=primary", "sdw2", 6001))
                .isEqualTo("jdbc:postgresql://sdw2:6001/sales?targetServerType=primary");
        assertThat(JdbcUrls.withHost("jdbc:postgresql://coord/sales", "fd00::7", 6000)).isEqualTo("jdbc:postgresql://[fd00::7]:6000/sales");
        assertThat(JdbcUrls.withHost("jdbc:postgresql://[::1]:5432/", "[::2]", 6000)).isEqualTo("jdbc:postgresql://[::2]:6000/");
        assertThatThrownBy(() -> JdbcUrls.withHost("jdbc:postgresql://coord:5432?a=/b", "sdw1", 6000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no '/' after its host");
    }

    @Test
    void setsOneParameterEncodedAsPgjdbcDecodesIt() {
        String url = JdbcUrls.withParameter("jdbc:postgresql://db/app?options=-c%20a%3D1&sslmode=require", "options",
                "-c a=1 -c gp_role=utility");
        assertThat(url).isEqualTo("jdbc:postgresql://db/app?sslmode=require&options=-c%20a%3D1%20-c%20gp_role%3Dutility");
        assertThat(org.postgresql.Driver.parseURL(url, null).getProperty("options")).isEqualTo("-c a=1 -c gp_role=utility");
        assertThat(JdbcUrls.withParameter("jdbc:postgresql://db/app", "options", "-c x=a+b"))
                .isEqualTo("jdbc:postgresql://db/app?options=-c%20x%3Da%2Bb");
        assertThat(JdbcUrls.withParameter("jdbc:postgresql://db/app?", "ApplicationName", "x")).isEqualTo("jdbc:postgresql://db/app?ApplicationName=x");
    }
}
