package io.adbsync.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Draws the run's throughput and lag as a PNG with plain AWT, so the benchmark needs no charting library. */
public final class Chart {

    private static final List<Scenario> THROUGHPUT = List.of(Scenario.SNAPSHOT_ROWS, Scenario.STREAMING,
            Scenario.SINK_UPSERT, Scenario.SINK_DELETE);
    private static final List<Scenario> LAG = List.of(Scenario.LAG_P50, Scenario.LAG_P99);
    /** Per role, the colour of JSON and a darker shade for Avro, so a reader pairs an engine's bars across formats. */
    private static final Map<Role, Color> COLORS = Map.of(Role.OURS, new Color(0x1f77b4), Role.PEER, new Color(0xff7f0e),
            Role.LIMIT, new Color(0x7f7f7f));
    private static final Map<Role, Color> AVRO_COLORS = Map.of(Role.OURS, new Color(0x0b3d66), Role.PEER, new Color(0x9c4a00));
    private static final int WIDTH = 1000;
    private static final int BAR = 18;
    private static final int LEFT = 240;
    private static final int RIGHT = 330;

    private Chart() {
    }

    /** One bar of a group: an engine in a format, or the limit (no format). */
    private record Series(Role role, Format format) {
    }

    public static void write(Report report, Path png) throws IOException {
        List<Series> series = series(report);
        // Only the scenarios the run measured (--only), so a partial run draws no empty groups.
        List<Scenario> throughput = measured(report, THROUGHPUT);
        List<Scenario> lag = measured(report, LAG);
        int groups = throughput.size() + lag.size();
        int height = 90 + groups * (series.size() * BAR + 22) + 60;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString("adbsync benchmark (log scale): throughput, longer is better; lag, shorter is better", 20, 28);
            legend(g, report, series);
            int y = 80;
            for (Scenario scenario : throughput) {
                y = group(g, report, series, scenario, y);
            }
            if (!throughput.isEmpty() && !lag.isEmpty()) {
                g.setColor(Color.LIGHT_GRAY);
                g.setStroke(new BasicStroke(1));
                g.drawLine(20, y - 8, WIDTH - 20, y - 8);
            }
            for (Scenario scenario : lag) {
                y = group(g, report, series, scenario, y + 6);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", png.toFile());
    }

    private static List<Scenario> measured(Report report, List<Scenario> scenarios) {
        return scenarios.stream().filter(s -> report.measurements().stream().anyMatch(m -> m.scenario().equals(s))).toList();
    }

    /** The bars of every group: each format's engines, then the limit; only those the run measured. */
    private static List<Series> series(Report report) {
        List<Series> series = new ArrayList<>();
        for (Format format : report.formats()) {
            series.add(new Series(Role.OURS, format));
            series.add(new Series(Role.PEER, format));
        }
        series.add(new Series(Role.LIMIT, null));
        series.removeIf(s -> report.measurements().stream().noneMatch(m -> m.role() == s.role() && m.format() == s.format()));
        return series;
    }

    private static Color color(Series s) {
        return s.format() == Format.AVRO ? AVRO_COLORS.get(s.role()) : COLORS.get(s.role());
    }

    private static void legend(Graphics2D g, Report report, List<Series> series) {
        int x = 20;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (Series s : series) {
            String name = switch (s.role()) {
                case OURS -> "adbsync " + s.format().title();
                case PEER -> report.systemName(Role.PEER, "Debezium") + " " + s.format().title();
                case LIMIT -> "raw database limit";
            };
            g.setColor(color(s));
            g.fillRect(x, 44, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(name, x + 20, 56);
            x += 40 + g.getFontMetrics().stringWidth(name);
        }
    }

    private static int group(Graphics2D g, Report report, List<Series> series, Scenario scenario, int y) {
        double max = report.measurements().stream().filter(m -> m.scenario().equals(scenario) && m.ok())
                .mapToDouble(Measurement::value).max().orElse(0);
        // A log scale keeps a connector at 2 % of the database's limit visible beside it; the axis starts a
        // decade below the smallest figure of the group so every bar has length.
        double min = report.measurements().stream().filter(m -> m.scenario().equals(scenario) && m.ok() && m.value() > 0)
                .mapToDouble(Measurement::value).min().orElse(1);
        double low = Math.log10(min) - 1;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(scenario.title(), 20, y + BAR);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(scenario.unit(), 20, y + 2 * BAR);
        int span = WIDTH - LEFT - RIGHT;
        int row = 0;
        for (Series s : series) {
            Optional<Measurement> m = report.find(scenario, s.role(), s.format());
            if (m.isEmpty()) {
                continue;
            }
            int top = y + row * BAR;
            String label;
            if (m.get().ok() && max > 0) {
                int length = Math.max(2, (int) Math.round(span * (Math.log10(Math.max(m.get().value(), min)) - low)
                        / (Math.log10(max) - low)));
                g.setColor(color(s));
                g.fillRect(LEFT, top + 2, length, BAR - 4);
                label = Report.format(m.get().value()) + " " + scenario.unit() + " ("
                        + (s.role() == Role.LIMIT ? m.get().system() : s.format().title()) + ")";
                g.setColor(Color.BLACK);
                g.drawString(label, LEFT + length + 6, top + BAR - 5);
            } else {
                g.setColor(Color.RED);
                g.drawString(m.get().system() + ": no figure", LEFT + 4, top + BAR - 5);
            }
            row++;
        }
        return y + Math.max(row, 1) * BAR + 22;
    }
}
