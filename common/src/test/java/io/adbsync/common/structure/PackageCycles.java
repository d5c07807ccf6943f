package io.adbsync.common.structure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which package of a module's main sources uses which, and the cycles among them. Read from the sources, not the
 * classes, since the compiler inlines constants (a config key named in a message) and the dependency would not show
 * in bytecode.
 */
public final class PackageCycles {

    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** A reference by import or by qualified name: the package is the lower-case part before a type name. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.adbsync(?:\\.[a-z_][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");

    private PackageCycles() {
    }

    /** For each package under {@code sources}, the other io.adbsync packages its files refer to. */
    public static Map<String, Set<String>> uses(Path sources) throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(source);
                if (!pkg.find()) {
                    throw new IllegalStateException(file + " declares no package");
                }
                Set<String> targets = uses.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
                Matcher ref = REFERENCE.matcher(source.substring(pkg.end()));
                while (ref.find()) {
                    if (!ref.group(1).equals(pkg.group(1))) {
                        targets.add(ref.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** The strongly connected components of more than one package (Tarjan), each shown with its edges. */
    public static List<String> cycles(Map<String, Set<String>> uses) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<String> cycles = new ArrayList<>();
        for (String p : uses.keySet()) {
            if (!index.containsKey(p)) {
                connect(p, uses, index, low, stack, cycles);
            }
        }
        return cycles;
    }

    private static void connect(String p, Map<String, Set<String>> uses, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, List<String> cycles) {
        index.put(p, index.size());
        low.put(p, index.get(p));
        stack.push(p);
        for (String q : uses.getOrDefault(p, Set.of())) {
            if (!index.containsKey(q)) {
                connect(q, uses, index, low, stack, cycles);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (stack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            Set<String> component = new TreeSet<>();
            String q;
            do {
                q = stack.pop();
                component.add(q);
            } while (!q.equals(p));
            if (component.size() > 1) {
                Map<String, Set<String>> edges = new TreeMap<>();
                component.forEach(c -> edges.put(c, new TreeSet<>(uses.getOrDefault(c, Set.of()))));
                edges.values().forEach(targets -> targets.retainAll(component));
                cycles.add(edges.toString());
            }
        }
    }
}
