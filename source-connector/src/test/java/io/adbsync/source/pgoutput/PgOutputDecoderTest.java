package io.adbsync.source.pgoutput;

import io.adbsync.source.wal.Lsn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

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
        assertThat(abort).isEqualTo(new PgOutputMessage.StreamAbort(700, 701, Optional.of(new Lsn(0x1_0000_0042L)), 123_456_789L));
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

    /** Every message of the captured fixtures, with the protocol version it was captured under. */
    private static List<Object[]> capturedMessages() throws Exception {
        List<Object[]> all = new ArrayList<>();
        for (PgOutputScenarios.Scenario scenario : PgOutputScenarios.ALL) {
            for (byte[] m : PgOutputCapture.read(Path.of("src/test/resources/pgoutput", scenario.name() + ".hex"))) {
                all.add(new Object[] {scenario.protocolVersion(), m});
            }
        }
        return all;
    }

    @Test
    void aLengthLargerThanTheMessageFailsBeforeAllocatingIt() {
        // An Insert whose one text value claims 2 GB: reading it must not try to allocate that.
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 1 + 2 + 1 + 4 + 3);
        b.put((byte) 'I').putInt(16384).put((byte) 'N').putShort((short) 1).put((byte) 't').putInt(Integer.MAX_VALUE)
                .put(new byte[] {'a', 'b', 'c'}).flip();
        assertThatThrownBy(() -> new PgOutputDecoder(1, false).decode(b))
                .isInstanceOf(PgOutputProtocolException.class)
                .hasMessageContaining("'I'").hasMessageContaining("offset 9").hasMessageContaining("2147483647");
    }

    @Test
    void aNegativeLengthOrCountIsAProtocolError() {
        ByteBuffer value = ByteBuffer.allocate(1 + 4 + 1 + 2 + 1 + 4);
        value.put((byte) 'I').putInt(16384).put((byte) 'N').putShort((short) 1).put((byte) 't').putInt(-2).flip();
        assertThatThrownBy(() -> new PgOutputDecoder(1, false).decode(value))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("'I'").hasMessageContaining("-2");

        ByteBuffer truncate = ByteBuffer.allocate(1 + 4 + 1 + 4);
        truncate.put((byte) 'T').putInt(-1).put((byte) 0).putInt(16384).flip();
        assertThatThrownBy(() -> new PgOutputDecoder(1, false).decode(truncate))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("'T'").hasMessageContaining("-1");

        ByteBuffer manyRelations = ByteBuffer.allocate(1 + 4 + 1 + 4);
        manyRelations.put((byte) 'T').putInt(Integer.MAX_VALUE).put((byte) 0).putInt(16384).flip();
        assertThatThrownBy(() -> new PgOutputDecoder(1, false).decode(manyRelations))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("'T'").hasMessageContaining("offset 1");

        ByteBuffer message = ByteBuffer.allocate(1 + 1 + 8 + 2 + 4);
        message.put((byte) 'M').put((byte) 1).putLong(42).put(new byte[] {'p', 0}).putInt(Integer.MIN_VALUE).flip();
        assertThatThrownBy(() -> new PgOutputDecoder(1, false).decode(message))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("'M'").hasMessageContaining("offset 12");
    }

    @Test
    void anEmptyMessageIsAProtocolError() {
        assertThatThrownBy(() -> new PgOutputDecoder(1, false).decode(ByteBuffer.allocate(0)))
                .isInstanceOf(PgOutputProtocolException.class).hasMessageContaining("is empty");
    }

    @Test
    void truncationsOfCapturedMessagesFailWithAProtocolErrorNamingTypeAndOffset() throws Exception {
        // The fixtures repeat the same few messages thousands of times: one of each type, version and length is enough.
        java.util.Set<String> shapes = new java.util.HashSet<>();
        for (Object[] captured : capturedMessages()) {
            if (!shapes.add(captured[0] + "/" + (char) ((byte[]) captured[1])[0] + "/" + ((byte[]) captured[1]).length)) {
                continue;
            }
            int version = (int) captured[0];
            byte[] m = (byte[]) captured[1];
            // Every cut within the headers and the last bytes; inside a long value, every 97th is enough.
            for (int length = 1; length < m.length; length += length < 128 || length > m.length - 16 ? 1 : 97) {
                // Data messages inside a stream block carry an xid: decode them both ways, as either decoder may see them.
                for (PgOutputDecoder decoder : List.of(new PgOutputDecoder(version, false),
                        PgOutputDecoder.forStreamedMessages(version))) {
                    try {
                        decoder.decode(ByteBuffer.wrap(m, 0, length));
                        throw new AssertionError("message '" + (char) m[0] + "' cut to " + length + " of " + m.length
                                + " bytes was decoded");
                    } catch (PgOutputProtocolException expected) {
                        assertThat(expected.getMessage()).as("message '%s' cut to %d of %d bytes", (char) m[0], length, m.length)
                                .contains("'" + (char) m[0] + "'").contains("offset");
                    }
                }
            }
        }
    }

    /**
     * Random byte changes of captured messages (fixed seeds, so a failure repeats): the decoder either decodes them
     * (a changed value is still a valid message) or refuses them with its own exception, never with another one.
     */
    @Test
    void mutatedCapturedMessagesDecodeOrFailWithAProtocolErrorOnly() throws Exception {
        List<Object[]> all = capturedMessages();
        for (long seed : new long[] {1, 42, 2024, 0xADB5_F00DL, 987_654_321L}) {
            Random random = new Random(seed);
            for (int round = 0; round < 2_000; round++) {
                Object[] captured = all.get(random.nextInt(all.size()));
                byte[] m = ((byte[]) captured[1]).clone();
                int changes = 1 + random.nextInt(4);
                for (int i = 0; i < changes; i++) {
                    int at = random.nextInt(m.length);
                    // Length fields are where a corrupt byte does harm: favour their high bytes and the sign bit.
                    m[at] = switch (random.nextInt(3)) {
                        case 0 -> (byte) 0xFF;
                        case 1 -> (byte) 0x7F;
                        default -> (byte) random.nextInt(256);
                    };
                }
                int version = (int) captured[0];
                PgOutputDecoder decoder = random.nextBoolean() ? new PgOutputDecoder(version, false)
                        : PgOutputDecoder.forStreamedMessages(version);
                String what = "seed " + seed + " round " + round + ": " + java.util.HexFormat.of().formatHex(m);
                try {
                    decoder.decode(ByteBuffer.wrap(m));
                } catch (PgOutputProtocolException expected) {
                    assertThat(expected.getMessage()).as(what).contains("offset");
                } catch (RuntimeException | Error other) {
                    throw new AssertionError(what + " failed with " + other, other);
                }
            }
        }
    }
}
