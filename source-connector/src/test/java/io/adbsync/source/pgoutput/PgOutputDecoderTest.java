package io.adbsync.source.pgoutput;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgOutputDecoderTest {

    static List<PgOutputScenarios.Scenario> scenarios() {
        return PgOutputScenarios.ALL;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void decodesBytesCapturedFromARealServer(PgOutputScenarios.Scenario scenario) throws Exception {
        Path fixture = Path.of("src/test/resources/pgoutput", scenario.name() + ".hex");
        scenario.check().accept(PgOutputCapture.decode(PgOutputCapture.read(fixture), scenario.protocolVersion(), false));
    }

    @Test
    void streamAbortOfProtocol4WithParallelStreamingCarriesLsnAndTime() {
        // PostgreSQL 16+ sends this; the machine's server is 15, so these bytes follow the documented layout.
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 8 + 8);
        b.put((byte) 'A').putInt(700).putInt(701).putLong(0x1_0000_0042L).putLong(123_456_789L).flip();
        PgOutputMessage.StreamAbort abort = (PgOutputMessage.StreamAbort) new PgOutputDecoder(4, true).decode(b);
        assertThat(abort).isEqualTo(new PgOutputMessage.StreamAbort(700, 701, 0x1_0000_0042L, 123_456_789L));
    }

    @Test
    void messagesOfLaterProtocolVersionsAreRejectedUnderVersion1() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {'S', 0, 0, 0, 1, 1});
        assertThatThrownBy(() -> new PgOutputDecoder(1, false).decode(b))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("protocol version 2");
    }

    @Test
    void truncatedAndUnknownMessagesFailWithAClearError() throws Exception {
        byte[] insert = PgOutputCapture.read(Path.of("src/test/resources/pgoutput/v1-dml.hex")).stream()
                .filter(m -> m[0] == 'I').findFirst().orElseThrow();
        PgOutputDecoder decoder = new PgOutputDecoder(1, false);
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(Arrays.copyOf(insert, insert.length - 3))))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("ends early");
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(new byte[] {'Z'})))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("Unknown pgoutput message type 'Z'");
        byte[] longer = Arrays.copyOf(insert, insert.length + 1);
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(longer)))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("trailing");
    }
}
