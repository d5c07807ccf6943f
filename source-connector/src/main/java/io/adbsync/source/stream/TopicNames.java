package io.adbsync.source.stream;

import io.adbsync.common.contract.AvroNames;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The topic of each captured table, {@code prefix.schema.table} with characters Kafka refuses turned into '_'.
 * That mapping is lossy ({@code 订单} and {@code 客户} both become {@code __}), so two captured tables may map to one
 * topic: their changes would then be mixed in it, and this refuses them, naming both.
 */
public final class TopicNames {

    private record Claim(int oid, String schema, String table) {
    }

    private final String prefix;
    private final Map<String, Claim> claims = new HashMap<>();

    public TopicNames(String prefix) {
        this.prefix = prefix;
    }

    public static String topic(String prefix, String schema, String table) {
        return prefix + "." + AvroNames.topicPart(schema) + "." + AvroNames.topicPart(table);
    }

    /** At task start: every captured table must have a topic of its own. */
    public static void requireDistinct(String prefix, List<TableId> tables) {
        TopicNames names = new TopicNames(prefix);
        for (TableId t : tables) {
            names.claim(-1, t.schema(), t.table());
        }
    }

    /**
     * The topic of a relation the stream announced; fails when another captured table already has it. A table dropped
     * and created again under its name has its topic; one renamed takes its new name's.
     */
    public synchronized String claim(int oid, String schema, String table) {
        String topic = topic(prefix, schema, table);
        Claim previous = claims.get(topic);
        boolean sameNames = previous != null && previous.schema().equals(schema) && previous.table().equals(table);
        if (previous != null && !sameNames && (oid < 0 || previous.oid() != oid)) {
            throw new ConnectException("Tables " + SqlIdentifiers.qualified(previous.schema(), previous.table()) + " and "
                    + SqlIdentifiers.qualified(schema, table) + " both map to topic " + topic + " (characters other "
                    + "than letters, digits, '.', '_' and '-' become '_' in topic names), so their changes would be "
                    + "mixed: rename one of them, or leave one out with table.exclude.list");
        }
        claims.put(topic, new Claim(oid, schema, table));
        return topic;
    }
}
