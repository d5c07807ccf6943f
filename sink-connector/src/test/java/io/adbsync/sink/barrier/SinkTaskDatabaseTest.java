package io.adbsync.sink.barrier;

import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static io.adbsync.sink.barrier.SinkTaskFixture.TOPIC;

/** A database of its own for each test that drives sink tasks by hand over the two partitions of {@link SinkTaskFixture#TOPIC}. */
public abstract class SinkTaskDatabaseTest {

    protected final TopicPartition p0 = new TopicPartition(TOPIC, 0);
    protected final TopicPartition p1 = new TopicPartition(TOPIC, 1);
    protected PostgresServer pg;
    protected String db;

    /** The prefix of the test's database name. */
    protected abstract String databasePrefix();

    @BeforeEach
    protected void createDatabase() throws Exception {
        pg = Postgres.shared();
        db = pg.createDatabase(databasePrefix());
    }

    @AfterEach
    protected void dropDatabase() throws Exception {
        pg.dropDatabase(db);
    }
}
