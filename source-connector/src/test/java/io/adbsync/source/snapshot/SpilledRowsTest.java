package io.adbsync.source.snapshot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SpilledRows}: the lines come back as written, in order, and the file leaves nothing behind. */
class SpilledRowsTest {

    @TempDir
    Path directory;

    @Test
    void linesComeBackInOrderAndTheDirectoryIsLeftEmpty() throws Exception {
        List<String> written = new ArrayList<>();
        try (SpilledRows rows = SpilledRows.create(directory)) {
            for (int i = 0; i < 10_000; i++) {
                String line = i + "\tvalue " + "x".repeat(i % 300) + "\t\\N";
                written.add(line);
                rows.add(line.getBytes(StandardCharsets.UTF_8));
            }
            rows.add(new byte[0]);
            written.add("");
            if (!System.getProperty("os.name").startsWith("Windows")) {
                // Unlinked once open: a worker that dies leaves no file.
                try (var files = Files.list(directory)) {
                    assertThat(files).isEmpty();
                }
            }
            List<String> read = new ArrayList<>();
            SpilledRows.Lines lines = rows.lines();
            for (byte[] line; (line = lines.next()) != null; ) {
                read.add(new String(line, StandardCharsets.UTF_8));
            }
            assertThat(read).isEqualTo(written);
            assertThat(rows.bytes()).isEqualTo(written.stream().mapToLong(l -> l.getBytes(StandardCharsets.UTF_8).length).sum());
        }
        try (var files = Files.list(directory)) {
            assertThat(files).isEmpty();
        }
    }
}
