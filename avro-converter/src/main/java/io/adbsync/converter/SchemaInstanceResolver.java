package io.adbsync.converter;

import io.apicurio.registry.resolver.DefaultSchemaResolver;
import io.apicurio.registry.resolver.SchemaLookupResult;
import io.apicurio.registry.resolver.SchemaParser;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.rest.client.RegistryClient;
import io.apicurio.registry.serde.data.KafkaSerdeMetadata;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Apicurio's schema resolver, answering again from memory for a schema instance it resolved on the same topic within
 * its check period ({@code apicurio.registry.check-period-ms}, the lifetime of Apicurio's own cache entries).
 * <p>
 * Apicurio's resolver, with auto-registration, prints the record's Avro schema to JSON and hashes that text for every
 * record before it finds its cached answer; for a change event's envelope that was most of the source task's time
 * (JFR: about 60 % of both adbsync's and Debezium's task threads in a snapshot). The answer depends only on the topic,
 * on key or value (fixed per serializer) and on the schema, so for the same schema instance it is the same.
 * <p>
 * Each call to the registry is given up after {@code registry.request.timeout.ms} ({@link RegistryRequests}).
 */
public class SchemaInstanceResolver<T> extends DefaultSchemaResolver<Schema, T> {

    private ResolvedSchemas<SchemaLookupResult<Schema>> resolved;
    private ExecutorService registryCaller;
    private RegistryClient unbounded;
    private RegistryClient bounded;

    @Override
    public void configure(Map<String, ?> configs, SchemaParser<Schema, T> schemaParser) {
        long timeoutMs = RegistryRequests.timeoutMs(configs);
        if (client != null && client == bounded) {
            // Configured again: bound the client itself, not the bounded one, whose calls would wait for their own thread.
            setClient(unbounded);
        }
        super.configure(configs, schemaParser);
        resolved = new ResolvedSchemas<>(config.getCheckPeriod().toMillis(), System::nanoTime);
        if (registryCaller == null) {
            registryCaller = RegistryRequests.caller();
        }
        unbounded = client;
        bounded = RegistryRequests.bounded(unbounded, registryCaller, timeoutMs);
        setClient(bounded);
    }

    /**
     * Closes the client itself, not through the bounded one, and stops its thread; the serializer and the deserializer
     * of one converter share this resolver, so it is closed twice.
     */
    @Override
    public void close() throws IOException {
        if (registryCaller == null) {
            return;
        }
        registryCaller.shutdownNow();
        registryCaller = null;
        setClient(unbounded);
        super.close();
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
