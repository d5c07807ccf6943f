package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders.Position;

import java.util.Map;

/**
 * A barrier applied at the destination: the offset of its copy on each partition (the first that arrived there) and
 * the earliest place in commit order its copies state (null when none does), and per partition the place of the last
 * record seen there before its copy, where known ({@code caps}). Records before those are older than the truncate.
 */
public record Completion(BarrierKey barrier, Map<Integer, Long> offsets, Position position, Map<Integer, Position> caps) {

    public Completion {
        offsets = Map.copyOf(offsets);
        caps = Map.copyOf(caps);
    }

    public Completion(BarrierKey barrier, Map<Integer, Long> offsets, Position position) {
        this(barrier, offsets, position, Map.of());
    }
}
