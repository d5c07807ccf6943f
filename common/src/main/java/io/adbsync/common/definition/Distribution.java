package io.adbsync.common.definition;

import java.util.List;

/**
 * How a Greenplum-family source spreads a table's rows over its segments.
 *
 * @param policy {@code hash} (by {@code key}), {@code random} or {@code replicated}
 */
public record Distribution(String policy, List<String> key) {

    public Distribution {
        key = List.copyOf(key);
    }
}
