package gen;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.internal.InternalAppendingState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Restores the state of one operator (same uid) and writes everything it can see into
 * {@link Truth#READBACK}: keyed state of the given descriptors (all keys and namespaces), the
 * timers of the given timer service, and operator / union / broadcast state.
 */
public class DumpOp<IN> extends AbstractStreamOperator<String>
        implements OneInputStreamOperator<IN, String>, Triggerable<Object, Object> {

    /** What to read: built by the job definitions, the same descriptors the writing job used. */
    public static final class Spec implements Serializable {
        public final String uid;
        public final List<StateDescriptor<?, ?>> keyed = new ArrayList<>();
        public TypeSerializer<?> namespaceSerializer;
        public String timerService;
        public final List<ListStateDescriptor<?>> operatorLists = new ArrayList<>();
        public final List<ListStateDescriptor<?>> unionLists = new ArrayList<>();
        public final List<MapStateDescriptor<?, ?>> broadcasts = new ArrayList<>();

        public Spec(String uid) {
            this.uid = uid;
        }
    }

    private final Spec spec;
    public static final Map<String, String> OPERATOR_IDS = new java.util.concurrent.ConcurrentHashMap<>();

    public DumpOp(Spec spec) {
        this.spec = spec;
    }

    private int subtask() {
        return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    }

    @Override
    public void initializeState(StateInitializationContext ctx) throws Exception {
        super.initializeState(ctx);
        OPERATOR_IDS.put(spec.uid, getOperatorID().toHexString());
        int sub = subtask();
        for (ListStateDescriptor<?> d : spec.operatorLists) {
            List<Object> xs = new ArrayList<>();
            for (Object o : ctx.getOperatorStateStore().getListState(d).get()) xs.add(o);
            if (!xs.isEmpty())
                Truth.READBACK.add(Truth.line(Truth.id(spec.uid, d.getName(), "operator_list", null, null, null, sub), xs));
        }
        for (ListStateDescriptor<?> d : spec.unionLists) {
            if (sub != 0) continue; // every subtask sees the whole union
            List<String> xs = new ArrayList<>();
            for (Object o : ctx.getOperatorStateStore().getUnionListState(d).get()) xs.add(Json.of(o));
            xs.sort(null);
            Truth.READBACK.add(Truth.id(spec.uid, d.getName(), "operator_union", null, null, null, null)
                    + ",\"value\":[" + String.join(",", xs) + "]}");
        }
        for (MapStateDescriptor<?, ?> d : spec.broadcasts) {
            if (sub != 0) continue; // every subtask holds the same broadcast state
            for (Map.Entry<?, ?> e : ctx.getOperatorStateStore().getBroadcastState(d).entries())
                Truth.READBACK.add(Truth.line(Truth.id(spec.uid, d.getName(), "broadcast", null, null, e.getKey(), null), e.getValue()));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override
    public void open() throws Exception {
        super.open();
        if (spec.keyed.isEmpty() && spec.timerService == null) return;
        KeyedStateBackend<Object> be = getKeyedStateBackend();
        TypeSerializer nsSer = spec.namespaceSerializer;
        for (StateDescriptor d : spec.keyed) {
            be.getOrCreateKeyedState(nsSer, d);
            Set<Tuple2<Object, Object>> kns;
            try (Stream<Tuple2<Object, Object>> s = be.getKeysAndNamespaces(d.getName())) {
                kns = s.map(t -> Tuple2.of(t.f0, t.f1)).collect(Collectors.toCollection(LinkedHashSet::new));
            }
            for (Tuple2<Object, Object> kn : kns) {
                setCurrentKey(kn.f0);
                State st = be.getPartitionedState(kn.f1, nsSer, d);
                String kind = d.getType().name().toLowerCase();
                String id = Truth.id(spec.uid, d.getName(), kind, kn.f0, kn.f1, null, null);
                switch (d.getType()) {
                    case VALUE: {
                        Object v = ((ValueState) st).value();
                        if (v != null) Truth.READBACK.add(Truth.line(id, v));
                        break;
                    }
                    case LIST: {
                        Iterable<Object> it = (Iterable<Object>) ((ListState) st).get();
                        List<Object> xs = new ArrayList<>();
                        if (it != null) for (Object o : it) xs.add(o);
                        if (!xs.isEmpty()) Truth.READBACK.add(Truth.line(id, xs));
                        break;
                    }
                    case MAP: {
                        for (Object o : ((MapState) st).entries()) {
                            Map.Entry e = (Map.Entry) o;
                            Truth.READBACK.add(Truth.line(
                                    Truth.id(spec.uid, d.getName(), kind, kn.f0, kn.f1, e.getKey(), null), e.getValue()));
                        }
                        break;
                    }
                    default: {
                        Object v = ((InternalAppendingState) st).getInternal();
                        if (v != null) Truth.READBACK.add(Truth.line(id, v));
                    }
                }
            }
        }
        if (spec.timerService != null) {
            InternalTimerService<Object> ts = getInternalTimerService(spec.timerService, nsSer, this);
            ts.forEachEventTimeTimer((ns, t) -> Truth.READBACK.add(
                    Truth.id(spec.uid, spec.timerService, "event_timer", getCurrentKey(), ns, null, null) + ",\"timestamp\":" + t + "}"));
            ts.forEachProcessingTimeTimer((ns, t) -> Truth.READBACK.add(
                    Truth.id(spec.uid, spec.timerService, "processing_timer", getCurrentKey(), ns, null, null) + ",\"timestamp\":" + t + "}"));
        }
    }

    @Override
    public void processElement(StreamRecord<IN> element) {}

    @Override
    public void onEventTime(InternalTimer<Object, Object> timer) {}

    @Override
    public void onProcessingTime(InternalTimer<Object, Object> timer) {}
}
