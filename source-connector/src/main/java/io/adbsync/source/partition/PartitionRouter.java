package io.adbsync.source.partition;

import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Delete;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import io.adbsync.source.pgoutput.PgOutputMessage.Update;
import io.adbsync.source.pgoutput.TupleData;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Presents changes the server sent under a leaf partition as changes of its root table: the Relation message of a leaf
 * gets the root's name and the root's column order (a partition attached from a table of its own may order its
 * columns differently; the leaf's own columns as of the change are kept, whatever DDL came since), the leaf's tuples are put in that order, and a TRUNCATE that empties every leaf of a root
 * becomes one TRUNCATE of the root. The mapping is by relation OID and asked of the catalog at each Relation message,
 * which the server sends before a relation's first change in a session and after each change of its shape, so
 * partitions attached later are found when their first change arrives. Relations that are no partition pass as they are.
 */
public final class PartitionRouter {

    private static final Logger log = LoggerFactory.getLogger(PartitionRouter.class);

    /** The catalog questions the router asks. */
    public interface Catalog {
        Optional<Partitions.Member> rootOf(int oid);

        Relation relation(String schema, String table);

        List<Partitions.Member> leaves(String schema, String table);
    }

    /** The relations of the truncate last routed that stand for a truncate of only some leaves of their root. */
    private final Set<Integer> partial = new HashSet<>();
    private final Catalog catalog;
    private final Map<Integer, Partitions.Member> roots = new HashMap<>();
    private final Map<Integer, int[]> reorders = new HashMap<>();

    public PartitionRouter(Catalog catalog) {
        this.catalog = catalog;
    }

    /** A router asking {@code catalog}. */
    public static PartitionRouter over(SourceCatalog catalog) {
        return new PartitionRouter(new Catalog() {
            @Override
            public Optional<Partitions.Member> rootOf(int oid) {
                try {
                    return Partitions.rootOf(catalog.connection(), oid);
                } catch (SQLException e) {
                    throw new ConnectException("Cannot look up the partition root of relation OID " + oid + ": " + e.getMessage(), e);
                }
            }

            @Override
            public Relation relation(String schema, String table) {
                try {
                    return catalog.relation(schema, table);
                } catch (SQLException e) {
                    throw new ConnectException("Cannot read the columns of partitioned table " + schema + "." + table + ": "
                            + e.getMessage(), e);
                }
            }

            @Override
            public List<Partitions.Member> leaves(String schema, String table) {
                try {
                    return Partitions.leaves(catalog.connection(), schema, table);
                } catch (SQLException e) {
                    throw new ConnectException("Cannot list the partitions of " + schema + "." + table + ": " + e.getMessage(), e);
                }
            }
        });
    }

    /** The message as the root table's; unchanged when it concerns no partition. */
    public PgOutputMessage route(PgOutputMessage message) {
        if (roots.isEmpty() && !(message instanceof Relation)) {
            return message;
        }
        if (message instanceof Relation r) {
            return relation(r);
        } else if (message instanceof Insert i && reorders.containsKey(i.relationOid())) {
            return new Insert(i.xid(), i.relationOid(), reorder(i.relationOid(), i.newTuple()));
        } else if (message instanceof Update u && reorders.containsKey(u.relationOid())) {
            return new Update(u.xid(), u.relationOid(), u.oldKind(), reorder(u.relationOid(), u.oldTuple()),
                    reorder(u.relationOid(), u.newTuple()));
        } else if (message instanceof Delete d && reorders.containsKey(d.relationOid())) {
            return new Delete(d.xid(), d.relationOid(), d.oldKind(), reorder(d.relationOid(), d.oldTuple()));
        } else if (message instanceof Truncate t) {
            return truncate(t);
        }
        return message;
    }

    private Relation relation(Relation leaf) {
        Optional<Partitions.Member> found = catalog.rootOf(leaf.oid());
        if (found.isEmpty()) {
            roots.remove(leaf.oid());
            reorders.remove(leaf.oid());
            return leaf;
        }
        Partitions.Member root = found.get();
        Relation shape = catalog.relation(root.schema(), root.table());
        // The leaf's message describes it as of the change; the catalog describes the root as of now. Columns added
        // to the root since are not in the message, and columns dropped since are no longer in the catalog: take the
        // message's columns, in the root's order where the root still has them, then the rest in the message's order.
        List<String> names = leaf.columns().stream().map(Column::name).toList();
        List<Integer> order = new ArrayList<>(names.size());
        for (Column rootColumn : shape.columns()) {
            int at = names.indexOf(rootColumn.name());
            if (at >= 0) {
                order.add(at);
            }
        }
        for (int at = 0; at < names.size(); at++) {
            if (!order.contains(at)) {
                order.add(at);
            }
        }
        int[] positions = new int[order.size()];
        List<Column> columns = new ArrayList<>(order.size());
        boolean sameOrder = true;
        for (int i = 0; i < positions.length; i++) {
            positions[i] = order.get(i);
            sameOrder &= positions[i] == i;
            columns.add(leaf.columns().get(positions[i]));
        }
        roots.put(leaf.oid(), root);
        if (sameOrder) {
            reorders.remove(leaf.oid());
        } else {
            reorders.put(leaf.oid(), positions);
        }
        return new Relation(leaf.xid(), leaf.oid(), root.schema(), root.table(), leaf.replicaIdentity(), columns);
    }

    private TupleData reorder(int oid, TupleData tuple) {
        if (tuple == null) {
            return null;
        }
        int[] positions = reorders.get(oid);
        List<TupleData.Value> values = new ArrayList<>(positions.length);
        for (int position : positions) {
            values.add(tuple.get(position));
        }
        return new TupleData(values);
    }

    /**
     * A TRUNCATE of a root arrives as one of all its leaves and becomes one of the root. A TRUNCATE of only some
     * leaves cannot be said of the root without emptying its other partitions at the destination, so it is left out
     * and said loudly (with publish_via_partition_root the server itself does not send it).
     */
    /**
     * Whether relation {@code oid} of the truncate last routed stands for a truncate of only some of its root's leaves,
     * which is not replicated (see {@link #truncate}).
     */
    public boolean partial(int oid) {
        return partial.contains(oid);
    }

    private Truncate truncate(Truncate t) {
        partial.clear();
        List<Integer> kept = new ArrayList<>();
        Map<Partitions.Member, Set<Integer>> byRoot = new LinkedHashMap<>();
        for (int oid : t.relationOids()) {
            Partitions.Member root = roots.get(oid);
            if (root == null) {
                kept.add(oid);
            } else {
                byRoot.computeIfAbsent(root, r -> new LinkedHashSet<>()).add(oid);
            }
        }
        for (Map.Entry<Partitions.Member, Set<Integer>> e : byRoot.entrySet()) {
            Partitions.Member root = e.getKey();
            List<Partitions.Member> leaves = catalog.leaves(root.schema(), root.table());
            if (leaves.stream().allMatch(l -> e.getValue().contains(l.oid()))) {
                kept.add(e.getValue().iterator().next());
            } else {
                // Kept, marked partial: where several tasks read the table, each decodes this truncate at its own time
                // and may judge it otherwise (a partition attached in between); all must meet at it, and none sends it.
                Integer first = e.getValue().iterator().next();
                kept.add(first);
                partial.add(first);
                List<String> names = leaves.stream().filter(l -> e.getValue().contains(l.oid())).map(Partitions.Member::qualifiedName).toList();
                log.warn("TRUNCATE of partition(s) {} of {} is not replicated: it cannot be expressed as a change of {} "
                        + "without emptying its other partitions at the destination, which keeps the truncated rows",
                        names.isEmpty() ? e.getValue() : names, root.qualifiedName(), root.qualifiedName());
            }
        }
        return new Truncate(t.xid(), t.cascade(), t.restartIdentity(), kept);
    }
}
