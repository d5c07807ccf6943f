package io.adbsync.common.contract;

/** Makes schema and field names valid Avro names, so Avro converters take our records unchanged. */
public final class AvroNames {

    private AvroNames() {
    }

    /** A valid Avro name: letters, digits and '_', not starting with a digit; other characters become '_'. */
    public static String name(String raw) {
        StringBuilder sb = new StringBuilder(raw.length() + 1);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!valid && i == 0 && c >= '0' && c <= '9') {
                sb.append('_').append(c);
            } else {
                sb.append(valid ? c : '_');
            }
        }
        return sb.isEmpty() ? "_" : sb.toString();
    }

    /** A dotted Avro full name whose every part is a valid name. */
    public static String fullName(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            for (String segment : part.split("\\.", -1)) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(name(segment));
            }
        }
        return sb.toString();
    }

    /** A Kafka topic name part: characters other than letters, digits, '.', '_' and '-' become '_'. */
    public static String topicPart(String raw) {
        // Called for every record a sink routes: no regex, and no copy when nothing is replaced (the usual case).
        int i = 0;
        while (i < raw.length() && topicChar(raw.charAt(i))) {
            i++;
        }
        if (i == raw.length()) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length()).append(raw, 0, i);
        while (i < raw.length()) {
            int c = raw.codePointAt(i);
            // One '_' per character, as a regex class matches a surrogate pair as one.
            out.append(c < 128 && topicChar((char) c) ? (char) c : '_');
            i += Character.charCount(c);
        }
        return out.toString();
    }

    private static boolean topicChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
    }
}
