package io.adbsync.source.types;

import io.adbsync.common.contract.EventContract;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps source column types to Connect schemas. Built-in types are known by OID; any other type (enum, domain,
 * composite, extension types, their arrays) is named by the catalog through {@link CatalogTypeNames}, once per
 * type and modifier; a Type message from the server drops that cached name, since it means the type may have changed.
 */
public final class TypeMapper {

    /** Resolves {@code format_type(oid, typmod)}, schema-qualified, for a type not built in. */
    @FunctionalInterface
    public interface CatalogTypeNames {
        String formatType(int oid, int typmod);
    }

    private final Map<Long, String> catalogNames = new ConcurrentHashMap<>();
    private final CatalogTypeNames catalog;

    public TypeMapper(CatalogTypeNames catalog) {
        this.catalog = catalog;
    }

    /** Forgets what is known of type {@code oid}: a pgoutput Type message announced it anew. */
    public void typeAnnounced(int oid) {
        catalogNames.keySet().removeIf(k -> (int) (k >>> 32) == oid);
    }

    /**
     * The mapping of a column of type {@code oid} with modifier {@code typmod}; key columns are required.
     * {@code missingValue}, if not null, is the text of the value rows older than the column have (a fast default).
     */
    public ColumnMapping map(int oid, int typmod, boolean optional, String originalColumnName, boolean nameChanged,
                             String missingValue) {
        ValueKind kind = ValueKind.TEXT;
        String sourceType;
        BuiltinTypes.Builtin builtin = BuiltinTypes.byOid(oid);
        BuiltinTypes.Builtin element = builtin == null ? BuiltinTypes.elementOfArray(oid) : null;
        if (builtin != null) {
            kind = builtin.kind();
            sourceType = TypeModifiers.format(oid, builtin.name(), typmod);
        } else if (element != null) {
            sourceType = TypeModifiers.format(element.oid(), element.name(), typmod) + "[]";
        } else {
            sourceType = catalogNames.computeIfAbsent(((long) oid << 32) | (typmod & 0xFFFFFFFFL),
                    k -> catalog.formatType(oid, typmod));
        }
        SchemaBuilder builder = schemaBuilder(kind).parameter(EventContract.SOURCE_TYPE_PARAMETER, sourceType);
        if (nameChanged) {
            builder.parameter(EventContract.COLUMN_NAME_PARAMETER, originalColumnName);
        }
        if (missingValue != null) {
            builder.parameter(EventContract.MISSING_VALUE_PARAMETER, missingValue);
        }
        if (optional) {
            builder.optional();
        }
        return new ColumnMapping(builder.build(), kind, sourceType);
    }

    private static SchemaBuilder schemaBuilder(ValueKind kind) {
        return switch (kind) {
            case BOOLEAN -> SchemaBuilder.bool();
            case INT16 -> SchemaBuilder.int16();
            case INT32 -> SchemaBuilder.int32();
            case INT64 -> SchemaBuilder.int64();
            case FLOAT32 -> SchemaBuilder.float32();
            case FLOAT64 -> SchemaBuilder.float64();
            case BYTES -> SchemaBuilder.bytes();
            case DATE -> SchemaBuilder.int32().name(EventContract.DATE).version(1);
            case TIME -> SchemaBuilder.int64().name(EventContract.MICRO_TIME).version(1);
            case TIMESTAMP -> SchemaBuilder.int64().name(EventContract.MICRO_TIMESTAMP).version(1);
            case TIMESTAMPTZ -> SchemaBuilder.string().name(EventContract.ZONED_TIMESTAMP).version(1);
            case INTERVAL -> SchemaBuilder.string().name(EventContract.INTERVAL).version(1);
            case UUID -> SchemaBuilder.string().name(EventContract.UUID).version(1);
            case JSON -> SchemaBuilder.string().name(EventContract.JSON).version(1);
            case XML -> SchemaBuilder.string().name(EventContract.XML).version(1);
            case MONEY, TEXT -> SchemaBuilder.string();
        };
    }
}
