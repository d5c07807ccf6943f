package io.adbsync.converter;

import io.apicurio.registry.rest.client.exception.RestClientException;
import io.apicurio.registry.rest.v2.beans.Error;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

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
}
