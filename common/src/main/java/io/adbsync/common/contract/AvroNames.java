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
        return raw.replaceAll("[^a-zA-Z0-9._-]", "_");
    }
}
