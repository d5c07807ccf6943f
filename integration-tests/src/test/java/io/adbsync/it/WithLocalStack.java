package io.adbsync.it;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A Kafka broker and one Connect worker (with the packaged plugin) per test class, and the shared PostgreSQL server. */
abstract class WithLocalStack {

    static LocalStack stack;
    static PostgresServer postgres;

    @BeforeAll
    static void startStack() {
        postgres = Postgres.shared();
        stack = LocalStack.start(1);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }
}
