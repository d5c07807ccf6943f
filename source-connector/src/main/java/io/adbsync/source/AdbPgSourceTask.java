package io.adbsync.source;

import io.adbsync.common.Version;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

import java.util.List;
import java.util.Map;

/** Reads the replication slot and turns changes into records. */
public class AdbPgSourceTask extends SourceTask {

    @Override
    public void start(Map<String, String> props) {
        new SourceConfig(props);
        throw new ConnectException("Streaming is not part of this build yet (issue 3)");
    }

    @Override
    public List<SourceRecord> poll() {
        return null;
    }

    @Override
    public void stop() {
    }

    @Override
    public String version() {
        return Version.get();
    }
}
