package io.adbsync.sink;

import io.adbsync.common.Version;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

import java.util.Collection;
import java.util.Map;

/** Applies batches of change events to the destination. */
public class AdbPgSinkTask extends SinkTask {

    @Override
    public void start(Map<String, String> props) {
        new SinkConfig(props);
        throw new ConnectException("Applying changes is not part of this build yet (issue 5)");
    }

    @Override
    public void put(Collection<SinkRecord> records) {
    }

    @Override
    public void stop() {
    }

    @Override
    public String version() {
        return Version.get();
    }
}
