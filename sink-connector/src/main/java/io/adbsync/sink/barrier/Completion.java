package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders.Position;

import java.util.Map;

/**
 * A barrier applied at the destination: the offset of its copy on each partition (the first that arrived there) and
 * the earliest place in commit order its copies state (null when none does). Records before those are older than the
 * truncate.
 */
public record Completion(BarrierKey barrier, Map<Integer, Long> offsets, Position position) {

    public Completion {
        offsets = Map.copyOf(offsets);
    }
}
