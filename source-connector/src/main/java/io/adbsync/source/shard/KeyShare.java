package io.adbsync.source.shard;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.stream.TableShare;

/**
 * The share of a key-sharded source's task: every table, but only the rows whose key falls on its shard. No task reads
 * all of a table's rows, so every truncate goes through the tasks' rendezvous, as a distributed table's does per
 * Greenplum segment.
 */
public record KeyShare(KeyShard shard) implements TableShare {

    @Override
    public boolean reads(int relationOid) {
        return true;
    }

    @Override
    public boolean readsAllRows(int relationOid) {
        return false;
    }

    @Override
    public boolean owns(CapturedTable table, TupleData row) {
        return shard.owns(table, row);
    }

    @Override
    public boolean splitsRows() {
        return true;
    }

    @Override
    public int partiesHolding(int relationOid) {
        return shard.count();
    }
}
