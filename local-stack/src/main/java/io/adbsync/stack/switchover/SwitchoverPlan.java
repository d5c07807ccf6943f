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
public record SwitchoverPlan(List<TableId> tables, List<TableId> unmatched, List<Finding> findings) {

    public SwitchoverPlan {
        tables = List.copyOf(tables);
        unmatched = List.copyOf(unmatched);
        findings = List.copyOf(findings);
    }

    /**
     * Compares {@code requested} (when empty, every source table with a primary key, partitions standing for nothing of
     * their own) with the destination table of the same schema.table name. The source connection's
     * {@code search_path} must be {@code pg_catalog} (see {@link RuleCheck}).
     */
    public static SwitchoverPlan read(Connection source, Connection destination, List<TableId> requested) throws SQLException {
        List<TableId> candidates = requested.isEmpty()
                ? PgCatalog.tables(source, false).stream().filter(t -> t.primaryKey() && !TableVerifier.systemSchema(t.schema()))
                        .map(t -> new TableId(t.schema(), t.name())).toList()
                : requested;
        List<TableId> tables = new ArrayList<>();
        List<TableId> unmatched = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
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
                findings.addAll(IdentityCheck.compare(source, destination, table, sourceOid, destinationOid));
                findings.addAll(RuleCheck.compare(source, destination, table, sourceOid, destinationOid));
            }
        }
        Set<String> schemas = new TreeSet<>();
        tables.forEach(t -> schemas.add(t.schema()));
        if (!schemas.isEmpty()) {
            findings.addAll(SequenceCheck.compare(source, destination, schemas));
        }
        return new SwitchoverPlan(tables, unmatched, findings);
    }

    /** The statements in the order they run: a rollback undoes DDL but not {@code setval}, which therefore comes last. */
    public List<Fix> statements() {
        return findings.stream().flatMap(f -> f.statement().stream())
                .sorted(Comparator.comparing(f -> !f.transactional())).toList();
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
