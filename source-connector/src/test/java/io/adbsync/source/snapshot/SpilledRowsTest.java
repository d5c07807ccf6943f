package io.adbsync.source.snapshot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link SpilledRows}: the lines come back as written, in order, the file leaves nothing behind, and a file cut short
 * is an error, not a chunk with fewer rows.
 */
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

    /** The spill file cut short under the reader (a disk that lost it, a full file system): the read fails, naming it. */
    @Test
    void aFileCutShortIsAnErrorNotAShorterChunk() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "the unlinked file is reached through /proc/self/fd");
        try (SpilledRows rows = SpilledRows.create(directory)) {
            for (int i = 0; i < 100; i++) {
                rows.add(("row " + i).getBytes(StandardCharsets.UTF_8));
            }
            SpilledRows.Lines lines = rows.lines();
            Path open = openSpillFile();
            try (var file = java.nio.channels.FileChannel.open(open, java.nio.file.StandardOpenOption.WRITE)) {
                // Half of it: 50 lines and a bit of the 51st survive.
                file.truncate(file.size() / 2);
            }
            int read = 0;
            while (read < 50) {
                assertThat(lines.next()).isNotNull();
                read++;
            }
            assertThatThrownBy(() -> {
                while (lines.next() != null) {
                    // reads up to the cut
                }
            }).hasMessage("the file ends after 50 of the 100 rows written to it");
        }
    }

    /** The descriptor of the one spill file open under {@link #directory} (unlinked: its link reads "... (deleted)"). */
    private Path openSpillFile() throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith(directory.resolve("adbsync-snapshot-").toString());
                } catch (Exception e) {
                    return false;
                }
            }).findFirst().orElseThrow();
        }
    }
}
