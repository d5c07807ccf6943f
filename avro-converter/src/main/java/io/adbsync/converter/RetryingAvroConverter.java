package io.adbsync.converter;

import io.apicurio.registry.rest.client.exception.RestClientException;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.utils.converter.AvroConverter;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.RetriableException;

import java.util.HashMap;
import java.util.Map;

/**
 * Apicurio's Avro converter whose registry failures that pass by themselves (the registry unreachable, a 5xx answer,
 * rate limiting) are {@link RetriableException}s: Connect then retries the conversion for {@code errors.retry.timeout}
 * instead of failing the task, which Apicurio's own client does after one try. A refusal (an incompatible schema, 409;
 * a bad request) stays what it is and fails the task with the registry's message.
 * <p>
 * Unless {@code apicurio.registry.schema-resolver} says otherwise, schemas are resolved by {@link SchemaInstanceResolver},
 * which spares each record the printing and hashing of its schema and bounds each registry request
 * ({@code registry.request.timeout.ms}); a registry that does not answer in time is a failure that passes.
 */
public class RetryingAvroConverter extends AvroConverter<Object> {

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> withResolver = new HashMap<>(configs);
        // A class: the serializer makes the resolver, and Apicurio's converter hands it to the deserializer too.
        withResolver.putIfAbsent(SerdeConfig.SCHEMA_RESOLVER, SchemaInstanceResolver.class);
        super.configure(withResolver, isKey);
    }

    @Override
    public ConfigDef config() {
        return RegistryRequests.define(super.config());
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        try {
            return super.fromConnectData(topic, schema, value);
        } catch (RuntimeException e) {
            throw retriableIfPassing(e);
        }
    }

    @Override
    public byte[] fromConnectData(String topic, Headers headers, Schema schema, Object value) {
        try {
            return super.fromConnectData(topic, headers, schema, value);
        } catch (RuntimeException e) {
            throw retriableIfPassing(e);
        }
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        try {
            return super.toConnectData(topic, value);
        } catch (RuntimeException e) {
            throw retriableIfPassing(e);
        }
    }

    @Override
    public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
        try {
            return super.toConnectData(topic, headers, value);
        } catch (RuntimeException e) {
            throw retriableIfPassing(e);
        }
    }

    /** {@code e} as a RetriableException when a registry failure that passes is among its causes, else {@code e}. */
    static RuntimeException retriableIfPassing(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RegistryRequests.NoAnswer silent) {
                return new RetriableException(silent.getMessage() + "; Connect retries for errors.retry.timeout", e);
            }
            if (t instanceof RestClientException rest && passes(rest)) {
                return new RetriableException("The schema registry could not be reached or failed ("
                        + describe(rest) + "); Connect retries for errors.retry.timeout", e);
            }
        }
        return e;
    }

    /**
     * Apicurio's client reports a failure to connect with no HTTP status (the error is named after the I/O exception);
     * an HTTP answer carries its status.
     */
    private static boolean passes(RestClientException e) {
        Integer status = e.getError() == null ? null : e.getError().getErrorCode();
        return status == null || status == 0 || status == 429 || status >= 500;
    }

    private static String describe(RestClientException e) {
        if (e.getError() == null) {
            return e.toString();
        }
        Integer status = e.getError().getErrorCode();
        return (status == null || status == 0 ? "" : "HTTP " + status + " ") + e.getError().getName() + ": " + e.getError().getMessage();
    }
}
