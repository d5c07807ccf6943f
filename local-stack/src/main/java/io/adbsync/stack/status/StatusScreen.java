package io.adbsync.stack.status;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.stack.status.StatusSample.Connector;
import io.adbsync.stack.status.StatusSample.PartitionLag;
import io.adbsync.stack.status.StatusSample.Sink;
import io.adbsync.stack.status.StatusSample.Slot;
import io.adbsync.stack.status.StatusSample.Source;
import io.adbsync.stack.status.StatusSample.TableCopy;
import io.adbsync.stack.status.StatusSample.Task;
import io.adbsync.stack.topics.TopicList;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link StatusSample} as the one screen of {@code bin/adbsync status}; rates come from an earlier sample.
 * What was not read is shown as {@code ?}, never as 0: a lag of 0 must mean caught up.
 */
public final class StatusScreen {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private StatusScreen() {
    }

    /**
     * The screen for {@code now}; {@code before} (null for none) is the sample the records/s figures are measured
     * against, {@code where} the header's line naming what was read.
     */
    public static String render(StatusSample now, StatusSample before, String where) {
        StringBuilder out = new StringBuilder();
        out.append("adbsync status · ").append(where).append(" · ").append(TIME.format(now.at())).append('\n');
        if (now.connectProblem() != null) {
            out.append("\nConnect: ").append(now.connectProblem()).append('\n');
            return out.toString();
        }
        if (now.connectors().isEmpty()) {
            out.append("\nNo connectors deployed.\n");
            return out.toString();
        }
        out.append('\n').append(String.format(Locale.ROOT, "%-32s %-7s %-10s %s%n", "CONNECTOR", "TYPE", "STATE", "TASKS"));
        for (Connector c : now.connectors()) {
            long running = c.tasks().stream().filter(t -> "RUNNING".equals(t.state())).count();
            out.append(String.format(Locale.ROOT, "%-32s %-7s %-10s %d/%d running%n", c.name(), c.type(), c.state(), running,
                    c.tasks().size()));
            if (c.trace() != null) {
                out.append("    connector on ").append(c.workerId()).append(": ").append(c.trace()).append('\n');
            }
            for (Task t : c.tasks()) {
                out.append(String.format(Locale.ROOT, "    task %-3d %-10s on %s%s%n", t.id(), t.state(), t.workerId(),
                        t.trace() == null ? "" : "  " + t.trace()));
            }
        }
        double seconds = before == null ? 0 : Duration.between(before.at(), now.at()).toMillis() / 1000.0;
        for (Connector c : now.connectors()) {
            Connector earlier = before == null ? null : before.connectors().stream().filter(b -> b.name().equals(c.name()))
                    .findFirst().orElse(null);
            if (c.source() != null) {
                source(out, c, earlier == null ? null : earlier.source(), seconds);
            } else if (c.sink() != null) {
                sink(out, c, earlier == null ? null : earlier.sink(), seconds);
            }
        }
        return out.toString();
    }

    private static void source(StringBuilder out, Connector c, Source before, double seconds) {
        Source s = c.source();
        out.append("\nSOURCE ").append(c.name()).append(" → topics ").append(s.topicPrefix()).append(".*").append(" · lag ")
                .append(lag(s));
        if (s.endOffsets() == null) {
            out.append(" · ? records/s produced");
        } else {
            String rate = rate(s.endOffsets(), before == null ? null : before.endOffsets(), seconds);
            if (rate != null) {
                out.append(" · ").append(rate).append(" produced");
            }
        }
        out.append('\n');
        if (s.databaseProblem() != null) {
            out.append("  ").append(s.databaseProblem()).append('\n');
        } else if (s.slots().isEmpty()) {
            out.append("  slot ").append(s.slotName()).append(": not on the source (created when the task starts)\n");
        }
        for (Slot slot : s.slots()) {
            out.append("  slot ").append(s.slotName()).append(slot.site().isEmpty() ? "" : " on " + slot.site()).append(": ");
            if (slot.problem() != null) {
                out.append(slot.problem()).append('\n');
                continue;
            }
            if ("lost".equals(slot.walStatus()) || slot.retainedWalBytes() == null) {
                out.append("LOST: the server removed WAL it still needed (wal_status ").append(slot.walStatus())
                        .append("); changes are missing, the tables must be copied again\n");
                continue;
            }
            out.append(slot.active() ? "streaming" : "INACTIVE (no task reads it)");
            out.append(" · retained WAL ").append(bytes(slot.retainedWalBytes()));
            if (slot.unconfirmedWalBytes() != null) {
                out.append(" · not yet in Kafka ").append(bytes(slot.unconfirmedWalBytes()));
            }
            if (slot.walStatus() != null && !"reserved".equals(slot.walStatus())) {
                out.append(" · wal_status ").append(slot.walStatus());
            }
            out.append('\n');
        }
        if (s.tables().isEmpty()) {
            return;
        }
        out.append(String.format(Locale.ROOT, "  %-40s %14s  %s%n", "TABLE", "ROWS (est.)", "SNAPSHOT"));
        for (TableCopy t : s.tables()) {
            out.append(String.format(Locale.ROOT, "  %-40s %14s  %s%n", t.table(),
                    t.estimatedRows() < 0 ? "?" : String.format(Locale.ROOT, "%,d", t.estimatedRows()), copy(t, s.snapshotMode())));
        }
    }

    /**
     * The source's lag: from the tasks' metrics (commit to record) when the worker's metrics were read; else the
     * walsender's view of WAL reaching Kafka, which moves only with the task's feedback (every few seconds), so it is
     * an upper bound and said to be one.
     */
    private static String lag(Source s) {
        if (s.millisBehindSource() != null) {
            return String.format(Locale.ROOT, "%,d ms", s.millisBehindSource());
        }
        Long walsender = null;
        boolean streaming = false;
        for (Slot slot : s.slots()) {
            if (slot.active() && slot.problem() == null) {
                streaming = true;
                Long ms = slot.flushLagMs() != null ? slot.flushLagMs() : slot.writeLagMs();
                if (ms != null) {
                    walsender = walsender == null ? ms : Math.max(walsender, ms);
                }
            }
        }
        if (!streaming) {
            return "?";
        }
        return walsender == null ? "0 ms (caught up, walsender's view)"
                : String.format(Locale.ROOT, "≤ %,d ms (walsender's view, moves with the task's feedback)", walsender);
    }

    static String copy(TableCopy t, String snapshotMode) {
        if (t.copyAgain()) {
            return "to be copied again (dropped and created again, or left out of capture since its copy)";
        }
        if (t.partsStarted() == 0) {
            return "never".equals(snapshotMode) ? "not copied (snapshot.mode=never)" : "waiting";
        }
        if (t.parts() == 1 && t.single().isPresent()) {
            SnapshotProgress p = t.single().get();
            if (p.done()) {
                return "done";
            }
            return p.fraction().map(f -> String.format(Locale.ROOT, "%3.0f%% (%d/%d chunks)", f * 100, p.chunksDone(), p.chunks()))
                    .orElse("copying by key ranges");
        }
        String parts = t.partsDone() + "/" + t.parts() + " parts done";
        if (t.partsDone() == t.parts()) {
            return "done (" + parts + ")";
        }
        return t.fraction().map(f -> String.format(Locale.ROOT, "%3.0f%% (%s)", f * 100, parts)).orElse("copying (" + parts + ")");
    }

    private static void sink(StringBuilder out, Connector c, Sink before, double seconds) {
        Sink s = c.sink();
        long lag = 0;
        boolean known = true;
        for (PartitionLag p : s.partitions()) {
            if (p.lag() == null) {
                known = false;
            } else {
                lag += p.lag();
            }
        }
        out.append("\nSINK ").append(c.name()).append(" · lag ").append(known ? String.format(Locale.ROOT, "%,d", lag) : "?")
                .append(" records");
        if (s.committedOffsets() == null) {
            out.append(" · ? records/s applied");
        } else {
            String rate = rate(s.committedOffsets(), before == null ? null : before.committedOffsets(), seconds);
            if (rate != null) {
                out.append(" · ").append(rate).append(" applied");
            }
        }
        if (s.deadLetterTopic() == null) {
            out.append(" · no dead-letter queue");
        } else {
            out.append(" · dead letters ").append(s.deadLetterRecords() == null ? "?" : s.deadLetterRecords() < 0 ? "0 (no topic yet)"
                    : String.format(Locale.ROOT, "%,d", s.deadLetterRecords())).append(" in ").append(s.deadLetterTopic());
        }
        out.append('\n');
        if (s.kafkaProblem() != null) {
            out.append("  ").append(s.kafkaProblem()).append('\n');
        }
        if (s.partitions().isEmpty()) {
            return;
        }
        out.append(String.format(Locale.ROOT, "  %-48s %4s %12s %12s %10s%n", "TOPIC", "PART", "END", "COMMITTED", "LAG"));
        for (PartitionLag p : s.partitions()) {
            out.append(String.format(Locale.ROOT, "  %-48s %4d %12s %12s %10s%s%n", p.topic(), p.partition(),
                    p.endOffset() == null ? "?" : p.endOffset(), p.committedOffset() < 0 ? "-" : Long.toString(p.committedOffset()),
                    p.lag() == null ? "?" : p.lag(), p.pastEnd() ? "  committed past the end: topic re-created?" : ""));
        }
    }

    /**
     * Records per second between two samples of per-partition offsets: only partitions known in both count, and one
     * that went back (a reset, a re-created topic) counts nothing, so a partition first seen at a high offset or a
     * sample that could not be read makes no spike. Null without an earlier sample.
     */
    static String rate(Map<String, Long> now, Map<String, Long> before, double seconds) {
        if (now == null || before == null || seconds <= 0) {
            return null;
        }
        long records = 0;
        for (Map.Entry<String, Long> e : now.entrySet()) {
            Long earlier = before.get(e.getKey());
            if (earlier != null && e.getValue() > earlier) {
                records += e.getValue() - earlier;
            }
        }
        return String.format(Locale.ROOT, "%,.0f records/s", records / seconds);
    }

    static String bytes(long n) {
        return TopicList.bytes(n);
    }
}
