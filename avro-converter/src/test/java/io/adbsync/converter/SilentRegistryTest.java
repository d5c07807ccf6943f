package io.adbsync.converter;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A registry that accepts connections and never answers (a hung server, a proxy holding the request): each conversion
 * that needs it ends after {@code registry.request.timeout.ms} as a retriable failure, so Connect retries it for
 * errors.retry.timeout and then fails the task with the cause, instead of the task waiting without end while its
 * status says RUNNING.
 */
class SilentRegistryTest {

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRegistryThatNeverAnswersFailsTheConversionAsRetriableAfterTheRequestTimeout() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            RetryingAvroConverter converter = new RetryingAvroConverter();
            converter.configure(Map.of("apicurio.registry.url", "http://127.0.0.1:" + silent.getLocalPort() + "/apis/registry/v2",
                    "apicurio.registry.auto-register", "true", RegistryRequests.TIMEOUT_CONFIG, "500"), false);
            Schema schema = SchemaBuilder.struct().name("t").field("id", Schema.INT32_SCHEMA).build();
            for (int attempt = 0; attempt < 2; attempt++) {
                // The second attempt is not queued behind the first one's request: that one was given up.
                long started = System.nanoTime();
                assertThatThrownBy(() -> converter.fromConnectData("p.public.t", schema, new Struct(schema).put("id", 1)))
                        .isInstanceOf(RetriableException.class)
                        .hasMessageContaining("did not answer within 500 ms")
                        .hasMessageContaining(RegistryRequests.TIMEOUT_CONFIG);
                assertThat((System.nanoTime() - started) / 1_000_000).as("ms to give up").isLessThan(10_000);
            }
            assertThat(held).isNotEmpty();
            converter.close();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /**
     * A registry that sends the head of its answer and stalls in the body (the schema the sink's converter fetches by
     * its id): the body is read within the same timeout, not after it on the task's thread.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRegistryThatStallsInTheBodyOfItsAnswerFailsTheConversionAsRetriable() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket stalling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = stalling.accept();
                        held.add(s);
                        Thread answering = new Thread(() -> answerStallingInTheSchema(s));
                        answering.setDaemon(true);
                        answering.start();
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            server.setDaemon(true);
            server.start();
            RetryingAvroConverter converter = new RetryingAvroConverter();
            converter.configure(Map.of("apicurio.registry.url", "http://127.0.0.1:" + stalling.getLocalPort() + "/apis/registry/v2",
                    RegistryRequests.TIMEOUT_CONFIG, "500"), false);
            // Apicurio's wire format: magic byte, the schema's global id (8 bytes), then the Avro body.
            byte[] record = java.nio.ByteBuffer.allocate(11).put((byte) 0).putLong(42L).put(new byte[] {2, 0}).array();
            assertThatThrownBy(() -> converter.toConnectData("p.public.t", record))
                    .isInstanceOf(RetriableException.class)
                    .hasMessageContaining("did not answer within 500 ms");
            assertThat(held).isNotEmpty();
            converter.close();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** Answers a schema's references (none) whole, and the schema itself with a head and a body that stalls. */
    private static void answerStallingInTheSchema(Socket s) {
        try {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            for (String request; (request = in.readLine()) != null; ) {
                for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
                    // the request's headers
                }
                String body = request.contains("/references") ? "[]" : "{\"type\":";
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                        + (request.contains("/references") ? 2 : 1000) + "\r\n\r\n" + body)
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
        } catch (Exception closed) {
            // the test is over
        }
    }
}
