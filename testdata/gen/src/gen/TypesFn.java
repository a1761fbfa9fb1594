package gen;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;

/** Keyed by a Long; one ValueState per value type, one of them with TTL. */
public class TypesFn extends KeyedProcessFunction<Long, Ev, String> {

    public static List<StateDescriptor<?, ?>> descriptors() {
        ValueStateDescriptor<Integer> ttl = new ValueStateDescriptor<>("ttl_count", Types.INT);
        ttl.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofDays(3650)).build());
        return Arrays.asList(
                new ValueStateDescriptor<>("flag", Types.BOOLEAN),
                new ValueStateDescriptor<>("raw", Types.PRIMITIVE_ARRAY(Types.BYTE)),
                new ValueStateDescriptor<>("level", Types.ENUM(Model.Level.class)),
                new ValueStateDescriptor<>("profile", TypeInformation.of(Model.Profile.class)),
                new ValueStateDescriptor<>("pair", Types.TUPLE(Types.STRING, Types.INT)),
                new ValueStateDescriptor<>("row", Types.ROW(Types.STRING, Types.INT, Types.DOUBLE)),
                new ValueStateDescriptor<>("opaque", TypeInformation.of(Model.Opaque.class)),
                ttl);
    }

    private final String uid;
    private transient List<ValueState<Object>> states;

    public TypesFn(String uid) {
        this.uid = uid;
    }

    @SuppressWarnings("unchecked")
    @Override
    public void open(OpenContext ctx) {
        states = new ArrayList<>();
        for (StateDescriptor<?, ?> d : descriptors())
            states.add(getRuntimeContext().getState((ValueStateDescriptor<Object>) d));
    }

    /** The values this event writes, in descriptor order; ttl_count is handled separately. */
    static Object[] values(Ev e, int count) {
        Model.Profile p = new Model.Profile();
        p.name = e.key;
        p.score = e.amount;
        p.address = new Model.Address(e.label, 10000 + e.amount);
        for (int i = 0; i < count % 4; i++) p.tags.add(Feed.LABELS[(e.seq + i) % Feed.LABELS.length]);
        byte[] raw = (e.label + ":" + e.amount).getBytes(StandardCharsets.UTF_8);
        return new Object[] {
            e.amount % 2 == 0,
            raw,
            Model.Level.values()[e.amount % 3],
            p,
            Tuple2.of(e.label, e.amount),
            Row.of(e.label, e.amount, e.amount * 0.5),
            new Model.Opaque(e.label, new long[] {e.ts, e.seq, count}),
        };
    }

    @Override
    public void processElement(Ev e, Context ctx, Collector<String> out) throws Exception {
        Long k = ctx.getCurrentKey();
        String cid = Truth.id(uid, "ttl_count", "value", k, VoidNamespace.INSTANCE, null, null);
        Integer prev = (Integer) Truth.get(cid);
        int count = prev == null ? 1 : prev + 1;
        Object[] vs = values(e, count);
        List<StateDescriptor<?, ?>> ds = descriptors();
        for (int i = 0; i < vs.length; i++) {
            states.get(i).update(vs[i]);
            Truth.put(Truth.id(uid, ds.get(i).getName(), "value", k, VoidNamespace.INSTANCE, null, null), vs[i]);
        }
        ValueState<Object> ttl = states.get(vs.length);
        Integer c = (Integer) ttl.value();
        ttl.update(c == null ? 1 : c + 1);
        Truth.put(cid, count);
        Truth.PROCESSED.incrementAndGet();
    }
}
