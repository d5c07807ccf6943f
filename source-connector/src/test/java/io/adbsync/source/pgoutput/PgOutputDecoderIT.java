package io.adbsync.source.pgoutput;

import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;

/**
 * Decodes what a real server sends for each scenario. With {@code -Dadbsync.pgoutput.fixtures=<dir>} it also
 * writes the captured bytes there, which is how src/test/resources/pgoutput was made.
 */
class PgOutputDecoderIT {

    static List<PgOutputScenarios.Scenario> scenarios() {
        return PgOutputScenarios.ALL;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void decodesEverythingTheServerSends(PgOutputScenarios.Scenario scenario) throws Exception {
        PostgresServer server = Postgres.shared();
        String database = server.createDatabase("decoder");
        List<byte[]> captured = PgOutputCapture.capture(server, database, scenario.setupSql(), scenario.workload(),
                scenario.protocolVersion(), scenario.options(), scenario.twoPhaseSlot(), scenario.sessionOptions());
        scenario.check().accept(PgOutputCapture.decode(captured, scenario.protocolVersion(), false));
        String fixtures = System.getProperty("adbsync.pgoutput.fixtures");
        if (fixtures != null) {
            PgOutputCapture.write(Path.of(fixtures, scenario.name() + ".hex"), captured);
        }
    }
}
