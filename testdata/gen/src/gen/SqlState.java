package gen;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampKind;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The keyed and operator state of the SQL job's stateful operators, as Flink's table runtime
 * declares it (state names and RowTypes written down here, not read from the snapshot being
 * dumped: restoring with them is what checks them, because Flink refuses a RowData serializer
 * whose logical types differ from the ones in the snapshot), and the one text form in which the
 * model (written) and the dump (read back) render it.
 */
public final class SqlState {
    private SqlState() {}

    /** One keyed state of one operator. */
    public static final class KeyedSpec implements Serializable {
        public final String name;
        /** "value" (ValueState of rowType) or "map" (MapState rowType to Integer: the join's row to count). */
        public final String kind;
        public final RowType rowType;
        /** Window state is namespaced by the window end (Long); the others by VoidNamespace. */
        public final boolean longNamespace;

        KeyedSpec(String name, String kind, RowType rowType, boolean longNamespace) {
            this.name = name;
            this.kind = kind;
            this.rowType = rowType;
            this.longNamespace = longNamespace;
        }
    }

    /** Everything one SQL operator holds. */
    public static final class OpSpec implements Serializable {
        /** The JobGraph vertex name without the planner's counter ("GroupAggregate" for "GroupAggregate[5]"). */
        public final String operator;
        public final RowType keyType;
        public final List<KeyedSpec> keyed = new ArrayList<>();
        /** Event-time timer service with Long (window end) namespaces, or null. */
        public String timerService;
        /** Union list state of Long, or null. */
        public String unionLongState;
        /** Filled in by the driver from the writing job's JobGraph. */
        public String operatorId;
        public int parallelism;
        public int maxParallelism;

        OpSpec(String operator, RowType keyType) {
            this.operator = operator;
            this.keyType = keyType;
        }
    }

    static final LogicalType STRING = new VarCharType(true, VarCharType.MAX_LENGTH);
    static final LogicalType INT = new IntType(true);
    static final LogicalType INT_NOT_NULL = new IntType(false);
    static final LogicalType BIGINT = new BigIntType(true);
    /** `rt`: TIMESTAMP_LTZ(3) declared nullable by the table schema, a rowtime attribute. */
    static final LogicalType ROWTIME = new LocalZonedTimestampType(true, TimestampKind.ROWTIME, 3);

    static RowType row(LogicalType... types) {
        return RowType.of(types);
    }

    /**
     * The four queries' stateful operators. Types: `key`, `label` are STRING (nullable, from the
     * POJO's String fields), `amount`, `seq` INT NOT NULL (int fields), `rt` the rowtime
     * attribute; accumulators as the planner's aggregate functions declare their buffers:
     * SUM(INT) an INT, COUNT(*) a BIGINT, MAX(INT) an INT (all nullable). The deduplication
     * stores its input row, which the planner orders like the table: amount, key, label, seq,
     * rt. (Checked once against the serializer snapshots in the savepoints of both versions;
     * a restore with any other type fails with a StateMigrationException.)
     */
    public static List<OpSpec> specs() {
        RowType key = row(STRING);
        OpSpec agg = new OpSpec("GroupAggregate", key);
        agg.keyed.add(new KeyedSpec("accState", "value", row(INT, BIGINT, INT), false));
        OpSpec dedup = new OpSpec("Deduplicate", key);
        dedup.keyed.add(new KeyedSpec("deduplicate-state", "value", row(INT_NOT_NULL, STRING, STRING, INT_NOT_NULL, ROWTIME), false));
        OpSpec join = new OpSpec("Join", key);
        join.keyed.add(new KeyedSpec("left-records", "map", row(STRING, INT_NOT_NULL), false));
        join.keyed.add(new KeyedSpec("right-records", "map", row(STRING, INT_NOT_NULL), false));
        OpSpec window = new OpSpec("GlobalWindowAggregate", key);
        window.keyed.add(new KeyedSpec("window-aggs", "value", row(BIGINT, INT), true));
        window.timerService = "window-timers";
        window.unionLongState = "watermark";
        return Arrays.asList(agg, dedup, join, window);
    }

    // ---- the text form ----

    /** `{"operator":..,"operator_id":..,"state":..,"kind":..[,"key":..][,"namespace":..][,"user_key":..]` (open). */
    static String id(String operator, String operatorId, String state, String kind, String keyJson, String nsJson, String userKeyJson) {
        StringBuilder b = new StringBuilder("{\"operator\":").append(Json.str(operator));
        b.append(",\"operator_id\":").append(Json.str(operatorId));
        b.append(",\"state\":").append(Json.str(state));
        b.append(",\"kind\":").append(Json.str(kind));
        if (keyJson != null) b.append(",\"key\":").append(keyJson);
        if (nsJson != null) b.append(",\"namespace\":").append(nsJson);
        if (userKeyJson != null) b.append(",\"user_key\":").append(userKeyJson);
        return b.toString();
    }

    static String value(String id, String valueJson) {
        return id + ",\"value\":" + valueJson + "}";
    }

    static String timer(String id, long ts) {
        return id + ",\"timestamp\":" + ts + "}";
    }

    static final String VOID = "\"VoidNamespace\"";

    /** A key row: a JSON array of its columns. */
    static String keyJson(RowData r, RowType t) {
        return "[" + String.join(",", fields(r, t)) + "]";
    }

    /** A stored row: its RowKind and fields. */
    static String rowJson(RowData r, RowType t) {
        return rowJson(r.getRowKind().shortString(), fields(r, t));
    }

    static String rowJson(String kind, List<String> fields) {
        return "{\"row_kind\":" + Json.str(kind) + ",\"fields\":[" + String.join(",", fields) + "]}";
    }

    static List<String> fields(RowData r, RowType t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.getFieldCount(); i++) {
            Object v = RowData.createFieldGetter(t.getTypeAt(i), i).getFieldOrNull(r);
            if (v instanceof StringData) out.add(Json.str(v.toString()));
            else if (v instanceof TimestampData) out.add(Long.toString(((TimestampData) v).getMillisecond()));
            else out.add(Json.of(v));
        }
        return out;
    }
}
