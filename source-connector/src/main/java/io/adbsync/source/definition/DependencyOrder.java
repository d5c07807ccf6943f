package io.adbsync.source.definition;

import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.IndexShape;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.SqlIdentifiers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Puts definitions in an order a destination can create them in: each after everything it depends on, and otherwise
 * by kind ({@link ObjectKind}'s order) and name, so that the same catalog always gives the same order.
 * <p>
 * A cycle (tables whose foreign keys reach each other, or a domain whose CHECK calls a function taking the domain)
 * has no such order. It is broken at the first object of the cycle in that order: a foreign key that closes it is
 * left out of the table's shape and reported (to be added at the destination once both tables exist); any other
 * dependency that closes it is dropped from {@code dependsOn} and reported.
 */
final class DependencyOrder {

    static final Comparator<ObjectRef> ORDER = Comparator.comparing(ObjectRef::kind)
            .thenComparing(ObjectRef::schema).thenComparing(ObjectRef::name);

    /** One object being collected: its definition's parts, what it depends on, and which foreign keys made which edge. */
    static final class Node {
        final ObjectRef ref;
        final Set<ObjectRef> dependsOn = new TreeSet<>(ORDER);
        final Map<ObjectRef, List<ConstraintShape>> foreignKeys = new TreeMap<>(ORDER);
        List<String> statements = List.of();
        TableShape table;
        SequenceShape sequence;
        IndexShape index;

        Node(ObjectRef ref) {
            this.ref = ref;
        }

        Definition definition() {
            return new Definition(ref, List.copyOf(dependsOn), statements, table, sequence, index);
        }
    }

    private DependencyOrder() {
    }

    /**
     * The definitions of {@code nodes} in creation order. Dependencies on objects that are not among the nodes
     * (skipped ones) are dropped first: {@code dependsOn} names only objects that are sent.
     */
    static List<Definition> order(Map<ObjectRef, Node> nodes, List<Skipped> skipped) {
        for (Node n : nodes.values()) {
            n.dependsOn.removeIf(d -> !nodes.containsKey(d) || d.equals(n.ref));
            n.foreignKeys.keySet().removeIf(d -> !nodes.containsKey(d) || d.equals(n.ref));
        }
        TreeMap<ObjectRef, Node> remaining = new TreeMap<>(ORDER);
        remaining.putAll(nodes);
        Set<ObjectRef> done = new HashSet<>();
        List<Definition> ordered = new ArrayList<>();
        while (!remaining.isEmpty()) {
            Node next = null;
            for (Node n : remaining.values()) {
                if (done.containsAll(n.dependsOn)) {
                    next = n;
                    break;
                }
            }
            if (next == null) {
                breakCycle(remaining, done, skipped);
                continue;
            }
            remaining.remove(next.ref);
            done.add(next.ref);
            ordered.add(next.definition());
        }
        return ordered;
    }

    /**
     * Finds a cycle by following, from the first object left, each object's first dependency not yet placed, and
     * removes the edge where the walk comes back to an object it passed.
     */
    private static void breakCycle(TreeMap<ObjectRef, Node> remaining, Set<ObjectRef> done, List<Skipped> skipped) {
        Set<ObjectRef> seen = new HashSet<>();
        Node node = remaining.firstEntry().getValue();
        ObjectRef target = firstWaiting(node, done);
        while (seen.add(node.ref)) {
            node = remaining.get(target);
            target = firstWaiting(node, done);
        }
        node.dependsOn.remove(target);
        List<ConstraintShape> keys = node.foreignKeys.remove(target);
        if (keys == null || node.table == null) {
            skipped.add(new Skipped(node.ref.toString(), "depends on " + target + ", which depends on it in turn (a "
                    + "dependency cycle): it is sent first, so the destination may need " + target + " created before it "
                    + "can be applied"));
            return;
        }
        List<ConstraintShape> left = new ArrayList<>(node.table.constraints());
        for (ConstraintShape k : keys) {
            left.remove(k);
            skipped.add(new Skipped("foreign key " + k.name() + " of " + node.ref, "references " + target
                    + ", whose foreign keys lead back to " + node.ref.qualifiedName() + " (a cycle): the tables are "
                    + "created without it; add it at the destination once both exist: ALTER TABLE "
                    + SqlIdentifiers.qualified(node.ref.schema(), node.ref.name()) + " ADD CONSTRAINT "
                    + SqlIdentifiers.quote(k.name()) + " " + k.definition()));
        }
        TableShape t = node.table;
        node.table = new TableShape(t.columns(), t.primaryKey(), left, t.distribution(), t.storage());
    }

    private static ObjectRef firstWaiting(Node node, Set<ObjectRef> done) {
        return node.dependsOn.stream().filter(d -> !done.contains(d)).findFirst().orElseThrow();
    }
}
