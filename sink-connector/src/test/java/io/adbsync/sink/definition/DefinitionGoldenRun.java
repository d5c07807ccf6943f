package io.adbsync.sink.definition;

import io.adbsync.common.sql.TableId;
import io.adbsync.stack.postgres.PostgresServer;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a dialect's golden definition SQL on a real server, in an order that makes sense (tables, indexes, sequences,
 * then every shared column statement on the orders table), after the objects they use were made by plain SQL.
 */
final class DefinitionGoldenRun {

    /** The types, sequence and function the sample tables use, as the user made them at the source. */
    static final List<String> PREREQUISITES = java.util.stream.Stream.concat(SampleSchema.SOURCE_SQL.subList(0, 7).stream(),
            java.util.stream.Stream.of("CREATE SEQUENCE sales.customers_id_seq AS integer")).toList();

    static final List<String> DIALECT_FILES = List.of("definition_create_table_customers", "definition_create_table_orders",
            "definition_create_table_bookings", "definition_create_table_order_lines", "definition_create_table_countries",
            "definition_create_table_lower_case", "definition_create_index_orders_open_idx",
            "definition_create_index_customers_lower_email_idx", "definition_create_index_orders_customer_code_idx",
            "definition_create_sequence", "definition_alter_sequence");

    static final List<String> SHARED_FILES = List.of("definition_add_column", "definition_alter_type",
            "definition_set_not_null", "definition_drop_not_null", "definition_set_default", "definition_drop_default",
            "definition_drop_identity", "definition_add_identity", "definition_add_constraint", "definition_drop_constraint",
            "definition_owned_by", "definition_drop_column", "definition_alter_type_generated");

    private DefinitionGoldenRun() {
    }

    /** Runs them all in {@code db}; returns the names of the dialect's files that hold no statement (all skipped). */
    static List<String> run(PostgresServer server, String db, String dialect) throws IOException, SQLException {
        List<String> empty = new ArrayList<>();
        try (Connection c = server.connect(db); Statement s = c.createStatement()) {
            for (String sql : PREREQUISITES) {
                s.execute(sql);
            }
            for (String name : DIALECT_FILES) {
                String statement = DefinitionGolden.statement(read(dialect, name));
                if (statement == null) {
                    empty.add(name);
                } else {
                    s.execute(statement);
                }
            }
            for (String name : SHARED_FILES) {
                s.execute(DefinitionGolden.statement(read("shared", name)));
            }
            c.setAutoCommit(false);
            s.execute(DefinitionGolden.statement(read("shared", "definition_lock")));
            c.commit();
            String setval = DefinitionGolden.statement(read("shared", "definition_setval_forward"));
            assertThat(setvalForward(c, setval, 150, true, 1)).as("150 is ahead of a fresh sequence at 100").isTrue();
            assertThat(setvalForward(c, setval, 120, true, 1)).as("120 is behind 150").isFalse();
            c.commit();
            try (ResultSet rs = s.executeQuery("SELECT last_value, is_called FROM sales.code_seq")) {
                rs.next();
                assertThat(rs.getLong(1) + "/" + rs.getBoolean(2)).isEqualTo("150/true");
            }
            c.commit();
        }
        return empty;
    }

    private static boolean setvalForward(Connection c, String sql, long last, boolean called, int sign) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, new TableId("sales", "code_seq").regclassText());
            ps.setLong(2, last);
            ps.setBoolean(3, called);
            ps.setInt(4, sign);
            ps.setLong(5, 5);
            ps.setInt(6, sign);
            ps.setBigDecimal(7, BigDecimal.valueOf(called ? last + 5 : last));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static String read(String dir, String name) throws IOException {
        return Files.readString(DefinitionGoldenTest.GOLDEN.resolve(dir).resolve(name + ".sql"));
    }

    static Path golden() {
        return DefinitionGoldenTest.GOLDEN;
    }
}
