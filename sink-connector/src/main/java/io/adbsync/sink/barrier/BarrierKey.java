package io.adbsync.sink.barrier;

/** One truncate of one topic, as its copies name it (header {@code adbsync.barrier}). */
public record BarrierKey(String topic, String id) {

    @Override
    public String toString() {
        return id + " of topic " + topic;
    }
}
