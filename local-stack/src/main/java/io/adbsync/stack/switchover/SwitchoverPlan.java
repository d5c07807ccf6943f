package io.adbsync.stack.switchover;

import io.adbsync.common.jdbc.PgCatalog;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.verify.TableVerifier;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the destination still needs before applications write to it: the tables compared, the source tables not found
 * there under their own name, and the findings, whose statements run with the order-sensitive ones last.
 */
public record SwitchoverPlan(List<TableId> tables, List<TableId> unmatched, List<Finding> findings, List<String> notes) {

    public SwitchoverPlan {
        tables = List.copyOf(tables);
        unmatched = List.copyOf(unmatched);
        findings = List.copyOf(findings);
        notes = List.copyOf(notes);
    }

    /** The first PostgreSQL version with identity columns and pg_sequences; Greenplum 6 (9.4) has neither. */
    private static final int IDENTITY_AND_PG_SEQUENCES = 10;

    /**
     * Compares {@code requested} (when empty, every source table with a key that identifies its rows, partitions standing for nothing of
     * their own) with the destination table of the same schema.table name. The source connection's
     * {@code search_path} must be {@code pg_catalog} (see {@link RuleCheck}).
     */
    public static SwitchoverPlan read(Connection source, Connection destination, List<TableId> requested) throws SQLException {
        List<TableId> candidates = requested.isEmpty()
                ? PgCatalog.tables(source, false).stream().filter(t -> t.keyed() && !TableVerifier.systemSchema(t.schema()))
                        .map(t -> new TableId(t.schema(), t.name())).toList()
                : requested;
        List<TableId> tables = new ArrayList<>();
        List<TableId> unmatched = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        boolean modern = source.getMetaData().getDatabaseMajorVersion() >= IDENTITY_AND_PG_SEQUENCES
                && destination.getMetaData().getDatabaseMajorVersion() >= IDENTITY_AND_PG_SEQUENCES;
        if (!modern) {
            notes.add("Identity columns and sequences not compared: a server before PostgreSQL 10 (Greenplum 6) has no "
                    + "identity columns and no pg_sequences; compare sequences by hand (SELECT last_value FROM each).");
        }
        for (TableId table : candidates) {
            Long sourceOid = PgCatalog.relationOid(source, table.schema(), table.table());
            Long destinationOid = PgCatalog.relationOid(destination, table.schema(), table.table());
            if (sourceOid == null) {
                findings.add(new Finding("table " + table, "not at the source", null));
            } else if (destinationOid == null) {
                if (requested.isEmpty()) {
                    unmatched.add(table);
                } else {
                    findings.add(new Finding("table " + table, "not at the destination under this name", null));
                }
            } else {
                tables.add(table);
                if (modern) {
                    findings.addAll(IdentityCheck.compare(source, destination, table, sourceOid, destinationOid));
                }
                findings.addAll(RuleCheck.compare(source, destination, table, sourceOid, destinationOid));
            }
        }
        Set<String> schemas = new TreeSet<>();
        tables.forEach(t -> schemas.add(t.schema()));
        if (!schemas.isEmpty() && modern) {
            findings.addAll(SequenceCheck.compare(source, destination, schemas));
        }
        return new SwitchoverPlan(tables, unmatched, findings, notes);
    }

    /** The statements in the order they run: a rollback undoes DDL but not {@code setval}, which therefore comes last. */
    public List<Fix> statements() {
        return findings.stream().flatMap(f -> f.statement().stream())
                .sorted(Comparator.comparing(f -> !f.transactional())).toList();
    }

    /**
     * Whether anything was compared. A destination whose names the sink changed (table.name.map, name.case) matches
     * no source table, and "nothing to do" would then be said of nothing. Source tables not found are listed but do
     * not make the plan incomplete: a pipeline often captures only some of the source's tables.
     */
    public boolean complete() {
        return !tables.isEmpty();
    }

    /** Findings without a statement: they take a person. */
    public List<Finding> byHand() {
        return findings.stream().filter(f -> f.fix() == null).toList();
    }

    /** The statements as an SQL script, each ending with {@code ;}. */
    public String script() {
        StringBuilder sb = new StringBuilder();
        statements().forEach(f -> sb.append(f.sql()).append(";\n"));
        return sb.toString();
    }
}
