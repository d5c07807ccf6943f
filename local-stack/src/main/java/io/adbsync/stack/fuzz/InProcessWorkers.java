package io.adbsync.stack.fuzz;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;

/** The workers of a {@link LocalStack} in this JVM: they cannot be killed, so the worker-kill fault is left out. */
public final class InProcessWorkers implements Workers {

    private final LocalStack stack;

    public InProcessWorkers(LocalStack stack) {
        this.stack = stack;
    }

    @Override
    public ConnectRestClient rest() {
        return stack.connect().rest();
    }

    @Override
    public boolean canKill() {
        return false;
    }

    @Override
    public void kill(int index) {
        // FuzzRunner.supported() leaves the worker-kill fault out when canKill() is false, so this is never reached.
        throw new IllegalStateException("Workers in this JVM cannot be killed (canKill() is false)");
    }

    @Override
    public void close() {
        // The stack belongs to the caller.
    }
}
