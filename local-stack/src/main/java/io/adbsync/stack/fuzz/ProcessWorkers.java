package io.adbsync.stack.fuzz;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Connect workers as child JVMs ({@code Main worker}) joining the broker of a {@link LocalStack} that runs no worker
 * itself, so that a fault can SIGKILL one, as a crashed machine would.
 */
public final class ProcessWorkers implements Workers {

    private record Worker(Process process, ConnectRestClient rest) {
    }

    private final LocalStack stack;
    private final List<Worker> workers = new ArrayList<>();

    public ProcessWorkers(LocalStack stack, int count) {
        this.stack = stack;
        for (int i = 0; i < count; i++) {
            workers.add(start());
        }
    }

    private Worker start() {
        try {
            Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx512m", "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""),
                    "-cp", System.getProperty("java.class.path"), "io.adbsync.stack.cli.Main", "worker",
                    "--bootstrap-servers", stack.bootstrapServers(), "--plugin-path", stack.pluginPath().toString())
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("WORKER READY ")) {
                    URI url = URI.create(line.substring("WORKER READY ".length()));
                    // The worker logs to its stdout; it must be drained or the worker blocks.
                    Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "fuzz-worker-output");
                    drain.setDaemon(true);
                    drain.start();
                    return new Worker(process, new ConnectRestClient(url));
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("A worker process exited before it was ready: exit code " + process.waitFor());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a worker process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting a worker process", e);
        }
    }

    @Override
    public synchronized ConnectRestClient rest() {
        return workers.get(0).rest();
    }

    @Override
    public boolean canKill() {
        return true;
    }

    @Override
    public synchronized void kill(int index) {
        Worker victim = workers.remove(Math.floorMod(index, workers.size()));
        victim.process().destroyForcibly();
        try {
            victim.process().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.add(start());
    }

    @Override
    public synchronized void close() {
        workers.forEach(w -> w.process().destroyForcibly());
        workers.clear();
    }
}
