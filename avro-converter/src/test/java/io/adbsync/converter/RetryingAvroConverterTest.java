package io.adbsync.converter;

import io.adbsync.common.config.ConfigDocsCheck;
import io.apicurio.registry.rest.client.exception.RestClientException;
import org.apache.kafka.common.config.ConfigDef;
import io.apicurio.registry.rest.v2.beans.Error;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import io.apicurio.registry.resolver.SchemaResolver;
import io.apicurio.registry.serde.AbstractKafkaSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RetryingAvroConverterTest {

    private static RestClientException failure(Integer status, String name) {
        Error error = new Error();
        error.setErrorCode(status);
        error.setName(name);
        error.setMessage("details");
        return new RestClientException(error);
    }

    @Test
    void anUnreachableRegistryIsRetriableAndSaysWhatHappened() {
        RuntimeException converted = RetryingAvroConverter.retriableIfPassing(failure(null, "ConnectException"));
        assertThat(converted).isInstanceOf(RetriableException.class)
                .hasMessageContaining("could not be reached").hasMessageContaining("ConnectException: details");
    }

    @Test
    void serverErrorsAndRateLimitsAreRetriableEvenWhenWrapped() {
        assertThat(RetryingAvroConverter.retriableIfPassing(failure(503, "ServiceUnavailable"))).isInstanceOf(RetriableException.class);
        assertThat(RetryingAvroConverter.retriableIfPassing(new DataException("wrapped", failure(429, "RateLimited"))))
                .isInstanceOf(RetriableException.class);
    }

    @Test
    void aRefusalStaysWhatItIs() {
        RestClientException incompatible = failure(409, "RuleViolationException");
        assertThat(RetryingAvroConverter.retriableIfPassing(incompatible)).isSameAs(incompatible);
        DataException other = new DataException("not Avro");
        assertThat(RetryingAvroConverter.retriableIfPassing(other)).isSameAs(other);
    }

    /** Exposes the serializer's resolver, which Apicurio keeps to its subclasses. */
    private static final class Inspected extends RetryingAvroConverter {
        SchemaResolver<?, ?> resolver() {
            return ((AbstractKafkaSerializer<?, ?>) serializer).getSchemaResolver();
        }
    }

    private static final Map<String, Object> REGISTRY = Map.of("apicurio.registry.url", "http://127.0.0.1:1/apis/registry/v2",
            "apicurio.registry.auto-register", "true");

    @Test
    void schemasAreResolvedByInstanceUnlessTheConfigNamesAResolver() {
        Inspected converter = new Inspected();
        converter.configure(REGISTRY, false);
        assertThat(converter.resolver()).isInstanceOf(SchemaInstanceResolver.class);

        Inspected chosen = new Inspected();
        chosen.configure(Map.of("apicurio.registry.url", "http://127.0.0.1:1/apis/registry/v2",
                "apicurio.registry.schema-resolver", "io.apicurio.registry.resolver.DefaultSchemaResolver"), false);
        assertThat(chosen.resolver()).isNotInstanceOf(SchemaInstanceResolver.class);
    }

    @Test
    void theConfigReferenceInDocsIsGeneratedFromTheConfigDef() throws Exception {
        ConfigDocsCheck.check(Path.of("../docs/config/avro-converter.md"), "Avro converter configuration",
                "Settings of `io.adbsync.converter.RetryingAvroConverter` of its own, given with the converter's prefix "
                        + "(`value.converter.registry.request.timeout.ms`). Apicurio's settings (`apicurio.registry.*`) "
                        + "apply as documented by Apicurio; see docs/avro.md.",
                RegistryRequests.define(new ConfigDef()));
        assertThat(new RetryingAvroConverter().config().names()).contains(RegistryRequests.TIMEOUT_CONFIG);
    }

    @Test
    void aBadRequestTimeoutIsRefusedNamingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RetryingAvroConverter().configure(
                        Map.of("apicurio.registry.url", "http://127.0.0.1:1/apis/registry/v2", RegistryRequests.TIMEOUT_CONFIG, "0"),
                        false))
                .hasMessageContaining(RegistryRequests.TIMEOUT_CONFIG);
    }
}
