package gen;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/** Operator (non-keyed) state: a split list, a union list, and broadcast state. */
public final class OpStateFns {
    private OpStateFns() {}

    public static ListStateDescriptor<Long> seenSeqs() {
        return new ListStateDescriptor<>("seen_seqs", Types.LONG);
    }

    public static ListStateDescriptor<Tuple2<Integer, Long>> unionCounts() {
        return new ListStateDescriptor<>("union_counts", Types.TUPLE(Types.INT, Types.LONG));
    }

    public static MapStateDescriptor<String, Integer> labelCounts() {
        return new MapStateDescriptor<>("label_counts", Types.STRING, Types.INT);
    }

    /** Keeps the sequence numbers it saw (split list state) and its record count (union list state). */
    public static class Tracker extends RichMapFunction<Ev, Ev> implements CheckpointedFunction {
        private final String uid;
        private final List<Long> seen = new ArrayList<>();
        private transient ListState<Long> seenState;
        private transient ListState<Tuple2<Integer, Long>> unionState;

        public Tracker(String uid) {
            this.uid = uid;
        }

        private int subtask() {
            return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) throws Exception {
            seenState = ctx.getOperatorStateStore().getListState(seenSeqs());
            unionState = ctx.getOperatorStateStore().getUnionListState(unionCounts());
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
            seenState.update(new ArrayList<>(seen));
            Tuple2<Integer, Long> mine = Tuple2.of(subtask(), (long) seen.size());
            List<Tuple2<Integer, Long>> u = new ArrayList<>();
            u.add(mine);
            unionState.update(u);
            if (!seen.isEmpty())
                Truth.put(Truth.id(uid, "seen_seqs", "operator_list", null, null, null, subtask()), new ArrayList<>(seen));
            Truth.union(uid, "union_counts", subtask(), new ArrayList<Object>(u));
        }

        @Override
        public Ev map(Ev e) {
            seen.add((long) e.seq);
            Truth.PROCESSED.incrementAndGet();
            return e;
        }
    }

    /** Every subtask counts labels of the broadcast side into broadcast state. */
    public static class Broadcaster extends BroadcastProcessFunction<Ev, Ev, String> {
        private final String uid;

        public Broadcaster(String uid) {
            this.uid = uid;
        }

        @Override
        public void open(OpenContext ctx) {}

        @Override
        public void processElement(Ev e, ReadOnlyContext ctx, Collector<String> out) throws Exception {
            ctx.getBroadcastState(labelCounts()).get(e.label);
            Truth.PROCESSED.incrementAndGet();
        }

        @Override
        public void processBroadcastElement(Ev e, Context ctx, Collector<String> out) throws Exception {
            BroadcastState<String, Integer> s = ctx.getBroadcastState(labelCounts());
            Integer c = s.get(e.label);
            s.put(e.label, c == null ? 1 : c + 1);
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                String id = Truth.id(uid, "label_counts", "broadcast", null, null, e.label, null);
                Integer sc = (Integer) Truth.get(id);
                Truth.put(id, sc == null ? 1 : sc + 1);
            }
            Truth.PROCESSED.incrementAndGet();
        }
    }
}
