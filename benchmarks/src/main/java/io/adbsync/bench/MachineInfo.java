package io.adbsync.bench;

import org.apache.kafka.common.utils.AppInfoParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The machine and the versions a run measured, so figures from different runs can be told apart. */
final class MachineInfo {

    private MachineInfo() {
    }

    static Map<String, String> describe(Connection source, String adbsyncVersion, String debeziumVersion) throws SQLException {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("CPU", cpuModel().orElse(System.getProperty("os.arch")) + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        info.put("memory", memTotal().orElse("unknown"));
        info.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        info.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        try (Statement s = source.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            info.put("PostgreSQL", rs.getString(1));
        }
        info.put("Kafka", AppInfoParser.getVersion());
        info.put("adbsync", adbsyncVersion);
        info.put("Debezium", debeziumVersion);
        return info;
    }

    private static Optional<String> cpuModel() {
        return procLine("/proc/cpuinfo", "model name").map(l -> l.substring(l.indexOf(':') + 1).trim());
    }

    private static Optional<String> memTotal() {
        return procLine("/proc/meminfo", "MemTotal").map(l -> {
            long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
            return String.format(java.util.Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
        });
    }

    private static Optional<String> procLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
