package io.adbsync.stack.switchover;

import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules on tables missing at the destination: the sink leaves them out while it replicates (they would rewrite its
 * own writes, and {@code INSERT … ON CONFLICT} refuses a table with INSERT or UPDATE rules), so they wait for this.
 */
final class RuleCheck {

    /** A view's {@code _RETURN} rule is the view itself, not a rule on a table. */
    private static final String RULES = "SELECT r.rulename, pg_catalog.pg_get_ruledef(r.oid, true) FROM pg_catalog.pg_rewrite r "
            + "WHERE r.ev_class = ?::oid AND r.rulename <> '_RETURN' ORDER BY r.rulename";

    private static final java.util.regex.Pattern REPLACE = java.util.regex.Pattern.compile("^CREATE RULE");

    private RuleCheck() {
    }

    /**
     * Both connections' {@code search_path} must be {@code pg_catalog}, so the definitions name relations in full and
     * read the same where the rules are the same.
     */
    static List<Finding> compare(Connection source, Connection destination, TableId table, long sourceOid, long destinationOid)
            throws SQLException {
        Map<String, String> there = rules(destination, destinationOid);
        List<Finding> findings = new ArrayList<>();
        for (Map.Entry<String, String> rule : rules(source, sourceOid).entrySet()) {
            String has = there.get(rule.getKey());
            if (has == null) {
                findings.add(new Finding("rule " + rule.getKey() + " on " + table, "missing at the destination",
                        new Fix.CreateRule(table, rule.getKey(), rule.getValue())));
            } else if (!has.strip().equals(rule.getValue().strip())) {
                // Both read under search_path pg_catalog, so equal rules read the same; a same-named rule doing
                // something else would otherwise pass unnoticed.
                findings.add(new Finding("rule " + rule.getKey() + " on " + table, "differs at the destination: " + has.strip(),
                        new Fix.CreateRule(table, rule.getKey(), REPLACE.matcher(rule.getValue().strip()).replaceFirst("CREATE OR REPLACE RULE"))));
            }
        }
        return findings;
    }

    private static Map<String, String> rules(Connection c, long oid) throws SQLException {
        Map<String, String> rules = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(RULES)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rules.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return rules;
    }
}
