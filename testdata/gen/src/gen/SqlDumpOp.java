package gen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;

/**
 * Stands in for one SQL operator (same OperatorID via setUidHash) in a bounded job restored from
 * the SQL savepoint: registers the operator's state under its names with RowData serializers of
 * the declared RowTypes (Flink checks them against the snapshot's), lists every key and
 * namespace, and writes each value, map entry, timer and union-state element into
 * {@link Truth#READBACK} in {@link SqlState}'s text form.
 */
public final class SqlDumpOp extends AbstractStreamOperator<String>
        implements OneInputStreamOperator<Long, String>, Triggerable<RowData, Long> {

    private final SqlState.OpSpec spec;

    public SqlDumpOp(SqlState.OpSpec spec) {
        this.spec = spec;
    }

    /**
     * The OperatorID the state was restored under: the one given to setUidHash (getOperatorID()
     * reports the hash Flink generated for this job's topology, which the state is not mapped to).
     * If it did not match the snapshot, allowNonRestoredState would leave this operator empty
     * and the dump would differ from the written truth.
     */
    private String opId() {
        return spec.operatorId;
    }

    @Override
    public void initializeState(StateInitializationContext ctx) throws Exception {
        super.initializeState(ctx);
        if (spec.unionLongState == null || getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) return;
        // every subtask sees the whole union; subtask 0 reports it
        List<Long> xs = new ArrayList<>();
        for (Long x : ctx.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>(spec.unionLongState, LongSerializer.INSTANCE)).get()) xs.add(x);
        xs.sort(null);
        Truth.READBACK.add(SqlState.value(SqlState.id(spec.operator, opId(), spec.unionLongState, "operator_union", null, null, null), Json.of(xs)));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override
    public void open() throws Exception {
        super.open();
        KeyedStateBackend<RowData> be = (KeyedStateBackend<RowData>) (KeyedStateBackend) getKeyedStateBackend();
        RowDataSerializer keySer = new RowDataSerializer(spec.keyType);
        for (SqlState.KeyedSpec s : spec.keyed) {
            TypeSerializer ns = s.longNamespace ? LongSerializer.INSTANCE : VoidNamespaceSerializer.INSTANCE;
            InternalTypeInfo<RowData> rowInfo = InternalTypeInfo.of(s.rowType);
            StateDescriptor d = s.kind.equals("map")
                    ? new MapStateDescriptor<>(s.name, rowInfo, Types.INT)
                    : new ValueStateDescriptor<>(s.name, rowInfo);
            be.getOrCreateKeyedState(ns, d);
            List<Tuple2<RowData, Object>> kns = new ArrayList<>();
            try (Stream<Tuple2<RowData, Object>> st = be.getKeysAndNamespaces(s.name)) {
                st.forEach(t -> kns.add(Tuple2.of(keySer.copy(t.f0), t.f1)));
            }
            for (Tuple2<RowData, Object> kn : kns) {
                setCurrentKey(kn.f0);
                String key = SqlState.keyJson(kn.f0, spec.keyType);
                String nsJson = kn.f1 instanceof VoidNamespace ? SqlState.VOID : Json.of(kn.f1);
                Object st = be.getPartitionedState(kn.f1, ns, d);
                if (s.kind.equals("map")) {
                    for (Map.Entry<RowData, Integer> e : ((MapState<RowData, Integer>) st).entries()) {
                        String id = SqlState.id(spec.operator, opId(), s.name, "map", key, nsJson, SqlState.rowJson(e.getKey(), s.rowType));
                        Truth.READBACK.add(SqlState.value(id, Json.of(e.getValue())));
                    }
                } else {
                    RowData v = ((ValueState<RowData>) st).value();
                    if (v != null)
                        Truth.READBACK.add(SqlState.value(SqlState.id(spec.operator, opId(), s.name, "value", key, nsJson, null),
                                SqlState.rowJson(v, s.rowType)));
                }
            }
        }
        if (spec.timerService != null) {
            InternalTimerService<Long> ts = getInternalTimerService(spec.timerService, LongSerializer.INSTANCE, this);
            ts.forEachEventTimeTimer((w, t) -> Truth.READBACK.add(SqlState.timer(SqlState.id(spec.operator, opId(), spec.timerService,
                    "event_timer", SqlState.keyJson((RowData) getCurrentKey(), spec.keyType), Json.of(w), null), t)));
            ts.forEachProcessingTimeTimer((w, t) -> Truth.READBACK.add(SqlState.timer(SqlState.id(spec.operator, opId(), spec.timerService,
                    "processing_timer", SqlState.keyJson((RowData) getCurrentKey(), spec.keyType), Json.of(w), null), t)));
        }
    }

    @Override
    public void processElement(StreamRecord<Long> element) {}

    @Override
    public void onEventTime(InternalTimer<RowData, Long> timer) {}

    @Override
    public void onProcessingTime(InternalTimer<RowData, Long> timer) {}
}
