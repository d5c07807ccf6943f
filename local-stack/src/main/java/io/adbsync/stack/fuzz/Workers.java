package io.adbsync.stack.fuzz;

import io.adbsync.stack.connect.ConnectRestClient;

/** The Connect workers a fuzz run deploys through and, where they are processes of their own, kills. */
public interface Workers extends AutoCloseable {

    /** A REST client of a live worker. */
    ConnectRestClient rest();

    /** Whether {@link #kill(int)} can SIGKILL a worker: only workers running as child processes can be. */
    boolean canKill();

    /** Kills worker {@code index} (modulo their number) with SIGKILL and starts a replacement. */
    void kill(int index);

    @Override
    void close();
}
