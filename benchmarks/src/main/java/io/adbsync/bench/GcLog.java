package io.adbsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads peak heap figures from a JVM's {@code -Xlog:gc} file: before-GC (high water) and after-GC (live data). */
public record GcLog(long maxBeforeMb, long maxAfterMb, int collections) {

    // e.g. "[1.234s][info][gc] GC(12) Pause Young (Normal) (G1 Evacuation Pause) 301M->120M(512M) 4.567ms"
    private static final Pattern PAUSE = Pattern.compile("GC\\(\\d+\\) Pause.*? (\\d+)M->(\\d+)M\\((\\d+)M\\)");

    public static GcLog parse(String log) {
        long before = 0;
        long after = 0;
        int count = 0;
        Matcher m = PAUSE.matcher(log);
        while (m.find()) {
            before = Math.max(before, Long.parseLong(m.group(1)));
            after = Math.max(after, Long.parseLong(m.group(2)));
            count++;
        }
        return new GcLog(before, after, count);
    }

    public static GcLog read(Path file) throws IOException {
        return parse(Files.readString(file));
    }
}
