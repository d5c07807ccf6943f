package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.source.config.SourceConfig;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@code source.mode} resolves for each kind of server, and the messages a user reads when it cannot work. */
class SourceTopologyTest {

    private static final String PG = "PostgreSQL 16.4 on x86_64-pc-linux-gnu, compiled by gcc 12.2.0, 64-bit";
    private static final String GP7 = "PostgreSQL 12 (MatrixDB 5.0.0-community~alpha) (Greenplum Database 7.0.0+ build dev) on "
            + "x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit compiled on Nov 26 2026 09:42:21";
    private static final String ADB = "PostgreSQL 12.12 (Greenplum Database 7.0.0 build dev) (AnalyticDB for PostgreSQL 7.2.1.4) on "
            + "x86_64-pc-linux-gnu";
    private static final List<Segment> TWO = List.of(new Segment(0, 2, "sdw1", 6000, true), new Segment(1, 3, "sdw2", 6001, true));

    @Test
    void autoReadsPlainPostgresAsOneServer() {
        SourceTopology t = SourceTopology.resolve(SourceMode.AUTO, PG, null, List.of());
        assertThat(t.mode()).isEqualTo(SourceMode.POSTGRES);
        assertThat(t.problem()).isEmpty();
        assertThat(t.describe()).isEqualTo("postgres (auto: version() names no Greenplum-family product (PostgreSQL 16.4))");
    }

    @Test
    void autoReadsAGreenplumCoordinatorWithSegmentsPerSegmentAndSaysWhy() {
        SourceTopology t = SourceTopology.resolve(SourceMode.AUTO, GP7, "dispatch", TWO);
        assertThat(t.mode()).isEqualTo(SourceMode.GREENPLUM_SEGMENTS);
        assertThat(t.problem()).isEmpty();
        assertThat(t.describe()).isEqualTo("greenplum_segments (auto: version() names a Greenplum-family server (Greenplum "
                + "Database 7.0.0+ build dev) and gp_segment_configuration lists 2 primary segment(s); a Greenplum 7 "
                + "coordinator cannot decode changes of distributed tables, each segment decodes its own rows)");
        assertThat(t.segments()).extracting(Segment::describe).containsExactly("segment 0 at sdw1:6000", "segment 1 at sdw2:6001");
        assertThat(t.replicatedTableReader().content()).isZero();
    }

    @Test
    void autoDecodesAnalyticDbAndASegmentlessCoordinatorAtTheCoordinator() {
        SourceTopology adb = SourceTopology.resolve(SourceMode.AUTO, ADB, "dispatch", TWO);
        assertThat(adb.mode()).isEqualTo(SourceMode.COORDINATOR);
        assertThat(adb.reason()).contains("AnalyticDB for PostgreSQL 7.2.1.4").contains("does not expose its segments");
        SourceTopology none = SourceTopology.resolve(SourceMode.AUTO, GP7, "dispatch", List.of());
        assertThat(none.mode()).isEqualTo(SourceMode.COORDINATOR);
        assertThat(none.reason()).contains("lists no primary segment");
        assertThatThrownBy(none::replicatedTableReader).hasMessageContaining("not read per segment");
    }

    @Test
    void anAnalyticDbKernelThatCannotDecodeAtTheCoordinatorIsRefused() {
        String oldAdb = ADB.replace("7.2.1.4", "7.0.6.2");
        assertThat(SourceTopology.resolve(SourceMode.AUTO, oldAdb, "dispatch", TWO).problem().orElseThrow().message())
                .isEqualTo("AnalyticDB (Greenplum Database 7.0.0 build dev, AnalyticDB for PostgreSQL 7.0.6.2) decodes "
                        + "changes at the coordinator only from kernel 7.2.1.4 on, and its managed service does not expose "
                        + "its segments: upgrade the instance's minor version to 7.2.1.4 or later");
        assertThat(SourceTopology.resolve(SourceMode.COORDINATOR, oldAdb, "dispatch", TWO).problem()).isPresent();
        assertThat(SourceTopology.resolve(SourceMode.COORDINATOR, ADB.replace("7.2.1.4", "7.3.0.0"), "dispatch", TWO)
                .problem()).isEmpty();
        assertThat(SourceTopology.atLeast("7.2.1.10", "7.2.1.4")).isTrue();
        assertThat(SourceTopology.atLeast("7.2", "7.2.1.4")).isFalse();
    }

    @Test
    void autoOnASegmentReachedDirectlyAsksForTheCoordinatorOrAnExplicitPostgres() {
        SourceTopology t = SourceTopology.resolve(SourceMode.AUTO, GP7, "utility", List.of());
        assertThat(t.mode()).isEqualTo(SourceMode.POSTGRES);
        assertThat(t.problem()).hasValueSatisfying(p -> {
            assertThat(p.configKey()).isEqualTo(ConnectionConfig.URL);
            assertThat(p.message()).isEqualTo("connection.url reaches a Greenplum-family instance in gp_role=utility "
                    + "(Greenplum Database 7.0.0+ build dev), not a coordinator, and such an instance holds at most one "
                    + "segment's rows: point connection.url at the coordinator, or set source.mode=postgres to read this "
                    + "one instance on purpose");
        });
        assertThat(SourceTopology.resolve(SourceMode.POSTGRES, GP7, "utility", List.of()).problem()).isEmpty();
    }

    @Test
    void anExplicitModeThatDoesNotFitTheServerSaysWhichDoes() {
        assertThat(SourceTopology.resolve(SourceMode.GREENPLUM_SEGMENTS, PG, null, List.of()).problem().orElseThrow())
                .isEqualTo(new TopologyProblem(SourceConfig.SOURCE_MODE, "source.mode=greenplum_segments needs a "
                        + "Greenplum-family coordinator in connection.url, but version() names no Greenplum-family product "
                        + "(PostgreSQL 16.4): set source.mode=auto or postgres"));
        assertThat(SourceTopology.resolve(SourceMode.COORDINATOR, PG, null, List.of()).problem().orElseThrow().message())
                .startsWith("source.mode=coordinator needs a Greenplum-family coordinator");
        assertThat(SourceTopology.resolve(SourceMode.GREENPLUM_SEGMENTS, GP7, "dispatch", List.of()).problem().orElseThrow()
                .message()).contains("lists no primary segment: set source.mode=coordinator");
        TopologyProblem postgres = SourceTopology.resolve(SourceMode.POSTGRES, GP7, "dispatch", TWO).problem().orElseThrow();
        assertThat(postgres.configKey()).isEqualTo(SourceConfig.SOURCE_MODE);
        assertThat(postgres.message()).isEqualTo("source.mode=postgres reads connection.url as one PostgreSQL server, but it "
                + "is a Greenplum-family coordinator (Greenplum Database 7.0.0+ build dev) and gp_segment_configuration lists 2 "
                + "primary segment(s): set source.mode=greenplum_segments (decode on each segment), coordinator (decode at "
                + "the coordinator, as AnalyticDB 7.2.1.4+ does) or auto");
        SourceTopology chosen = SourceTopology.resolve(SourceMode.COORDINATOR, GP7, "dispatch", TWO);
        assertThat(chosen.problem()).isEmpty();
        assertThat(chosen.describe()).isEqualTo("coordinator (set by source.mode=coordinator)");
    }

    @Test
    void aSegmentIsReachedWithTheUsersUrlParametersCredentialsAndOptionsPlusUtilityMode() {
        ConnectionConfig coordinator = new ConnectionConfig("jdbc:postgresql://mdw:5432,smdw:5432/sales?sslmode=verify-full"
                + "&sslrootcert=/etc/ca.pem&options=-c%20search_path%3Dapp%20-c%20gp_role%3Ddispatch&connectTimeout=5",
                "etl", new Password("pw"), new Password("phrase"));
        ConnectionConfig segment = new Segment(1, 3, "sdw2", 6001, true).utilityConnection(coordinator);
        assertThat(segment.url()).isEqualTo("jdbc:postgresql://sdw2:6001/sales?sslmode=verify-full&sslrootcert=/etc/ca.pem"
                + "&connectTimeout=5&options=-c%20search_path%3Dapp%20-c%20gp_role%3Ddispatch%20-c%20gp_role%3Dutility%20-c%20"
                + "default_transaction_read_only%3Don");
        Properties parsed = org.postgresql.Driver.parseURL(segment.url(), null);
        // The server applies -c settings in order: utility mode wins over the user's own gp_role.
        assertThat(parsed.getProperty("options")).endsWith("-c gp_role=utility -c default_transaction_read_only=on");
        assertThat(parsed.getProperty("PGHOST")).isEqualTo("sdw2");
        assertThat(segment.user()).isEqualTo("etl");
        assertThat(segment.password().value()).isEqualTo("pw");
        assertThat(segment.sslPassword().value()).isEqualTo("phrase");
        assertThat(new Segment(0, 2, "sdw1", 6000, true).utilityConnection(new ConnectionConfig("jdbc:postgresql://mdw/sales",
                "etl", null)).url()).isEqualTo("jdbc:postgresql://sdw1:6000/sales?options=-c%20gp_role%3Dutility%20-c%20"
                + "default_transaction_read_only%3Don");
    }

    @Test
    void theSegmentMessagesNameTheSegmentAndWhatToDo() {
        Segment s = new Segment(1, 3, "sdw2", 6001, true);
        String prefix = "Source mode greenplum_segments (auto: ...) reads every primary segment in utility mode, but ";
        assertThat(SegmentPrecheck.unreachableMessage(prefix, s, "Connection to sdw2:6001 refused."))
                .startsWith(prefix + "segment 1 at sdw2:6001 cannot be reached from this worker: Connection to sdw2:6001 refused.")
                .contains("make sdw2 resolvable and port 6001 reachable").contains("source.mode=coordinator");
        assertThat(SegmentPrecheck.refusedMessage(prefix, s, "etl", "FATAL: no pg_hba.conf entry"))
                .contains("segment 1 at sdw2:6001 refuses user etl").contains("pg_hba.conf").contains("gpstop -u");
        assertThat(SegmentPrecheck.walLevelMessage(prefix, s, "replica"))
                .contains("segment 1 at sdw2:6001 has wal_level=replica").contains("gpconfig -c wal_level -v logical");
        assertThat(SegmentPrecheck.replicationMessage(prefix, s, "etl", "must be superuser or replication role"))
                .contains("user etl cannot open a replication connection to segment 1 at sdw2:6001")
                .contains("ALTER ROLE \"etl\" REPLICATION");
        assertThat(SegmentPrecheck.downMessage(prefix, new Segment(1, 3, "sdw2", 6001, false)))
                .contains("segment 1 at sdw2:6001 is marked down").contains("gprecoverseg");
        assertThat(SegmentPrecheck.noFreeSlotMessage(s, "adbsync", "sales", 10, 10))
                .startsWith("10 of max_replication_slots=10 replication slots of segment 1 at sdw2:6001 are in use")
                .contains("PGOPTIONS='-c gp_role=utility' psql -h sdw2 -p 6001 -d sales");
        assertThat(SegmentPrecheck.heartbeatMessage("public.hb", "DISTRIBUTED BY (slot_name)", "\"public\".\"hb\""))
                .isEqualTo("Heartbeat table public.hb is DISTRIBUTED BY (slot_name), so each heartbeat reaches one segment and "
                        + "the slots of the others do not advance while the captured tables are idle; make it replicated: "
                        + "ALTER TABLE \"public\".\"hb\" SET DISTRIBUTED REPLICATED");
    }
}
