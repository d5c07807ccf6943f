package io.adbsync.source.snapshot;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ChunkFeed}: batches in order, a byte budget the reader can test, and a wait for room the task ends. */
class ChunkFeedTest {

    private static SourceRecord record(int i) {
        return new SourceRecord(Map.of(), Map.of(), "t", null, i);
    }

    @Test
    void batchesComeInOrderThenTheEnd() throws Exception {
        ChunkFeed feed = new ChunkFeed(2, 1_000);
        for (int i = 0; i < 5; i++) {
            feed.add(record(i), 10);
        }
        feed.flush();
        feed.end();
        assertThat(feed.poll(0)).extracting(SourceRecord::value).containsExactly(0, 1);
        assertThat(feed.poll(0)).extracting(SourceRecord::value).containsExactly(2, 3);
        assertThat(feed.poll(0)).extracting(SourceRecord::value).containsExactly(4);
        assertThat(feed.poll(0)).isSameAs(ChunkFeed.END);
        assertThat(feed.poll(TimeUnit.MILLISECONDS.toNanos(10))).isNull();
    }

    @Test
    void theBudgetCountsBytesQueuedAndBeingFilledUntilTheTaskTakesThem() throws Exception {
        // A batch goes on at 10 records or 100 / 8 = 12 bytes.
        ChunkFeed feed = new ChunkFeed(10, 100);
        for (int i = 0; i < 10; i++) {
            feed.add(record(i), 10);
        }
        assertThat(feed.overBudget()).as("100 queued").isFalse();
        feed.add(record(10), 5);
        assertThat(feed.overBudget()).as("100 queued and 5 filling").isTrue();
        feed.poll(0);
        assertThat(feed.overBudget()).isFalse();
    }

    @Test
    void aReaderWaitingForRoomGoesOnOnceTheTaskTookEnough() throws Exception {
        ChunkFeed feed = new ChunkFeed(1, 15);
        feed.add(record(0), 10);
        feed.add(record(1), 10);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                feed.awaitRoom();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(waiting).as("20 bytes queued against 15").isNotDone();
        assertThat(feed.poll(0)).extracting(SourceRecord::value).containsExactly(0);
        waiting.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRowBiggerThanTheBudgetGoesOutAtOnceAndTheReaderGoesOnOnceItIsTaken() throws Exception {
        ChunkFeed feed = new ChunkFeed(10, 800);
        feed.add(record(0), 1_000);
        assertThat(feed.poll(0)).as("passed on at once, not held out of the task's reach").hasSize(1);
        feed.awaitRoom();
    }

    /** A reader that waits for room before each row, and a slow task: the feed never holds more than its budget and a row. */
    @Test
    void aReaderWaitingForRoomBeforeEachRowHoldsAtMostTheBudgetAndOneRow() throws Exception {
        ChunkFeed feed = new ChunkFeed(512, 1_000);
        java.util.concurrent.atomic.AtomicLong most = new java.util.concurrent.atomic.AtomicLong();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 2_000; i++) {
                    feed.awaitRoom();
                    feed.add(record(i), 37);
                    most.accumulateAndGet(feed.heldBytes(), Math::max);
                }
                feed.flush();
                feed.end();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        List<Object> taken = new java.util.ArrayList<>();
        for (List<SourceRecord> batch; (batch = feed.poll(TimeUnit.SECONDS.toNanos(10))) != ChunkFeed.END; ) {
            assertThat(batch).as("a batch within 10 s").isNotNull();
            batch.forEach(r -> taken.add(r.value()));
            Thread.sleep(1);
        }
        reader.get(10, TimeUnit.SECONDS);
        assertThat(taken).hasSize(2_000).isSortedAccordingTo((a, b) -> Integer.compare((Integer) a, (Integer) b));
        assertThat(most.get()).isLessThanOrEqualTo(1_000 + 37)
                .as("the reader did fill the feed to its budget").isGreaterThan(1_000 - 125);
    }

    @Test
    void aWaitingReaderIsInterruptedWhenTheRoundIsGivenUp() throws Exception {
        ChunkFeed feed = new ChunkFeed(1, 5);
        feed.add(record(0), 10);
        feed.add(record(1), 10);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                feed.awaitRoom();
                outcome.complete(null);
            } catch (InterruptedException expected) {
                outcome.complete(expected);
            }
        });
        reader.start();
        Thread.sleep(50);
        reader.interrupt();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        // The end is queued whatever the feed holds: the task is never left waiting for it.
        feed.end();
        assertThat(List.of(feed.poll(0), feed.poll(0), feed.poll(0))).last().isSameAs(ChunkFeed.END);
    }
}
