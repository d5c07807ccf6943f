package io.adbsync.stack.switchover;

/** What {@code pg_attribute.attidentity} says of a column: identity {@code ALWAYS} ('a'), {@code BY DEFAULT} ('d'), or none. */
public enum Identity {
    ALWAYS("ALWAYS"), BY_DEFAULT("BY DEFAULT"), NONE("not an identity column");

    private final String sql;

    Identity(String sql) {
        this.sql = sql;
    }

    /** The words of {@code GENERATED …} (for {@link #NONE}, a description). */
    public String sql() {
        return sql;
    }

    /** The kind {@code attidentity} (a {@code "char"}, read as text) names. */
    public static Identity of(String attidentity) {
        if (attidentity == null || attidentity.isEmpty()) {
            return NONE;
        }
        return switch (attidentity.charAt(0)) {
            case 'a' -> ALWAYS;
            case 'd' -> BY_DEFAULT;
            default -> NONE;
        };
    }
}
