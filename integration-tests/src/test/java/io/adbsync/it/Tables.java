package io.adbsync.it;

import io.adbsync.stack.postgres.PostgresServer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** SQL helpers for ITs: run statements, read a table row by row in its text form. */
final class Tables {

    private Tables() {
    }

    static void sql(PostgresServer pg, String db, String... statements) throws SQLException {
        pg.execute(db, statements);
    }

    /** Each row as {@code row::text}, ordered by it: compares every column in the server's own text form. */
    static List<String> rows(PostgresServer pg, String db, String table) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT whole_row::text FROM " + table + " whole_row ORDER BY 1")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return List.of();
            }
            throw e;
        }
        return rows;
    }

    static String scalar(PostgresServer pg, String db, String query) throws SQLException {
        return pg.scalar(db, query);
    }
}
