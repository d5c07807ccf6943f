package io.adbsync.stack.status;

import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.ClientCredentials;

import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * {@code bin/adbsync status}: one screen of the pipeline, printed once, or with {@code --watch} redrawn in place every
 * interval, like {@code top}, until Ctrl-C.
 */
public final class StatusCommand {

    /** Clears the terminal and moves the cursor home (ANSI), so each screen replaces the one before. */
    static final String CLEAR = "\033[H\033[2J";
    /**
     * Rates are measured over about this long: a sink's committed offsets move only every offset.flush.interval.ms
     * (60 s by default), so a shorter window would show 0 and then a burst.
     */
    static final Duration RATE_WINDOW = Duration.ofSeconds(70);
    /** How long one REST request of the status may take: a worker that does not answer is reported, not waited for. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param connectUrl       the Connect REST API
     * @param bootstrapServers the worker's Kafka cluster, null if unknown (lag and rates are then shown as unknown)
     * @param adminSettings    more Kafka admin client settings (security protocol, SASL, TLS)
     * @param sourceUrl        replaces the source connectors' connection.url, null to use theirs
     * @param credentials      where the source databases' passwords are found
     * @param metricsUrl       the worker's Prometheus endpoint (the source lag is read there), null if none
     * @param terminal         whether the output is a terminal (--watch then redraws in place; else screens follow)
     */
    public record Options(URI connectUrl, String bootstrapServers, Properties adminSettings, String sourceUrl,
                          ClientCredentials credentials, URI metricsUrl, boolean watch, Duration interval, boolean terminal) {
    }

    private StatusCommand() {
    }

    /** Prints the status; returns 0 when every connector and task is RUNNING (or PAUSED, STOPPED), 1 otherwise. */
    public static int run(Options options, PrintStream out, BooleanSupplier stopped) throws InterruptedException {
        String where = "Connect " + withoutUserInfo(options.connectUrl()) + (options.bootstrapServers() == null ? ""
                : " · Kafka " + options.bootstrapServers());
        try (StatusReader reader = new StatusReader(new ConnectRestClient(options.connectUrl(), REQUEST_TIMEOUT),
                options.bootstrapServers(), options.adminSettings(), options.sourceUrl(), options.credentials(), Clock.systemUTC())
                .withMetrics(options.metricsUrl())) {
            if (!options.watch()) {
                StatusSample sample = reader.read();
                out.print(StatusScreen.render(sample, null, where));
                out.print("(records/s: bin/adbsync status --watch)\n");
                out.flush();
                return healthy(sample) ? 0 : 1;
            }
            Deque<StatusSample> recent = new ArrayDeque<>();
            StatusSample last = null;
            while (!stopped.getAsBoolean()) {
                last = reader.read();
                // Keep the newest sample at least a window old, so that rates always span about a window.
                while (recent.size() > 1 && Duration.between(second(recent).at(), last.at()).compareTo(RATE_WINDOW) >= 0) {
                    recent.removeFirst();
                }
                String screen = StatusScreen.render(last, recent.peekFirst(), where);
                recent.addLast(last);
                out.print((options.terminal() ? CLEAR : "\n") + screen + "\n(every " + options.interval().toSeconds()
                        + " s, rates over the last " + RATE_WINDOW.toSeconds() + " s; Ctrl-C to stop)\n");
                out.flush();
                long until = System.nanoTime() + options.interval().toNanos();
                while (!stopped.getAsBoolean() && System.nanoTime() < until) {
                    Thread.sleep(100);
                }
            }
            return last == null || healthy(last) ? 0 : 1;
        }
    }

    private static StatusSample second(Deque<StatusSample> samples) {
        var it = samples.iterator();
        it.next();
        return it.next();
    }

    /** The URL as the header may show it: user and password, if the URL has them, left out. */
    static String withoutUserInfo(URI url) {
        if (url.getRawUserInfo() == null) {
            return url.toString();
        }
        return url.toString().replace(url.getRawUserInfo() + "@", "");
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
