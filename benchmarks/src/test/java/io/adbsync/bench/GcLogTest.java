package io.adbsync.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GcLogTest {

    @Test
    void takesTheHighestHeapBeforeAndAfterAnyPause() {
        GcLog gc = GcLog.parse("""
                [0.010s][info][gc] Using G1
                [1.234s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 25M->3M(256M) 2.345ms
                [2.000s][info][gc] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 301M->120M(512M) 4.567ms
                [2.500s][info][gc] GC(2) Pause Remark 200M->150M(512M) 1.0ms
                [2.600s][info][gc] GC(2) Pause Cleanup 151M->151M(512M) 0.1ms
                """);
        assertThat(gc.maxBeforeMb()).isEqualTo(301);
        assertThat(gc.maxAfterMb()).isEqualTo(151);
        assertThat(gc.collections()).isEqualTo(4);
    }

    @Test
    void anEmptyLogHasNoFigures() {
        assertThat(GcLog.parse("")).isEqualTo(new GcLog(0, 0, 0));
    }
}
