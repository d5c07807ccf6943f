package io.adbsync.converter;

import io.apicurio.registry.rest.client.RegistryClient;
import org.apache.kafka.common.config.ConfigDef;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Bounds each call of a schema resolver's registry client: Apicurio's client sets no request timeout, so a registry
 * that accepts a connection and never answers would hold the converter, and with it the task, without end.
 */
final class RegistryRequests {

    static final String TIMEOUT_CONFIG = "registry.request.timeout.ms";
    private static final long TIMEOUT_DEFAULT = 30_000;

    private RegistryRequests() {
    }

    /** The converter's own option, beside Apicurio's. */
    static ConfigDef define(ConfigDef def) {
        return def.define(TIMEOUT_CONFIG, ConfigDef.Type.LONG, TIMEOUT_DEFAULT, ConfigDef.Range.between(1, 3_600_000),
                ConfigDef.Importance.LOW, "How long one request to the schema registry may take before the conversion "
                        + "that needs it fails as retriable (Connect retries it for errors.retry.timeout, then fails the "
                        + "task with this cause). Requests are made only for schemas not resolved yet; a registry that "
                        + "accepts the connection and never answers would otherwise hold the task without end.",
                "Schema registry", 1, ConfigDef.Width.SHORT, "Registry request timeout");
    }

    /** The timeout {@code configs} set, checked as the ConfigDef checks it. */
    static long timeoutMs(Map<String, ?> configs) {
        Object value = configs.get(TIMEOUT_CONFIG);
        if (value == null) {
            return TIMEOUT_DEFAULT;
        }
        return (Long) define(new ConfigDef()).parse(Map.of(TIMEOUT_CONFIG, value)).get(TIMEOUT_CONFIG);
    }

    /** A registry that did not answer in time, or whose answer broke off. */
    static final class NoAnswer extends RuntimeException {
        NoAnswer(String message) {
            super(message);
        }
    }

    /**
     * {@code client} with each call run on {@code caller} and given up after {@code timeoutMs} (the waiting request is
     * interrupted, so the next call does not queue behind it).
     */
    static RegistryClient bounded(RegistryClient client, ExecutorService caller, long timeoutMs) {
        return (RegistryClient) Proxy.newProxyInstance(RegistryClient.class.getClassLoader(),
                new Class<?>[] {RegistryClient.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(client, args);
                    }
                    return call(client, method, args, caller, timeoutMs);
                });
    }

    private static Object call(RegistryClient client, Method method, Object[] args, ExecutorService caller, long timeoutMs)
            throws Throwable {
        Future<Object> result = caller.submit(() -> {
            Object answer = method.invoke(client, args);
            if (answer instanceof InputStream body) {
                // Apicurio's client hands a body back unread once the head came: read within the bound, not after it.
                try (body) {
                    return new ByteArrayInputStream(body.readAllBytes());
                }
            }
            return answer;
        });
        try {
            return result.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new NoAnswer("The schema registry did not answer within " + timeoutMs + " ms (" + method.getName()
                    + "; " + TIMEOUT_CONFIG + ")");
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            throw new NoAnswer("Interrupted while waiting for the schema registry (" + method.getName() + ")");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof InvocationTargetException target ? target.getCause() : e.getCause();
            if (cause instanceof java.io.IOException io) {
                // The body broke off while read: a failure that passes, like no answer (and a checked exception the
                // interface does not declare would surface undeclared).
                throw new NoAnswer("The schema registry's answer broke off (" + method.getName() + "): " + io);
            }
            throw cause;
        }
    }

    /** One daemon thread per resolver: its calls are one at a time anyway. */
    static ExecutorService caller() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "adbsync-schema-registry-client");
            t.setDaemon(true);
            return t;
        });
    }
}
