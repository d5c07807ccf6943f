package io.adbsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process's line of {@code /proc/<pid>/stat}: its parent and its CPU time in clock ticks, its own (all threads)
 * and that of its children it has waited for (exited backends, a finished pg_recvlogical).
 */
record ProcStat(long pid, String command, long parentPid, long userTicks, long systemTicks, long childUserTicks,
                long childSystemTicks) {

    /** Ticks of its own threads: user plus system. */
    long ownTicks() {
        return userTicks + systemTicks;
    }

    /** Its own ticks and those of every child it has reaped. */
    long ticksWithReapedChildren() {
        return ownTicks() + childUserTicks + childSystemTicks;
    }

    /**
     * Parses the line; the command (field 2) is in parentheses and may itself hold spaces and parentheses, so the
     * fields are counted from the last closing parenthesis (proc(5): ppid is field 4, utime..cstime fields 14-17).
     */
    static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("Not a /proc/<pid>/stat line: " + line);
        }
        String[] rest = line.substring(close + 2).trim().split(" +");
        if (rest.length < 15) {
            throw new IllegalArgumentException("Too few fields in a /proc/<pid>/stat line: " + line);
        }
        // rest[0] is field 3 (state), so field n is rest[n - 3].
        return new ProcStat(Long.parseLong(line.substring(0, open).trim()), line.substring(open + 1, close),
                Long.parseLong(rest[1]), Long.parseLong(rest[11]), Long.parseLong(rest[12]), Long.parseLong(rest[13]),
                Long.parseLong(rest[14]));
    }

    /** The process's stat under {@code procRoot} (normally /proc); empty when it has exited. */
    static Optional<ProcStat> read(Path procRoot, long pid) {
        try {
            return Optional.of(parse(Files.readString(procRoot.resolve(String.valueOf(pid)).resolve("stat"))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // A process that exits while being read shows up as a read error (ESRCH) rather than a missing file.
            return Optional.empty();
        }
    }
}
