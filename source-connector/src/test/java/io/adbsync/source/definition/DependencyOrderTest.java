package io.adbsync.source.definition;

import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.source.definition.DependencyOrder.Node;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DependencyOrderTest {

    private final Map<ObjectRef, Node> nodes = new HashMap<>();
    private final List<Skipped> skipped = new ArrayList<>();

    @Test
    void anObjectComesAfterWhatItDependsOnAndOtherwiseByKindAndName() {
        ObjectRef domain = ref(ObjectKind.DOMAIN, "d");
        ObjectRef function = ref(ObjectKind.FUNCTION, "f(integer)");
        ObjectRef enumType = ref(ObjectKind.ENUM, "e");
        node(domain, function);
        node(function);
        node(enumType);
        node(ref(ObjectKind.TABLE, "t"), domain, enumType);

        assertThat(DependencyOrder.order(nodes, skipped)).extracting(d -> d.ref().toString())
                .containsExactly("enum s.e", "function s.f(integer)", "domain s.d", "table s.t");
        assertThat(skipped).isEmpty();
    }

    @Test
    void aDependencyOnSomethingNotSentIsDropped() {
        node(ref(ObjectKind.TABLE, "t"), ref(ObjectKind.FUNCTION, "skipped()"));
        assertThat(DependencyOrder.order(nodes, skipped).get(0).dependsOn()).isEmpty();
    }

    /** A cycle is broken inside it; an object that only waits for the cycle keeps its dependency. */
    @Test
    void aCycleIsBrokenWhereItClosesAndReported() {
        ObjectRef domain = ref(ObjectKind.DOMAIN, "d");
        ObjectRef function = ref(ObjectKind.FUNCTION, "f(s.d)");
        ObjectRef composite = ref(ObjectKind.COMPOSITE, "c");
        node(composite, domain);
        node(domain, function);
        node(function, domain);

        List<Definition> ordered = DependencyOrder.order(nodes, skipped);

        assertThat(ordered).extracting(d -> d.ref().toString()).containsExactly("domain s.d", "composite s.c", "function s.f(s.d)");
        assertThat(ordered.get(0).dependsOn()).isEmpty();
        assertThat(ordered.get(1).dependsOn()).containsExactly(domain);
        assertThat(ordered.get(2).dependsOn()).containsExactly(domain);
        assertThat(skipped).extracting(Skipped::toString).containsExactly("domain s.d: depends on function s.f(s.d), which "
                + "depends on it in turn (a dependency cycle): it is sent first, so the destination may need function "
                + "s.f(s.d) created before it can be applied");
    }

    private void node(ObjectRef ref, ObjectRef... dependsOn) {
        Node n = new Node(ref);
        n.dependsOn.addAll(List.of(dependsOn));
        nodes.put(ref, n);
    }

    private static ObjectRef ref(ObjectKind kind, String name) {
        return new ObjectRef(kind, "s", name);
    }
}
