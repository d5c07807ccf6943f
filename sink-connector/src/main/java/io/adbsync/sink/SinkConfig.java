package io.adbsync.sink;

import io.adbsync.common.config.ConnectionConfig;
import io.adbsync.common.config.Validators;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Every setting of {@link AdbPgSinkConnector}, declared once with its documentation, default and validator. */
public final class SinkConfig extends AbstractConfig {

    public static final String INSERT_MODE = "insert.mode";
    public static final String DELETE_ENABLED = "delete.enabled";
    public static final String AUTO_CREATE = "auto.create";
    public static final String AUTO_EVOLVE = "auto.evolve";
    public static final String TABLE_NAME_FORMAT = "table.name.format";
    public static final String DISTRIBUTION_KEY = "distribution.key";
    public static final String STORAGE_ENGINE = "storage.engine";

    private static final String GROUP_WRITES = "Writes";
    private static final String GROUP_SCHEMA = "Schema";

    /** How a change is written. */
    public enum InsertMode {
        UPSERT, INSERT
    }

    /** Storage of tables the sink creates on Greenplum/AnalyticDB (PostgreSQL always uses heap). */
    public enum StorageEngine {
        HEAP, AO_ROW, AO_COLUMN, BEAM
    }

    public static final ConfigDef CONFIG_DEF = configDef();

    public SinkConfig(Map<String, String> originals) {
        super(CONFIG_DEF, originals);
    }

    private static ConfigDef configDef() {
        ConfigDef def = ConnectionConfig.define(new ConfigDef(), "destination");
        int order = 0;
        def.define(INSERT_MODE, Type.STRING, "upsert", Validators.oneOf("upsert", "insert"),
                Importance.HIGH,
                "upsert: insert a row or overwrite the row with the same primary key (replays are harmless); "
                        + "insert: plain inserts, for tables without a key (replays duplicate rows).",
                GROUP_WRITES, ++order, Width.SHORT, "Insert mode");
        def.define(DELETE_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                "Apply delete events and tombstones as deletes by primary key; when false they are skipped.",
                GROUP_WRITES, ++order, Width.SHORT, "Apply deletes");
        order = 0;
        def.define(AUTO_CREATE, Type.BOOLEAN, true, Importance.HIGH,
                "Create a missing destination table from the record schema (columns, types, primary key, and on "
                        + "Greenplum/AnalyticDB the distribution key and storage engine).",
                GROUP_SCHEMA, ++order, Width.SHORT, "Create tables");
        def.define(AUTO_EVOLVE, Type.BOOLEAN, true, Importance.MEDIUM,
                "Add columns to the destination table when records carry columns it lacks.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Add columns");
        def.define(TABLE_NAME_FORMAT, Type.STRING, "${schema}.${table}",
                Validators.matching(Pattern.compile("(?s).*\\S.*"), "a non-blank name template"),
                Importance.MEDIUM,
                "Destination table for a record: ${schema} and ${table} are the source schema and table (from the "
                        + "envelope, else the last two parts of the topic name), ${topic} the topic. A dot separates "
                        + "schema and table; each part is quoted as written.",
                GROUP_SCHEMA, ++order, Width.LONG, "Table name format");
        def.define(DISTRIBUTION_KEY, Type.LIST, "", Importance.MEDIUM,
                "Greenplum/AnalyticDB only: columns of DISTRIBUTED BY for created tables; empty means the primary key. "
                        + "They must be part of the primary key.",
                GROUP_SCHEMA, ++order, Width.LONG, "Distribution key");
        def.define(STORAGE_ENGINE, Type.STRING, "heap",
                Validators.oneOf("heap", "ao_row", "ao_column", "beam"), Importance.MEDIUM,
                "Greenplum/AnalyticDB only: storage of created tables. heap and beam support upserts with "
                        + "ON CONFLICT; ao_row and ao_column (append-optimized) are merged with DELETE + INSERT.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Storage engine");
        return def;
    }

    public ConnectionConfig connection() {
        return ConnectionConfig.from(this);
    }

    public InsertMode insertMode() {
        return InsertMode.valueOf(getString(INSERT_MODE).trim().toUpperCase(Locale.ROOT));
    }

    public boolean deleteEnabled() {
        return getBoolean(DELETE_ENABLED);
    }

    public boolean autoCreate() {
        return getBoolean(AUTO_CREATE);
    }

    public boolean autoEvolve() {
        return getBoolean(AUTO_EVOLVE);
    }

    public String tableNameFormat() {
        return getString(TABLE_NAME_FORMAT);
    }

    public List<String> distributionKey() {
        return getList(DISTRIBUTION_KEY);
    }

    public StorageEngine storageEngine() {
        return StorageEngine.valueOf(getString(STORAGE_ENGINE).trim().toUpperCase(Locale.ROOT));
    }
}
