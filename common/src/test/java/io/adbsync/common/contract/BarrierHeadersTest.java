package io.adbsync.common.contract;

import io.adbsync.common.contract.BarrierHeaders.Position;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BarrierHeadersTest {

    @Test
    void valuesComeBackTheSameThroughConnectsDefaultHeaderConverter() {
        SimpleHeaderConverter converter = new SimpleHeaderConverter();
        converter.configure(Map.of());
        Position position = new Position("7301234567890123456", 0x1_16B3_7480L, 65_538);
        ConnectHeaders sent = new ConnectHeaders();
        sent.addString(BarrierHeaders.PARTITIONS, "12");
        sent.addString(BarrierHeaders.BARRIER, "stream:1/6B37480:3");
        sent.addString(BarrierHeaders.POSITION, position.encode());

        // What a sink sees: each value written as bytes by the source's worker and read back by the sink's.
        ConnectHeaders received = new ConnectHeaders();
        sent.forEach(h -> received.add(h.key(), converter.toConnectHeader("t", h.key(),
                converter.fromConnectHeader("t", h.key(), h.schema(), h.value()))));

        assertThat(BarrierHeaders.partitions(received)).isEqualTo(12);
        assertThat(BarrierHeaders.barrier(received)).isEqualTo("stream:1/6B37480:3");
        assertThat(BarrierHeaders.position(received)).isEqualTo(position);
        assertThat(position.encode()).isEqualTo("1/16B37480@65538@7301234567890123456");
    }

    @Test
    void recordsWithoutTheHeadersHaveNone() {
        Headers none = new ConnectHeaders().addString(SourceTableHeader.HEADER, "\"public\".\"t\"");
        assertThat(BarrierHeaders.partitions(none)).isZero();
        assertThat(BarrierHeaders.barrier(none)).isNull();
        assertThat(BarrierHeaders.position(none)).isNull();
    }

    @Test
    void positionsOfOneServerOrderByCommitLsnAsUnsignedThenByIndex() {
        List<Position> ordered = List.of(new Position("7", 0x10, 5), new Position("7", 0x10, 6), new Position("7", 0x11, 0),
                new Position("7", 0x7FFF_FFFF_FFFF_FFFFL, 0), new Position("7", 0x8000_0000_0000_0000L, 0));
        for (int i = 1; i < ordered.size(); i++) {
            assertThat(ordered.get(i - 1).before(ordered.get(i))).isTrue();
            assertThat(ordered.get(i).before(ordered.get(i - 1))).isFalse();
            assertThat(Position.decode(ordered.get(i).encode())).isEqualTo(ordered.get(i));
        }
        assertThat(ordered.get(0).before(ordered.get(0))).isFalse();
        // Another server's LSNs start again from low values: not before, not after.
        assertThat(new Position("8", 0x01, 0).before(new Position("7", 0x10, 5))).isFalse();
        assertThat(new Position("7", 0x10, 5).before(new Position("8", 0x01, 0))).isFalse();
        assertThat(Position.decode("0/1@2@")).isEqualTo(new Position("", 1, 2));
    }

    @Test
    void malformedValuesAreRefusedSayingWhatTheyShouldRead() {
        for (String bad : List.of("0", "-1", "x", "")) {
            assertThatThrownBy(() -> BarrierHeaders.partitions(new ConnectHeaders().addString(BarrierHeaders.PARTITIONS, bad)))
                    .hasMessage("Header adbsync.partitions must be a partition count of at least 1, not '" + bad + "'");
        }
        for (String bad : List.of("0/16B3748@1", "16B3748@1@7", "0/16B3748", "0/@1@7", "0/1@-1@7", "0/1@x@7", "G/1@1@7", "0/1@@7")) {
            assertThatThrownBy(() -> Position.decode(bad))
                    .hasMessage("Header adbsync.position must read <commit LSN>@<index>@<server>, e.g. "
                            + "0/16B3748@12@7301234567890123456, not '" + bad + "'");
        }
        assertThat(new ConnectHeaders().addInt(BarrierHeaders.PARTITIONS, 3).lastWithName(BarrierHeaders.PARTITIONS).schema())
                .isEqualTo(Schema.INT32_SCHEMA);
        // As Connect's header converter reads them back: numbers, taken as they are where they are counts.
        assertThat(BarrierHeaders.partitions(new ConnectHeaders().addByte(BarrierHeaders.PARTITIONS, (byte) 4))).isEqualTo(4);
        assertThat(BarrierHeaders.partitions(new ConnectHeaders().addLong(BarrierHeaders.PARTITIONS, 4L))).isEqualTo(4);
        assertThatThrownBy(() -> BarrierHeaders.partitions(new ConnectHeaders().addByte(BarrierHeaders.PARTITIONS, (byte) 0)))
                .hasMessage("Header adbsync.partitions must be a partition count of at least 1, not '0'");
        assertThatThrownBy(() -> BarrierHeaders.partitions(new ConnectHeaders().addInt(BarrierHeaders.PARTITIONS, -1)))
                .hasMessage("Header adbsync.partitions must be a partition count of at least 1, not '-1'");
        assertThat(BarrierHeaders.partitions(new ConnectHeaders().addInt(BarrierHeaders.PARTITIONS, 3))).isEqualTo(3);
    }
}
