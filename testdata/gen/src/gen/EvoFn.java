package gen;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The evolution job's keyed function. The POJO gen.evo.Profile comes from the variant's own
 * source directory (src-evo/VARIANT), so v1 and v2 can use one class name with different fields.
 */
public class EvoFn extends KeyedProcessFunction<String, Ev, String> {
    public static final String PROFILE = "gen.evo.Profile";

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List<StateDescriptor<?, ?>> descriptors(Case c) {
        Class<?> profile;
        try {
            profile = Class.forName(PROFILE);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("gen.evo.Profile must be on the classpath (src-evo/<variant>)", e);
        }
        ValueStateDescriptor<Long> ttl = new ValueStateDescriptor<>("maybe_ttl", Types.LONG);
        if (c.evoTtl) ttl.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofDays(3650)).build());
        return Arrays.asList(
                new ValueStateDescriptor("profile", (TypeInformation) TypeInformation.of(profile)),
                new ValueStateDescriptor("amount", c.evoLongAmount ? (TypeInformation) Types.LONG : (TypeInformation) Types.INT),
                ttl);
    }

    private final String uid;
    private final Case c;
    private transient List<ValueState<Object>> states;

    public EvoFn(String uid, Case c) {
        this.uid = uid;
        this.c = c;
    }

    @SuppressWarnings("unchecked")
    @Override
    public void open(OpenContext ctx) {
        states = new java.util.ArrayList<>();
        for (StateDescriptor<?, ?> d : descriptors(c)) states.add(getRuntimeContext().getState((ValueStateDescriptor<Object>) d));
    }

    static void set(Object o, String field, Object v) throws Exception {
        for (Field f : o.getClass().getFields()) if (f.getName().equals(field)) f.set(o, v);
    }

    @Override
    public void processElement(Ev e, Context ctx, Collector<String> out) throws Exception {
        Object p = Class.forName(PROFILE).getConstructor().newInstance();
        set(p, "a", e.amount);
        set(p, "b", e.label);
        set(p, "c", e.ts);
        Object amount = c.evoLongAmount ? (Object) (long) e.amount : (Object) e.amount;
        Object[] vs = {p, amount, e.ts};
        List<StateDescriptor<?, ?>> ds = descriptors(c);
        for (int i = 0; i < vs.length; i++) {
            states.get(i).update(vs[i]);
            Truth.put(Truth.id(uid, ds.get(i).getName(), "value", ctx.getCurrentKey(), VoidNamespace.INSTANCE, null, null), vs[i]);
        }
        Truth.PROCESSED.incrementAndGet();
    }

    /** A second keyed operator: a plain counter; its uid is what the rename variant changes. */
    public static class Counter extends KeyedProcessFunction<String, Ev, String> {
        private final String uid;
        private transient ValueState<Long> count;

        public Counter(String uid) {
            this.uid = uid;
        }

        public static ValueStateDescriptor<Long> descriptor() {
            return new ValueStateDescriptor<>("count", Types.LONG);
        }

        @Override
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(descriptor());
        }

        @Override
        public void processElement(Ev e, Context ctx, Collector<String> out) throws Exception {
            Long v = count.value();
            count.update(v == null ? 1L : v + 1);
            String id = Truth.id(uid, "count", "value", ctx.getCurrentKey(), VoidNamespace.INSTANCE, null, null);
            Long s = (Long) Truth.get(id);
            Truth.put(id, s == null ? 1L : s + 1);
            Truth.PROCESSED.incrementAndGet();
        }
    }
}
