package io.adbsync.it;

import io.adbsync.stack.demo.Demo;
import io.adbsync.stack.postgres.LocalPostgres;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The README's first command, end to end: snapshot + live workload until the destination equals the source. */
class DemoIT {

    @Test
    void theDemoReachesADestinationEqualToTheSourceWithAvroThroughTheRegistry() throws Exception {
        assumeTrue(LocalPostgres.available(), "the demo starts PostgreSQL from the machine's binaries");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true);
        boolean matched = Demo.run(new Demo.Options(0, 20_000, 8, 150, true, 240, Path.of("../config"), Demo.Format.AVRO), out,
                new CountDownLatch(1));
        String output = buffer.toString();
        assertThat(matched).as(output).isTrue();
        assertThat(output).contains("Schema registry http://127.0.0.1:")
                .contains("The destination matches the source")
                .contains("public.accounts: equal (20000 rows")
                .contains("public.all_types: equal (1000 rows")
                .contains("All 5 table(s) equal.");
    }
}
