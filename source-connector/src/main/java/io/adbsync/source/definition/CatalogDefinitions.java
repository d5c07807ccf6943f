package io.adbsync.source.definition;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.TableFilter;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;

/** The schema channel's definitions read from the source's catalog, for every table the task captures now. */
public final class CatalogDefinitions implements SchemaChannelGate.Reader {

    private final SourceCatalog catalog;
    private final TableFilter filter;
    private final TableId heartbeat;
    private final List<Pattern> sequences;
    private DefinitionReader reader;

    /**
     * @param filter    the tables captured (include and exclude lists): tables created since the task started are read too
     * @param heartbeat the heartbeat table, never a destination table
     * @param sequences sequence.include.list; empty: every sequence of the schemas holding captured tables
     */
    public CatalogDefinitions(SourceCatalog catalog, TableFilter filter, TableId heartbeat, List<Pattern> sequences) {
        this.catalog = catalog;
        this.filter = filter;
        this.heartbeat = heartbeat;
        this.sequences = List.copyOf(sequences);
    }

    @Override
    public SchemaChannelGate.Read definitions() throws SQLException {
        Connection c = catalog.connection();
        List<TableId> tables = SourceCatalog.capturedTables(c, filter).stream().filter(t -> !t.equals(heartbeat)).toList();
        List<Pattern> listed = sequences;
        if (listed.isEmpty()) {
            // Sequences a function or the application calls nextval on are not tied to a column: keep every sequence
            // of the captured tables' schemas in step, as a switchover needs.
            listed = tables.stream().map(TableId::schema).distinct().map(schema -> Pattern.compile(Pattern.quote(schema) + "\\..*"))
                    .toList();
        }
        SourceDefinitions read = reader(c).read(c, tables, listed);
        return new SchemaChannelGate.Read(read.definitions(), read.skipped(), read.readAtMs());
    }


    private DefinitionReader reader(Connection c) throws SQLException {
        if (reader == null) {
            reader = DefinitionReader.of(c);
        }
        return reader;
    }
}
