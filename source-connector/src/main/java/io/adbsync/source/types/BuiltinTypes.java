package io.adbsync.source.types;

import java.util.HashMap;
import java.util.Map;

/** The built-in PostgreSQL types by OID: the name {@code format_type} prints and how values are carried. */
final class BuiltinTypes {

    /** One built-in type; {@code arrayOid} is the OID of its array type, 0 if none is listed. */
    record Builtin(int oid, String name, ValueKind kind, int arrayOid) {
    }

    private static final Map<Integer, Builtin> BY_OID = new HashMap<>();
    private static final Map<Integer, Builtin> BY_ARRAY_OID = new HashMap<>();

    static {
        add(16, "boolean", ValueKind.BOOLEAN, 1000);
        add(17, "bytea", ValueKind.BYTES, 1001);
        add(18, "\"char\"", ValueKind.TEXT, 1002);
        add(19, "name", ValueKind.TEXT, 1003);
        add(20, "bigint", ValueKind.INT64, 1016);
        add(21, "smallint", ValueKind.INT16, 1005);
        add(23, "integer", ValueKind.INT32, 1007);
        add(24, "regproc", ValueKind.TEXT, 1008);
        add(25, "text", ValueKind.TEXT, 1009);
        add(26, "oid", ValueKind.INT64, 1028);
        add(27, "tid", ValueKind.TEXT, 1010);
        add(28, "xid", ValueKind.INT64, 1011);
        add(29, "cid", ValueKind.INT64, 1012);
        add(114, "json", ValueKind.JSON, 199);
        add(142, "xml", ValueKind.XML, 143);
        add(600, "point", ValueKind.TEXT, 1017);
        add(601, "lseg", ValueKind.TEXT, 1018);
        add(602, "path", ValueKind.TEXT, 1019);
        add(603, "box", ValueKind.TEXT, 1020);
        add(604, "polygon", ValueKind.TEXT, 1027);
        add(628, "line", ValueKind.TEXT, 629);
        add(650, "cidr", ValueKind.TEXT, 651);
        add(700, "real", ValueKind.FLOAT32, 1021);
        add(701, "double precision", ValueKind.FLOAT64, 1022);
        add(718, "circle", ValueKind.TEXT, 719);
        add(774, "macaddr8", ValueKind.TEXT, 775);
        add(790, "money", ValueKind.MONEY, 791);
        add(829, "macaddr", ValueKind.TEXT, 1040);
        add(869, "inet", ValueKind.TEXT, 1041);
        add(1042, "character", ValueKind.TEXT, 1014);
        add(1043, "character varying", ValueKind.TEXT, 1015);
        add(1082, "date", ValueKind.DATE, 1182);
        add(1083, "time without time zone", ValueKind.TIME, 1183);
        add(1114, "timestamp without time zone", ValueKind.TIMESTAMP, 1115);
        add(1184, "timestamp with time zone", ValueKind.TIMESTAMPTZ, 1185);
        add(1186, "interval", ValueKind.INTERVAL, 1187);
        // timetz keeps its own offset, which a UTC-normalised form would lose: carried as text.
        add(1266, "time with time zone", ValueKind.TEXT, 1270);
        add(1560, "bit", ValueKind.TEXT, 1561);
        add(1562, "bit varying", ValueKind.TEXT, 1563);
        // numeric may be NaN or ±Infinity and has no fixed scale: its text form is the only exact carrier.
        add(1700, "numeric", ValueKind.TEXT, 1231);
        add(2205, "regclass", ValueKind.TEXT, 2210);
        add(2206, "regtype", ValueKind.TEXT, 2211);
        add(2950, "uuid", ValueKind.UUID, 2951);
        add(2970, "txid_snapshot", ValueKind.TEXT, 2949);
        add(3220, "pg_lsn", ValueKind.TEXT, 3221);
        add(3614, "tsvector", ValueKind.TEXT, 3643);
        add(3615, "tsquery", ValueKind.TEXT, 3645);
        add(3802, "jsonb", ValueKind.JSON, 3807);
        add(3904, "int4range", ValueKind.TEXT, 3905);
        add(3906, "numrange", ValueKind.TEXT, 3907);
        add(3908, "tsrange", ValueKind.TEXT, 3909);
        add(3910, "tstzrange", ValueKind.TEXT, 3911);
        add(3912, "daterange", ValueKind.TEXT, 3913);
        add(3926, "int8range", ValueKind.TEXT, 3927);
        add(4072, "jsonpath", ValueKind.TEXT, 4073);
        add(4451, "int4multirange", ValueKind.TEXT, 6150);
        add(4532, "nummultirange", ValueKind.TEXT, 6151);
        add(4533, "tsmultirange", ValueKind.TEXT, 6152);
        add(4534, "tstzmultirange", ValueKind.TEXT, 6153);
        add(4535, "datemultirange", ValueKind.TEXT, 6155);
        add(4536, "int8multirange", ValueKind.TEXT, 6157);
        add(5038, "pg_snapshot", ValueKind.TEXT, 5039);
        add(5069, "xid8", ValueKind.TEXT, 271);
    }

    private BuiltinTypes() {
    }

    private static void add(int oid, String name, ValueKind kind, int arrayOid) {
        Builtin b = new Builtin(oid, name, kind, arrayOid);
        BY_OID.put(oid, b);
        BY_ARRAY_OID.put(arrayOid, b);
    }

    static Builtin byOid(int oid) {
        return BY_OID.get(oid);
    }

    /** The element type of a built-in array type, or null. */
    static Builtin elementOfArray(int arrayOid) {
        return BY_ARRAY_OID.get(arrayOid);
    }
}
