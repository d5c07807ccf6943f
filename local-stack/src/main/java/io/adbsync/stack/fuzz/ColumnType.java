package io.adbsync.stack.fuzz;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import java.util.UUID;

/**
 * The built-in types the fuzzer puts in tables. Each renders a random value as a SQL literal (so that the operation
 * log is a replayable SQL script) and a bulk expression of the row number {@code g} for generate_series loads.
 */
public enum ColumnType {
    SMALLINT("int2", null) {
        @Override
        String literal(Random r) {
            return String.valueOf((short) r.nextInt());
        }

        @Override
        String bulk(String g, int salt) {
            return "((" + g + " * 31 + " + salt + ") % 32000)::int2";
        }
    },
    INTEGER("int4", null) {
        @Override
        String literal(Random r) {
            return String.valueOf(r.nextInt());
        }

        @Override
        String bulk(String g, int salt) {
            return "((" + g + " * 7919 + " + salt + ") % 2000000000)::int4";
        }
    },
    BIGINT("int8", null) {
        @Override
        String literal(Random r) {
            return String.valueOf(r.nextLong());
        }

        @Override
        String bulk(String g, int salt) {
            return "(" + g + " * 1000003 + " + salt + ")::int8";
        }
    },
    NUMERIC("numeric", null) {
        @Override
        String literal(Random r) {
            if (r.nextInt(10) == 0) {
                return "0";
            }
            return new BigDecimal(new java.math.BigInteger(r.nextInt(100) + 1, r), r.nextInt(12)).multiply(
                    BigDecimal.valueOf(r.nextBoolean() ? 1 : -1)).toPlainString();
        }

        @Override
        String bulk(String g, int salt) {
            return "(" + g + " * 1.0001 + " + salt + ")::numeric";
        }
    },
    NUMERIC_SPECIAL("numeric", Feature.NAN_FLOATS) {
        @Override
        String literal(Random r) {
            return pick(r, "'NaN'::numeric", "'Infinity'::numeric", "'-Infinity'::numeric", "1.5");
        }

        @Override
        String bulk(String g, int salt) {
            return "CASE WHEN " + g + " % 3 = 0 THEN 'NaN'::numeric ELSE " + g + " / 3.0 END";
        }
    },
    REAL("float4", null) {
        @Override
        String literal(Random r) {
            return "'" + (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 4)) + "'::float4";
        }

        @Override
        String bulk(String g, int salt) {
            return "(" + g + " / 7.0 + " + salt + ")::float4";
        }
    },
    DOUBLE("float8", null) {
        @Override
        String literal(Random r) {
            return "'" + r.nextGaussian() * Math.pow(10, r.nextInt(30) - 10) + "'::float8";
        }

        @Override
        String bulk(String g, int salt) {
            return "(" + g + " / 7.0 + " + salt + ")::float8";
        }
    },
    DOUBLE_SPECIAL("float8", Feature.NAN_FLOATS) {
        @Override
        String literal(Random r) {
            return pick(r, "'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8", "'-0'::float8", "2.5");
        }

        @Override
        String bulk(String g, int salt) {
            return "CASE WHEN " + g + " % 5 = 0 THEN 'NaN'::float8 WHEN " + g + " % 5 = 1 THEN 'Infinity'::float8 ELSE "
                    + g + " / 3.0 END";
        }
    },
    MONEY("money", Feature.MONEY) {
        @Override
        String literal(Random r) {
            return "'" + BigDecimal.valueOf(r.nextInt(2_000_000) - 1_000_000, 2).toPlainString() + "'::numeric::money";
        }

        @Override
        String bulk(String g, int salt) {
            return "(" + g + " * 1.25)::numeric::money";
        }
    },
    TEXT("text", null) {
        @Override
        String literal(Random r) {
            return quote(randomText(r, r.nextInt(40)));
        }

        @Override
        String bulk(String g, int salt) {
            return "md5(" + g + "::text || '" + salt + "')";
        }
    },
    VARCHAR("varchar(48)", null) {
        @Override
        String literal(Random r) {
            return quote(randomText(r, r.nextInt(48)));
        }

        @Override
        String bulk(String g, int salt) {
            return "left(md5(" + g + "::text) || 'é✓', 40)";
        }
    },
    BYTEA("bytea", null) {
        @Override
        String literal(Random r) {
            byte[] bytes = new byte[r.nextInt(40)];
            r.nextBytes(bytes);
            return "'\\x" + java.util.HexFormat.of().formatHex(bytes) + "'::bytea";
        }

        @Override
        String bulk(String g, int salt) {
            return "decode(md5(" + g + "::text || '" + salt + "'), 'hex')";
        }
    },
    BOOLEAN("bool", null) {
        @Override
        String literal(Random r) {
            return String.valueOf(r.nextBoolean());
        }

        @Override
        String bulk(String g, int salt) {
            return "(" + g + " % 2 = 0)";
        }
    },
    UUID_TYPE("uuid", null) {
        @Override
        String literal(Random r) {
            return "'" + new UUID(r.nextLong(), r.nextLong()) + "'::uuid";
        }

        @Override
        String bulk(String g, int salt) {
            return "md5(" + g + "::text || '" + salt + "')::uuid";
        }
    },
    JSONB("jsonb", null) {
        @Override
        String literal(Random r) {
            return quote("{\"n\": " + r.nextInt(1000) + ", \"s\": \"" + randomText(r, 8).replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("\n", "\\n").replace("\t", "\\t") + "\", \"a\": [1, null, true]}") + "::jsonb";
        }

        @Override
        String bulk(String g, int salt) {
            return "jsonb_build_object('g', " + g + ", 's', md5(" + g + "::text), 'salt', " + salt + ")";
        }
    },
    DATE("date", null) {
        @Override
        String literal(Random r) {
            if (r.nextInt(30) == 0) {
                return pick(r, "'infinity'::date", "'-infinity'::date");
            }
            return "'" + java.time.LocalDate.ofEpochDay(r.nextInt(80_000) - 30_000) + "'::date";
        }

        @Override
        String bulk(String g, int salt) {
            return "(date '2000-01-01' + (" + g + " % 20000)::int)";
        }
    },
    TIMESTAMP("timestamp", null) {
        @Override
        String literal(Random r) {
            return "'" + TS.format(randomDateTime(r)) + "'::timestamp";
        }

        @Override
        String bulk(String g, int salt) {
            return "(timestamp '2000-01-01' + " + g + " * interval '1 hour 1.000001 second')";
        }
    },
    TIMESTAMPTZ("timestamptz", null) {
        @Override
        String literal(Random r) {
            return "'" + TS.format(randomDateTime(r)) + ZoneOffset.ofTotalSeconds((r.nextInt(48) - 24) * 1800) + "'::timestamptz";
        }

        @Override
        String bulk(String g, int salt) {
            return "(timestamptz '2000-01-01 00:00:00+00' + " + g + " * interval '1 day 0.000007 second')";
        }
    },
    INTERVAL("interval", null) {
        @Override
        String literal(Random r) {
            return "'" + (r.nextInt(200) - 100) + " mons " + (r.nextInt(200) - 100) + " days " + r.nextInt(100_000) + "."
                    + String.format("%06d", r.nextInt(1_000_000)) + " seconds'::interval";
        }

        @Override
        String bulk(String g, int salt) {
            return "(" + g + " * interval '1 mon 1 day 1.000001 second')";
        }
    },
    INET("inet", null) {
        @Override
        String literal(Random r) {
            if (r.nextBoolean()) {
                return "'" + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "/"
                        + (8 + r.nextInt(25)) + "'::inet";
            }
            return "'2001:db8::" + Integer.toHexString(r.nextInt(65536)) + "'::inet";
        }

        @Override
        String bulk(String g, int salt) {
            return "('10.' || (" + g + " / 65536 % 256) || '.' || (" + g + " / 256 % 256) || '.' || (" + g + " % 256))::inet";
        }
    },
    INT_ARRAY("int4[]", null) {
        @Override
        String literal(Random r) {
            return "'{" + r.nextInt(1000) + "," + (r.nextBoolean() ? "NULL" : String.valueOf(-r.nextInt(1000))) + "}'::int4[]";
        }

        @Override
        String bulk(String g, int salt) {
            return "ARRAY[" + g + "::int4, (" + g + " % 7)::int4]";
        }
    },
    TEXT_ARRAY("text[]", null) {
        @Override
        String literal(Random r) {
            return "ARRAY[" + quote(randomText(r, 6)) + ", " + quote("a,b\"c{}") + "]::text[]";
        }

        @Override
        String bulk(String g, int salt) {
            return "ARRAY[md5(" + g + "::text), 'x y']";
        }
    },
    /** Several KB of text stored out of line (the table sets STORAGE EXTERNAL on it). */
    TOAST_TEXT("text", Feature.TOAST) {
        @Override
        String literal(Random r) {
            return "repeat(" + quote(randomText(r, 6)) + ", " + (400 + r.nextInt(400)) + ")";
        }

        @Override
        String bulk(String g, int salt) {
            return "repeat(md5(" + g + "::text), 80)";
        }
    };

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 ,'\"\\{}()[]|;:-_\t\néüß✓漢字€";

    private final String sqlType;
    private final Feature feature;

    ColumnType(String sqlType, Feature feature) {
        this.sqlType = sqlType;
        this.feature = feature;
    }

    public String sqlType() {
        return sqlType;
    }

    /** The feature that must be on for this type to be generated, or null when it is always generated. */
    public Feature feature() {
        return feature;
    }

    abstract String literal(Random r);

    /** A SQL expression of the bigint row number {@code g}, the same on every run for the same salt. */
    abstract String bulk(String g, int salt);

    static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static String pick(Random r, String... choices) {
        return choices[r.nextInt(choices.length)];
    }

    static String randomText(Random r, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private static LocalDateTime randomDateTime(Random r) {
        long seconds = (long) (r.nextDouble() * 4_000_000_000L) - 1_000_000_000L;
        return LocalDateTime.ofEpochSecond(seconds, r.nextInt(1_000_000) * 1000, ZoneOffset.UTC);
    }
}
