package io.adbsync.source.shard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tasks of a source read as one stream: one where {@code tasks.max} is 1, else one per key shard (task i reads shard
 * i of tasks.max), each with its own slot ({@link ShardSlots}) and its own offsets.
 */
public final class TaskShards {

    private TaskShards() {
    }

    /** The configs of {@code maxTasks} tasks: each {@code props} plus its {@code taskId} and, when several, its shard. */
    public static List<Map<String, String>> configs(Map<String, String> props, int maxTasks, String taskIdKey) {
        List<Map<String, String>> tasks = new ArrayList<>();
        for (int i = 0; i < Math.max(1, maxTasks); i++) {
            Map<String, String> task = new HashMap<>(props);
            task.put(taskIdKey, Integer.toString(i));
            if (maxTasks > 1) {
                task.put(KeyShard.TASK_SHARD, new KeyShard(i, maxTasks).toString());
            }
            tasks.add(task);
        }
        return tasks;
    }

    /** The shard a task's config assigns it; null where one task reads every key. */
    public static KeyShard assigned(Map<String, String> taskProps) {
        String shard = taskProps.get(KeyShard.TASK_SHARD);
        return shard == null ? null : KeyShard.parse(shard);
    }
}
