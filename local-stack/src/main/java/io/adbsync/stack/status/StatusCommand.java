package io.adbsync.stack.status;

import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.ClientCredentials;

import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;

/**
 * {@code bin/adbsync status}: one screen of the pipeline, printed once, or with {@code --watch} redrawn in place every
 * interval, like {@code top}, until Ctrl-C.
 */
public final class StatusCommand {

    /** Clears the terminal and moves the cursor home (ANSI), so each screen replaces the one before. */
    private static final String CLEAR = "\033[H\033[2J";
    /** Rates are measured over about this long: a sink commits offsets only every offset.flush.interval.ms. */
    private static final Duration RATE_WINDOW = Duration.ofSeconds(10);

    /**
     * @param connectUrl       the Connect REST API
     * @param bootstrapServers the worker's Kafka cluster, null if unknown (lag and rates are then left out)
     * @param sourceUrl        replaces the source connectors' connection.url, null to use theirs
     * @param credentials      where the source databases' passwords are found
     */
    public record Options(URI connectUrl, String bootstrapServers, String sourceUrl, ClientCredentials credentials,
                          boolean watch, Duration interval) {
    }

    private StatusCommand() {
    }

    /** Prints the status; returns 0 when every connector and task is RUNNING (or PAUSED), 1 otherwise. */
    public static int run(Options options, PrintStream out, BooleanSupplier stopped) throws InterruptedException {
        String where = "Connect " + options.connectUrl() + (options.bootstrapServers() == null ? ""
                : " · Kafka " + options.bootstrapServers());
        try (StatusReader reader = new StatusReader(new ConnectRestClient(options.connectUrl()), options.bootstrapServers(),
                options.sourceUrl(), options.credentials(), Clock.systemUTC())) {
            if (!options.watch()) {
                StatusSample first = reader.read();
                Thread.sleep(options.interval().toMillis());
                StatusSample second = reader.read();
                out.print(StatusScreen.render(second, first, where));
                out.flush();
                return healthy(second) ? 0 : 1;
            }
            Deque<StatusSample> recent = new ArrayDeque<>();
            StatusSample last = null;
            while (!stopped.getAsBoolean()) {
                last = reader.read();
                while (!recent.isEmpty() && Duration.between(recent.peekFirst().at(), last.at()).compareTo(RATE_WINDOW) > 0) {
                    recent.removeFirst();
                }
                String screen = StatusScreen.render(last, recent.peekFirst(), where);
                recent.addLast(last);
                out.print(CLEAR + screen + "\n(every " + options.interval().toSeconds() + " s; Ctrl-C to stop)\n");
                out.flush();
                long until = System.nanoTime() + options.interval().toNanos();
                while (!stopped.getAsBoolean() && System.nanoTime() < until) {
                    Thread.sleep(100);
                }
            }
            return last == null || healthy(last) ? 0 : 1;
        }
    }

    static boolean healthy(StatusSample sample) {
        if (sample.connectProblem() != null) {
            return false;
        }
        return sample.connectors().stream().allMatch(c -> fine(c.state())
                && c.tasks().stream().allMatch(t -> fine(t.state())));
    }

    private static boolean fine(String state) {
        return "RUNNING".equals(state) || "PAUSED".equals(state) || "STOPPED".equals(state);
    }
}
