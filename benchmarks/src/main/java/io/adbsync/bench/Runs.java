package io.adbsync.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Repetitions of a scenario ({@code --repeat N}): each repetition is measured as a figure of its own, then the
 * figures of one scenario, system and format become one with the median as its value and every run's value kept
 * (details {@code runs}), so the report can show the spread and refuse a ratio the spread makes meaningless.
 */
final class Runs {

    /** Details key: the value of every repetition, in the order they ran. */
    static final String RUNS = "runs";
    static final String FAILED_RUNS = "failed_runs";

    private Runs() {
    }

    /** The median and the range of a figure's repetitions; one run has a range of one point. */
    record Spread(double median, double min, double max, int runs) {

        /** The spread of {@code m}: its repetitions' values, or its value alone when it ran once. */
        static Spread of(Measurement m) {
            Object runs = m.details().get(RUNS);
            if (runs instanceof List<?> list && !list.isEmpty()) {
                List<Double> values = list.stream().map(v -> ((Number) v).doubleValue()).toList();
                return new Spread(m.value(), values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                        values.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), values.size());
            }
            return new Spread(m.value(), m.value(), m.value(), 1);
        }

        /** (max - min) / median: 0.1 means the runs lay within 10 % of the median's size. */
        double relativeRange() {
            return median == 0 ? 0 : (max - min) / median;
        }

        /**
         * Whether the two ranges share a value. If they do, some run of one system was as fast as some run of the
         * other, so which of the two is ahead is not established and no ratio between them is printed. With one run
         * on each side the ranges are points: the ratio is printed, with nothing said about the noise.
         */
        boolean overlaps(Spread other) {
            return min <= other.max && other.min <= max;
        }

        /** The lowest and highest quotient of a run of this over a run of {@code other}. */
        double[] ratioRange(Spread other) {
            return new double[] {min / other.max, max / other.min};
        }
    }

    /**
     * One figure per scenario, system, role and format, in the order they first appear: the median of the runs that
     * produced a figure, with the details of the run at the median (the lower middle one for an even count), every
     * run's value and how many runs failed. Only when every run failed is the figure "failed", with the first reason.
     */
    static List<Measurement> combine(List<Measurement> all) {
        Map<List<Object>, List<Measurement>> groups = new LinkedHashMap<>();
        for (Measurement m : all) {
            groups.computeIfAbsent(java.util.Arrays.asList(m.scenario(), m.system(), m.role(), m.format()), k -> new ArrayList<>()).add(m);
        }
        List<Measurement> combined = new ArrayList<>();
        for (List<Measurement> runs : groups.values()) {
            combined.add(combine1(runs));
        }
        return combined;
    }

    private static Measurement combine1(List<Measurement> runs) {
        if (runs.size() == 1) {
            return runs.get(0);
        }
        List<Measurement> ok = runs.stream().filter(Measurement::ok).toList();
        if (ok.isEmpty()) {
            return runs.get(0);
        }
        List<Measurement> sorted = ok.stream().sorted(Comparator.comparingDouble(Measurement::value)).toList();
        Measurement middle = sorted.get((sorted.size() - 1) / 2);
        Map<String, Object> details = new LinkedHashMap<>(middle.details());
        details.put(RUNS, ok.stream().map(Measurement::value).toList());
        if (ok.size() < runs.size()) {
            details.put(FAILED_RUNS, runs.size() - ok.size());
            Optional<Object> reason = runs.stream().filter(m -> !m.ok()).map(m -> m.details().get("error")).findFirst();
            reason.ifPresent(r -> details.put("failed_run_error", r));
        }
        return new Measurement(middle.scenario(), middle.system(), middle.role(), middle.format(),
                median(ok.stream().map(Measurement::value).toList()), details);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
