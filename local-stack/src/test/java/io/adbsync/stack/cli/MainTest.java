package io.adbsync.stack.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bin/adbsync} run as a user runs it (its own JVM), with option values it cannot use. */
class MainTest {

    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(String commandLine) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(commandLine.split(" ")));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(commandLine + " still runs after 60 s");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "fuzz --seed abc | --seed | abc",
            "fuzz --minutes x | --minutes | x",
            "fuzz --minutes -1 | --minutes | -1",
            "fuzz --rows 2000000000000 | --rows | 2000000000000",
            "demo --tps many | --tps | many",
            "demo --connect-port 99999 | --connect-port | 99999",
            "stack --source-url jdbc:postgresql://h/a --sink-url jdbc:postgresql://h/b --connect-port 80a | --connect-port | 80a",
            "worker --bootstrap-servers localhost:9092 --plugin-path /nonexistent --rest-port http | --rest-port | http",
            "verify --source-url jdbc:postgresql://h/a --sink-url jdbc:postgresql://h/b --chunk-rows 0 | --chunk-rows | 0",
            "switchover --source-url jdbc:postgresql://h/a --sink-url jdbc:postgresql://h/b --tables public.t,beat | --tables | beat",
    })
    void aNumberOptionItCannotUseIsOneLineNamingTheOptionAndExitCode2(String commandLine, String option, String value)
            throws Exception {
        Result result = run(commandLine);
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err().lines()).as(result.err()).hasSize(1);
        assertThat(result.err()).contains(option).contains("'" + value + "'").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(result.out()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "fuzz --sed 5 | --sed | --seed",
            "demo --account 10 | --account | --accounts",
            "verify --source-url jdbc:postgresql://h/a --sink-url jdbc:postgresql://h/b --table s.t | --table | --tables",
            "switchover --source-url jdbc:postgresql://h/a --sink-url jdbc:postgresql://h/b --aply | --aply | --apply",
    })
    void anOptionTheCommandDoesNotTakeIsRefusedNamingWhatItTakes(String commandLine, String option, String known)
            throws Exception {
        Result result = run(commandLine);
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err().lines().findFirst().orElse("")).contains("Unknown option " + option + " for "
                + commandLine.split(" ")[0]).contains(known);
        assertThat(result.err()).doesNotContain("Exception");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void aConnectPortInUseIsOneLineBeforeAnythingStarts() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Result result = run("demo --connect-port " + taken.getLocalPort());
            assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
            assertThat(result.err().lines()).as(result.err()).singleElement().asString()
                    .isEqualTo("Port " + taken.getLocalPort() + " is in use (another bin/adbsync stack or demo, or a Connect "
                            + "worker?): stop it, or give --connect-port another port (0 picks a free one)");
        }
    }

    @Test
    void aHeartbeatTableThatIsNotSchemaDotTableIsOneLineNamingTheOptionAndExitCode2() throws Exception {
        Result result = run("verify --source-url jdbc:postgresql://h/a --sink-url jdbc:postgresql://h/b --heartbeat-table beat");
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err().lines()).as(result.err()).singleElement().asString()
                .isEqualTo("--heartbeat-table takes schema.table, as the source connector's heartbeat.table, got 'beat'");
        assertThat(result.out()).isEmpty();
    }
}
