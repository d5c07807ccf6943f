package io.adbsync.source.greenplum;

import org.apache.kafka.connect.errors.ConnectException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which segment each of the connector's tasks reads under {@code source.mode=greenplum_segments}: task i reads the
 * primary segment of content id i, with its own slot there and its own offsets. One segment's stream is read by
 * exactly one task, as one slot always is; the segments' streams need no order among each other (see
 * {@link SourceTopology}), so the tasks run side by side on any workers.
 */
public final class TaskSegments {

    /** Kafka Connect's own setting: how many tasks the connector may run. */
    public static final String TASKS_MAX = "tasks.max";
    /**
     * The content id of the segment a task reads, which the connector adds to each task's config (Connect tells a task
     * nothing about itself). Not a setting users make; absent where the source is read as one stream.
     */
    public static final String TASK_SEGMENT = "task.segment";

    private TaskSegments() {
    }

    /** Why {@code tasksMax} tasks cannot read {@code topology}'s segments, or empty when they can. */
    public static Optional<String> tooFewTasks(SourceTopology topology, int tasksMax) {
        int segments = topology.segments().size();
        if (topology.mode() != SourceMode.GREENPLUM_SEGMENTS || tasksMax >= segments) {
            return Optional.empty();
        }
        return Optional.of("Source mode " + topology.describe() + " reads each of the " + segments + " primary segments "
                + "with a task of its own, but " + TASKS_MAX + "=" + tasksMax + ": set " + TASKS_MAX + " to at least "
                + segments);
    }

    /**
     * The configs of the tasks reading {@code topology}: one per primary segment (each {@code props} plus its
     * {@value #TASK_SEGMENT} and {@code taskId} under {@code taskIdKey}), or one task without a segment where the
     * source is one stream.
     */
    public static List<Map<String, String>> taskConfigs(Map<String, String> props, SourceTopology topology, int maxTasks,
                                                        String taskIdKey) {
        // A mode that does not fit the server lists no segment: one task then fails with the reason, where no task
        // at all would leave the connector RUNNING with nothing to say.
        if (topology != null && topology.problem().isPresent()) {
            Map<String, String> task = new HashMap<>(props);
            task.put(taskIdKey, "0");
            return List.of(task);
        }
        if (topology == null || topology.mode() != SourceMode.GREENPLUM_SEGMENTS) {
            Map<String, String> task = new HashMap<>(props);
            task.put(taskIdKey, "0");
            return List.of(task);
        }
        Optional<String> tooFew = tooFewTasks(topology, maxTasks);
        if (tooFew.isPresent()) {
            throw new ConnectException(tooFew.get());
        }
        List<Map<String, String>> tasks = new ArrayList<>();
        for (Segment segment : topology.segments()) {
            Map<String, String> task = new HashMap<>(props);
            task.put(taskIdKey, Integer.toString(segment.content()));
            task.put(TASK_SEGMENT, Integer.toString(segment.content()));
            tasks.add(task);
        }
        return tasks;
    }

    /** The segment a task's config assigns it, empty where it reads the source as one stream. */
    public static OptionalInt assigned(Map<String, String> taskProps) {
        String content = taskProps.get(TASK_SEGMENT);
        return content == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(content.trim()));
    }

    /**
     * The segment of content id {@code content} that a task assigned it reads, as {@code topology} (read at the task's
     * start) lists it now: its address may have changed since the tasks were made (a mirror promoted).
     */
    public static Segment segment(SourceTopology topology, OptionalInt content) {
        if (topology.mode() != SourceMode.GREENPLUM_SEGMENTS) {
            throw new ConnectException("This task was made to read segment " + content.orElse(-1) + ", but the source mode "
                    + "is now " + topology.describe() + ": restart the connector (POST /connectors/<name>/restart?"
                    + "includeTasks=true) so its tasks are made for that mode");
        }
        if (content.isEmpty()) {
            throw new ConnectException("Source mode " + topology.describe() + " reads each segment with a task of its own, "
                    + "but this task was made without one (the connector could not reach the source when it made its "
                    + "tasks; it makes them again once it can, or restart it: POST /connectors/<name>/restart?"
                    + "includeTasks=true)");
        }
        return topology.segments().stream().filter(s -> s.content() == content.getAsInt()).findFirst()
                .orElseThrow(() -> new ConnectException("This task reads segment " + content.getAsInt() + ", which "
                        + "gp_segment_configuration no longer lists among " + topology.segments().size() + " primary "
                        + "segment(s): restart the connector (POST /connectors/<name>/restart?includeTasks=true) so its "
                        + "tasks match the cluster"));
    }
}
