package gen;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.AggregatingState;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.Arrays;
import java.util.List;

/** The main keyed job: one state of each kind over simple types, plus event- and processing-time timers. */
public class MainFn extends KeyedProcessFunction<String, Ev, String> {
    /** Processing-time timers sit in 2100, so they never fire while the job runs. */
    public static final long FAR_FUTURE = 4_102_444_800_000L;

    public static final class Sum implements org.apache.flink.api.common.functions.ReduceFunction<Long> {
        @Override
        public Long reduce(Long a, Long b) {
            return a + b;
        }
    }

    /** Average amount; the accumulator (sum, count) is what the state stores. */
    public static final class Avg implements AggregateFunction<Integer, Tuple2<Long, Long>, Double> {
        @Override
        public Tuple2<Long, Long> createAccumulator() {
            return Tuple2.of(0L, 0L);
        }

        @Override
        public Tuple2<Long, Long> add(Integer v, Tuple2<Long, Long> acc) {
            return Tuple2.of(acc.f0 + v, acc.f1 + 1);
        }

        @Override
        public Double getResult(Tuple2<Long, Long> acc) {
            return acc.f1 == 0 ? 0.0 : (double) acc.f0 / acc.f1;
        }

        @Override
        public Tuple2<Long, Long> merge(Tuple2<Long, Long> a, Tuple2<Long, Long> b) {
            return Tuple2.of(a.f0 + b.f0, a.f1 + b.f1);
        }
    }

    public static List<StateDescriptor<?, ?>> descriptors() {
        return Arrays.asList(
                new ValueStateDescriptor<>("count", Types.INT),
                new ValueStateDescriptor<>("last_label", Types.STRING),
                new ValueStateDescriptor<>("last_price", Types.DOUBLE),
                new ListStateDescriptor<>("timestamps", Types.LONG),
                new MapStateDescriptor<>("per_label", Types.STRING, Types.INT),
                new ReducingStateDescriptor<>("sum_amount", new Sum(), Types.LONG),
                new AggregatingStateDescriptor<>("avg_amount", new Avg(), Types.TUPLE(Types.LONG, Types.LONG)));
    }

    private final String uid;
    private transient ValueState<Integer> count;
    private transient ValueState<String> lastLabel;
    private transient ValueState<Double> lastPrice;
    private transient ListState<Long> timestamps;
    private transient MapState<String, Integer> perLabel;
    private transient ReducingState<Long> sum;
    private transient AggregatingState<Integer, Double> avg;

    public MainFn(String uid) {
        this.uid = uid;
    }

    @SuppressWarnings("unchecked")
    @Override
    public void open(OpenContext ctx) {
        List<StateDescriptor<?, ?>> d = descriptors();
        count = getRuntimeContext().getState((ValueStateDescriptor<Integer>) d.get(0));
        lastLabel = getRuntimeContext().getState((ValueStateDescriptor<String>) d.get(1));
        lastPrice = getRuntimeContext().getState((ValueStateDescriptor<Double>) d.get(2));
        timestamps = getRuntimeContext().getListState((ListStateDescriptor<Long>) d.get(3));
        perLabel = getRuntimeContext().getMapState((MapStateDescriptor<String, Integer>) d.get(4));
        sum = getRuntimeContext().getReducingState((ReducingStateDescriptor<Long>) d.get(5));
        avg = getRuntimeContext().getAggregatingState((AggregatingStateDescriptor<Integer, Tuple2<Long, Long>, Double>) d.get(6));
    }

    private String id(String state, String kind, String key, Object userKey) {
        return Truth.id(uid, state, kind, key, VoidNamespace.INSTANCE, userKey, null);
    }

    @SuppressWarnings("unchecked")
    @Override
    public void processElement(Ev e, Context ctx, Collector<String> out) throws Exception {
        String k = e.key;
        // Flink state
        Integer c = count.value();
        count.update(c == null ? 1 : c + 1);
        lastLabel.update(e.label);
        lastPrice.update(e.amount * 0.25);
        timestamps.add(e.ts);
        Integer pl = perLabel.get(e.label);
        perLabel.put(e.label, pl == null ? 1 : pl + 1);
        sum.add((long) e.amount);
        avg.add(e.amount);
        long et = e.ts - e.ts % 60_000L + 60_000L;
        ctx.timerService().registerEventTimeTimer(et);
        long pt = FAR_FUTURE + (e.amount % 4) * 1000L;
        ctx.timerService().registerProcessingTimeTimer(pt);

        if (Truth.off) {
            Truth.PROCESSED.incrementAndGet();
            return;
        }
        // shadow model, computed without reading Flink state
        String cid = id("count", "value", k, null);
        Integer sc = (Integer) Truth.get(cid);
        Truth.put(cid, sc == null ? 1 : sc + 1);
        Truth.put(id("last_label", "value", k, null), e.label);
        Truth.put(id("last_price", "value", k, null), e.amount * 0.25);
        Truth.append(id("timestamps", "list", k, null), e.ts);
        String mid = id("per_label", "map", k, e.label);
        Integer sm = (Integer) Truth.get(mid);
        Truth.put(mid, sm == null ? 1 : sm + 1);
        String sid = id("sum_amount", "reducing", k, null);
        Long ss = (Long) Truth.get(sid);
        Truth.put(sid, ss == null ? (long) e.amount : ss + e.amount);
        String aid = id("avg_amount", "aggregating", k, null);
        Tuple2<Long, Long> sa = (Tuple2<Long, Long>) Truth.get(aid);
        Truth.put(aid, sa == null ? Tuple2.of((long) e.amount, 1L) : Tuple2.of(sa.f0 + e.amount, sa.f1 + 1));
        Truth.timer(uid, "user-timers", "event_timer", k, VoidNamespace.INSTANCE, et);
        Truth.timer(uid, "user-timers", "processing_timer", k, VoidNamespace.INSTANCE, pt);
        Truth.PROCESSED.incrementAndGet();
    }
}
