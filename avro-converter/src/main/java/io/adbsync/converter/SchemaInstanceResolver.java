package io.adbsync.converter;

import io.apicurio.registry.resolver.DefaultSchemaResolver;
import io.apicurio.registry.resolver.SchemaLookupResult;
import io.apicurio.registry.resolver.SchemaParser;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.serde.data.KafkaSerdeMetadata;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;

import java.util.Map;

/**
 * Apicurio's schema resolver, answering again from memory for a schema instance it resolved on the same topic within
 * its check period ({@code apicurio.registry.check-period-ms}, the lifetime of Apicurio's own cache entries).
 * <p>
 * Apicurio's resolver, with auto-registration, prints the record's Avro schema to JSON and hashes that text for every
 * record before it finds its cached answer; for a change event's envelope that was most of the source task's time
 * (JFR: about 60 % of both adbsync's and Debezium's task threads in a snapshot). The answer depends only on the topic,
 * on key or value (fixed per serializer) and on the schema, so for the same schema instance it is the same.
 */
public class SchemaInstanceResolver<T> extends DefaultSchemaResolver<Schema, T> {

    private ResolvedSchemas<SchemaLookupResult<Schema>> resolved;

    @Override
    public void configure(Map<String, ?> configs, SchemaParser<Schema, T> schemaParser) {
        super.configure(configs, schemaParser);
        resolved = new ResolvedSchemas<>(config.getCheckPeriod().toMillis(), System::nanoTime);
    }

    @Override
    public SchemaLookupResult<Schema> resolveSchema(Record<T> data) {
        if (data == null || !(data.payload() instanceof GenericContainer container)
                || !(data.metadata() instanceof KafkaSerdeMetadata metadata) || metadata.getTopic() == null
                || metadata.artifactReference() != null) {
            return super.resolveSchema(data);
        }
        return resolved.get(metadata.getTopic(), container.getSchema(), () -> super.resolveSchema(data));
    }
}
