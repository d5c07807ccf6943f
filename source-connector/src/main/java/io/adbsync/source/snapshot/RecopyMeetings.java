package io.adbsync.source.snapshot;

import io.adbsync.common.sql.TableId;

import java.sql.SQLException;

/**
 * Where the tasks that each read one key shard of every table agree on a table's copy again. The copy again starts
 * with a truncate of the destination table, which must follow every task's earlier records of the table and precede
 * every task's rows of the new copy: so each task, once its stream is past the point where the copy was asked for and
 * a restart would resume past it too, reports that it arrived; once all have, shard 0's task copies its share after
 * the truncate, and the others copy theirs, without one, once that truncate is in Kafka.
 */
public interface RecopyMeetings {

    /**
     * This task found that {@code name}'s (relation {@code oid}) earlier copy no longer holds, {@code why}, and counts
     * the copy again as {@code generation}: asks the other tasks for it, or joins the one they asked for (whose
     * generation, if not lower, is the one that counts). {@code decided}: found by this task now (not learnt of from
     * the others' request), which may follow something every task's arrival must be past: arrivals from before then
     * count no longer.
     */
    Joined join(TableId name, int oid, long generation, String why, boolean decided) throws SQLException;

    /**
     * Whether a task asked for a copy again of relation {@code oid} under {@code name} past {@code copiedGeneration}, the latest this task
     * copied or planned; {@code truncatedGeneration} is the latest whose truncate this task has stored (the one that
     * sends them reports it sent, where it stopped before it could).
     */
    boolean askedPast(TableId name, int oid, long copiedGeneration, long truncatedGeneration) throws SQLException;

    /**
     * Whether this task waits for the tasks to meet for {@code table}'s copy again, its share not planned yet: the
     * partitions attached meanwhile are planned with it.
     */
    boolean meeting(TableId table);

    /**
     * This task (shard 0's), started again, goes on sending the truncate of {@code table}'s copy again at
     * {@code generation}, which it had sent in part: the others are told once it is stored.
     */
    void resumedTruncate(TableId table, int oid, long generation) throws SQLException;

    /**
     * The copy again joined: its generation, and whether its truncate is in Kafka already (a task restarted after the
     * meeting copies its share at once).
     */
    record Joined(long generation, boolean sent) {
    }
}
