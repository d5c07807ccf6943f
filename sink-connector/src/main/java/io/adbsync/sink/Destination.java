package io.adbsync.sink;

import io.adbsync.sink.barrier.BarrierStore;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.ddl.SchemaSync;
import io.adbsync.sink.definition.DefinitionLedger;
import io.adbsync.sink.definition.SchemaChannelSink;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.writer.BatchWriter;
import io.adbsync.sink.writer.OffsetStore;
import org.apache.kafka.connect.errors.ConnectException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * What a task writes through, built once for the product the destination turned out to be: its dialect, the schema
 * sync and writer that use it, the stores of the connector's own state there ({@code offsetStore} only with
 * {@value SinkConfig#OFFSETS_TABLE}), and under {@code schema.sync=all} what applies the schema channel's definitions.
 */
record Destination(Dialect dialect, SchemaSync schemaSync, BatchWriter writer, Optional<OffsetStore> offsetStore,
                   BarrierStore barrierStore, Optional<SchemaChannelSink> definitions) {

    /**
     * Asks the server on {@code c} what it is (ending the transaction) and builds everything for it. A storage engine
     * the product lacks is a config error: it fails the task.
     */
    static Destination detect(Connection c, SinkConfig config, String connectorName, SchemaChannelSink.Appliers appliers)
            throws SQLException {
        Dialect dialect = Dialects.detect(c);
        c.commit();
        if (!dialect.supports(config.storageEngine())) {
            throw new ConnectException(SinkConfig.unsupportedStorage(dialect, config.storageEngine()));
        }
        boolean ddl = config.schemaSync() != SinkConfig.SchemaSyncMode.NONE;
        Optional<SchemaChannelSink> definitions = config.schemaSync() == SinkConfig.SchemaSyncMode.ALL
                ? Optional.of(new SchemaChannelSink(new DefinitionLedger(config.schemaSyncTable(), dialect), appliers,
                        config.schemaSyncWaitMs(), System::currentTimeMillis))
                : Optional.empty();
        SchemaSync schemaSync = new SchemaSync(dialect, ddl && config.autoCreate(), ddl && config.autoEvolve(), config.storageEngine(),
                config.distributionKey(), definitions.<SchemaSync.ColumnsDefined>map(d -> d::definedColumns).orElse(null));
        return new Destination(dialect, schemaSync, new BatchWriter(dialect, schemaSync),
                config.offsetsTable().map(table -> new OffsetStore(table, connectorName, dialect)),
                new BarrierStore(config.truncateBarrierTable(), connectorName, dialect), definitions);
    }
}
