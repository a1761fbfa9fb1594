package gen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Job definitions. Each builds either the writing job or, with restore = true, the bounded
 * read-back job: same uids, parallelism and max parallelism, a DumpOp in place of each stateful
 * operator, and a one-record source (filtered away) under another uid.
 */
public final class Jobs {
    private Jobs() {}

    /** What the driver needs to know about a job. */
    public static final class Info {
        public final List<String> uids = new ArrayList<>();
        /** How many times Truth.PROCESSED grows per input event once every operator has seen it. */
        public int perEvent;
    }

    public static Info build(String job, StreamExecutionEnvironment env, Case c, boolean restore) {
        Info info = new Info();
        DataStream<Ev> in = input(env, restore);
        switch (job) {
            case "main": main(in, c, restore, info); break;
            case "types": types(in, c, restore, info); break;
            case "opstate": opstate(in, c, restore, info); break;
            default: throw new IllegalArgumentException("unknown job " + job);
        }
        return info;
    }

    static DataStream<Ev> input(StreamExecutionEnvironment env, boolean restore) {
        if (!restore) return Feed.source(env, "src");
        return env.fromData(TypeInformation.of(Ev.class), new Ev("", 0L, 0, "", -1)).uid("readback-src").name("readback-src")
                .setParallelism(1).filter(Ev::real).uid("readback-filter").name("readback-filter").setParallelism(1);
    }

    static void sink(DataStream<String> s) {
        sink(s, "sink");
    }

    static void sink(DataStream<String> s, String uid) {
        s.sinkTo(new DiscardingSink<>()).uid(uid).name(uid).setParallelism(1);
    }

    static void main(DataStream<Ev> in, Case c, boolean restore, Info info) {
        String uid = "main-keyed";
        info.uids.add(uid);
        info.perEvent = 1;
        if (restore) {
            DumpOp.Spec spec = new DumpOp.Spec(uid);
            spec.keyed.addAll(MainFn.descriptors());
            spec.namespaceSerializer = VoidNamespaceSerializer.INSTANCE;
            spec.timerService = "user-timers";
            in.keyBy(e -> e.key, Types.STRING).transform(uid, Types.STRING, new DumpOp<Ev>(spec)).uid(uid)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism);
        } else {
            sink(in.keyBy(e -> e.key, Types.STRING).process(new MainFn(uid)).uid(uid).name(uid)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism));
        }
    }

    public static final class SumAmounts implements ReduceFunction<Tuple2<String, Long>> {
        @Override
        public Tuple2<String, Long> reduce(Tuple2<String, Long> a, Tuple2<String, Long> b) {
            return Tuple2.of(a.f0, a.f1 + b.f1);
        }
    }

    static final TypeInformation<Tuple2<String, Long>> PAIR = Types.TUPLE(Types.STRING, Types.LONG);

    static void types(DataStream<Ev> in, Case c, boolean restore, Info info) {
        String uid = "types-keyed";
        String win = "window-sum";
        info.uids.add(uid);
        info.uids.add(win);
        info.perEvent = 2;
        if (restore) {
            DumpOp.Spec spec = new DumpOp.Spec(uid);
            spec.keyed.addAll(TypesFn.descriptors());
            spec.namespaceSerializer = VoidNamespaceSerializer.INSTANCE;
            in.keyBy(Ev::keyAsLong, Types.LONG).transform(uid, Types.STRING, new DumpOp<Ev>(spec)).uid(uid)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism);
            DumpOp.Spec ws = new DumpOp.Spec(win);
            ws.keyed.add(new ReducingStateDescriptor<>("window-contents", new SumAmounts(), PAIR));
            ws.namespaceSerializer = new TimeWindow.Serializer();
            ws.timerService = "window-timers";
            in.map(e -> Tuple2.of(e.key, (long) e.amount), PAIR).uid("to-pair").name("to-pair").setParallelism(1)
                    .keyBy(t -> t.f0, Types.STRING).transform(win, Types.STRING, new DumpOp<Tuple2<String, Long>>(ws)).uid(win)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism);
        } else {
            sink(in.keyBy(Ev::keyAsLong, Types.LONG).process(new TypesFn(uid)).uid(uid).name(uid)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism));
            DataStream<Tuple2<String, Long>> sums = in.map(e -> Tuple2.of(e.key, (long) e.amount), PAIR)
                    .uid("to-pair").name("to-pair").setParallelism(1)
                    .keyBy(t -> t.f0, Types.STRING)
                    .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
                    .trigger(new CountingTrigger(win))
                    .reduce(new SumAmounts()).uid(win).name(win)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism);
            sink(sums.map(t -> t.f0 + "=" + t.f1, Types.STRING).uid("format").name("format").setParallelism(1), "sink-windows");
        }
    }

    static void opstate(DataStream<Ev> in, Case c, boolean restore, Info info) {
        String tracker = "tracker";
        String bcast = "bcast";
        info.uids.add(tracker);
        info.uids.add(bcast);
        info.perEvent = 2 + c.parallelism;
        if (restore) {
            DumpOp.Spec ts = new DumpOp.Spec(tracker);
            ts.operatorLists.add(OpStateFns.seenSeqs());
            ts.unionLists.add(OpStateFns.unionCounts());
            in.rebalance().transform(tracker, Types.STRING, new DumpOp<Ev>(ts)).uid(tracker).setParallelism(c.parallelism);
            DumpOp.Spec bs = new DumpOp.Spec(bcast);
            bs.broadcasts.add(OpStateFns.labelCounts());
            in.rebalance().transform(bcast, Types.STRING, new DumpOp<Ev>(bs)).uid(bcast).setParallelism(c.parallelism);
        } else {
            // round-robin by sequence number (rebalance() would start at a random subtask)
            DataStream<Ev> tracked = in.partitionCustom((k, n) -> k % n, e -> e.seq).map(new OpStateFns.Tracker(tracker)).uid(tracker).name(tracker)
                    .setParallelism(c.parallelism);
            sink(tracked.connect(in.broadcast(OpStateFns.labelCounts())).process(new OpStateFns.Broadcaster(bcast))
                    .uid(bcast).name(bcast).setParallelism(c.parallelism));
        }
    }
}
