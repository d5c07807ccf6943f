package io.adbsync.sink.definition;

import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.sink.definition.DefinitionLedger.Applied;
import io.adbsync.sink.definition.DefinitionLedger.Needed;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which records may be written under {@code schema.sync=all}: a record naming a definition of its table (header
 * {@value SchemaChannel#VERSION_HEADER}) only once the ledger shows that definition, or a later one, applied. A partition
 * whose next record may not be written yet is held there (paused, rewound to it) and released when the ledger shows
 * the definition; other partitions go on. Records without the header (a source without the schema channel) are never
 * held.
 */
public final class DefinitionHolds {

    /** A partition held at {@code offset} until {@code needed} of {@code object} is applied. */
    public record Hold(String object, String table, Needed needed, long offset, long sinceMs, String schemaTopic) {
    }

    /** What a record names, or null when it names no definition. */
    public record Naming(String object, ObjectRef ref, String table, Needed needed, String schemaTopic) {
    }

    private final Map<TopicPartition, Hold> holds = new LinkedHashMap<>();
    private final Map<TopicPartition, Hold> newHolds = new LinkedHashMap<>();
    /** What this task knows was applied, per object; asked again from the ledger when a record needs more. */
    private final Map<String, Applied> known = new HashMap<>();
    private final Set<String> askedThisBatch = new HashSet<>();

    /** The definition a record names, or null; an {@link IllegalArgumentException} says which header is malformed. */
    public static Naming naming(Headers headers) {
        Header version = headers.lastWithName(SchemaChannel.VERSION_HEADER);
        if (version == null || version.value() == null) {
            return null;
        }
        Header table = headers.lastWithName(SourceTableHeader.HEADER);
        if (table == null || !(table.value() instanceof String tableName)) {
            throw new IllegalArgumentException("header " + SchemaChannel.VERSION_HEADER + " without header " + SourceTableHeader.HEADER);
        }
        SourceTableHeader.Name name = SourceTableHeader.decode(tableName);
        Header ts = headers.lastWithName(SchemaChannel.TIME_HEADER);
        long tsMs;
        try {
            tsMs = ts == null || ts.value() == null ? Long.MAX_VALUE
                    : ts.value() instanceof Number n ? n.longValue() : Long.parseLong(ts.value().toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("header " + SchemaChannel.TIME_HEADER + " is not a number: " + ts.value(), e);
        }
        Header topic = headers.lastWithName(SchemaChannel.TOPIC_HEADER);
        if (topic == null || topic.value() == null || !SchemaChannel.isSchemaTopic(topic.value().toString())) {
            throw new IllegalArgumentException("header " + SchemaChannel.VERSION_HEADER + " without a schema topic in header "
                    + SchemaChannel.TOPIC_HEADER);
        }
        String schemaTopic = topic.value().toString();
        ObjectRef ref = new ObjectRef(ObjectKind.TABLE, name.schema(), name.table());
        return new Naming(DefinitionLedger.object(schemaTopic, ref), ref, name.schema() + "." + name.table(),
                new Needed(version.value().toString(), tsMs), schemaTopic);
    }

    /** A new batch: the ledger may be asked again about each object once. */
    public void startBatch() {
        askedThisBatch.clear();
    }

    public boolean isHeld(TopicPartition tp) {
        return holds.containsKey(tp) || newHolds.containsKey(tp);
    }

    /**
     * Whether the record at {@code offset} of {@code tp} naming {@code naming} may be written now; when not, the
     * partition is held from it (taken by {@link #takeNewHolds} once the batch is written).
     */
    public boolean mayWrite(DefinitionLedger ledger, Connection c, TopicPartition tp, long offset, Naming naming, long nowMs)
            throws SQLException {
        if (known.getOrDefault(naming.object(), Applied.NONE).satisfies(naming.needed())) {
            return true;
        }
        if (askedThisBatch.add(naming.object())) {
            Applied applied = ledger.applied(c, List.of(naming.object())).get(naming.object());
            if (applied != null) {
                known.put(naming.object(), applied);
                if (applied.satisfies(naming.needed())) {
                    return true;
                }
            }
        }
        newHolds.put(tp, new Hold(naming.object(), naming.table(), naming.needed(), offset, nowMs, naming.schemaTopic()));
        return false;
    }

    /** Notes a definition this task applied. */
    public void applied(String object, String version, long tsMs) {
        Applied before = known.getOrDefault(object, Applied.NONE);
        List<String> versions = new ArrayList<>(before.versions());
        versions.add(version);
        known.put(object, new Applied(List.copyOf(versions), Math.max(before.latestTsMs(), tsMs)));
    }

    /** The holds this batch took, now in force (the batch was written). */
    public Map<TopicPartition, Hold> takeNewHolds() {
        Map<TopicPartition, Hold> taken = new LinkedHashMap<>(newHolds);
        holds.putAll(newHolds);
        newHolds.clear();
        return taken;
    }

    /** The batch failed: the holds it took are void, its records come again. */
    public void dropNewHolds() {
        newHolds.clear();
    }

    public boolean holding() {
        return !holds.isEmpty();
    }

    public Map<TopicPartition, Hold> held() {
        return Map.copyOf(holds);
    }

    /** Asks the ledger about every held object; returns the partitions whose definitions are now applied, released. */
    public List<TopicPartition> releaseApplied(DefinitionLedger ledger, Connection c) throws SQLException {
        if (holds.isEmpty()) {
            return List.of();
        }
        Set<String> objects = new HashSet<>();
        holds.values().forEach(h -> objects.add(h.object()));
        Map<String, Applied> applied = ledger.applied(c, objects);
        known.putAll(applied);
        List<TopicPartition> released = new ArrayList<>();
        for (Map.Entry<TopicPartition, Hold> e : List.copyOf(holds.entrySet())) {
            if (applied.getOrDefault(e.getValue().object(), Applied.NONE).satisfies(e.getValue().needed())) {
                holds.remove(e.getKey());
                released.add(e.getKey());
            }
        }
        return released;
    }

    /** Drops holds of partitions this task no longer has; returns those it held. */
    public List<TopicPartition> forget(Collection<TopicPartition> partitions) {
        List<TopicPartition> dropped = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (holds.remove(tp) != null) {
                dropped.add(tp);
            }
            newHolds.remove(tp);
        }
        return dropped;
    }

    /** Forgets what it knows was applied (the destination may have changed under a new connection). */
    public void forgetApplied() {
        known.clear();
    }
}
