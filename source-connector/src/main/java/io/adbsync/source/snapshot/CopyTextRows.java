package io.adbsync.source.snapshot;

import io.adbsync.source.pgoutput.TupleData;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses one row of {@code COPY ... TO STDOUT} text format into the same {@link TupleData} the stream yields, so
 * snapshot and stream share one conversion: tab-separated, {@code \N} for null, backslash escapes undone.
 */
final class CopyTextRows {

    private CopyTextRows() {
    }

    static TupleData parse(byte[] line) {
        int end = line.length;
        if (end > 0 && line[end - 1] == '\n') {
            end--;
        }
        List<TupleData.Value> values = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        boolean nullField = false;
        for (int i = 0; i <= end; i++) {
            if (i == end || line[i] == '\t') {
                values.add(nullField ? TupleData.Value.NULL : new TupleData.Value('t', field.toByteArray()));
                field.reset();
                nullField = false;
                continue;
            }
            byte b = line[i];
            if (b != '\\') {
                field.write(b);
                continue;
            }
            if (++i >= end) {
                throw new IllegalArgumentException("COPY row ends in a lone backslash");
            }
            byte e = line[i];
            switch (e) {
                case 'N' -> nullField = true;
                case 'b' -> field.write('\b');
                case 'f' -> field.write('\f');
                case 'n' -> field.write('\n');
                case 'r' -> field.write('\r');
                case 't' -> field.write('\t');
                case 'v' -> field.write(0x0B);
                case 'x' -> {
                    int value = 0;
                    int digits = 0;
                    while (digits < 2 && i + 1 < end && Character.digit(line[i + 1], 16) >= 0) {
                        value = value * 16 + Character.digit(line[++i], 16);
                        digits++;
                    }
                    field.write(value);
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int value = e - '0';
                        for (int digits = 1; digits < 3 && i + 1 < end && line[i + 1] >= '0' && line[i + 1] <= '7'; digits++) {
                            value = value * 8 + (line[++i] - '0');
                        }
                        field.write(value);
                    } else {
                        field.write(e);
                    }
                }
            }
        }
        return new TupleData(values);
    }
}
