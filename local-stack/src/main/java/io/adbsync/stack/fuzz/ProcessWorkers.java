package io.adbsync.stack.fuzz;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.connect.LoneWorker;

import java.io.IOException;
import java.io.UncheckedIOException;
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
            LoneWorker.Started started = LoneWorker.start(stack.bootstrapServers(), stack.pluginPath());
            return new Worker(started.process(), started.rest());
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
