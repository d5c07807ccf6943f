package io.adbsync.source.replication;


import java.util.List;

/**
 * Something the connector needs at the source that is missing or wrong under {@code setup.mode=check}, where the
 * connector changes nothing there: what it is, the config key that names it, and the SQL an administrator runs.
 */
public record SetupProblem(String configKey, String what, List<String> sql) {

    public SetupProblem {
        sql = List.copyOf(sql);
    }

    /** What is wrong and the statements that put it right, each ending in ';' so the text can be pasted into psql. */
    public String message() {
        return what + "; setup.mode=check runs no DDL at the source, so run (as the tables' owner "
                + "or a superuser): " + statements();
    }

    /** The statements alone, each ending in ';'. */
    public String statements() {
        return String.join(" ", sql.stream().map(s -> s + ";").toList());
    }

    /** One message for all {@code problems}, as a task that cannot start reports them. */
    public static String failure(List<SetupProblem> problems) {
        StringBuilder text = new StringBuilder("The source is not set up for this connector, and setup.mode"
                + "=check runs no DDL there. Run as the tables' owner (or a superuser), then restart the task:");
        for (SetupProblem p : problems) {
            text.append(' ').append(p.what()).append(" (").append(p.configKey()).append("): ").append(p.statements());
        }
        return text.toString();
    }
}
