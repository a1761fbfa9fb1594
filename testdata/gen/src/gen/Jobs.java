package gen;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Job definitions. Each builds either the writing job or, with restore = true, the bounded
 * read-back job: same uids, parallelism and max parallelism, a DumpOp in place of each stateful
 * operator, and an empty source under another uid.
 */
public final class Jobs {
    private Jobs() {}

    /** uids of the stateful operators, for the inventory. */
    public static List<String> build(String job, StreamExecutionEnvironment env, Case c, boolean restore) {
        switch (job) {
            case "main": return main(env, c, restore);
            default: throw new IllegalArgumentException("unknown job " + job);
        }
    }

    static DataStream<Ev> input(StreamExecutionEnvironment env, boolean restore) {
        if (!restore) return Feed.source(env, "src");
        return env.fromData(TypeInformation.of(Ev.class), new Ev("", 0L, 0, "", -1)).uid("readback-src").name("readback-src")
                .setParallelism(1).filter(Ev::real).uid("readback-filter").name("readback-filter").setParallelism(1);
    }

    static List<String> main(StreamExecutionEnvironment env, Case c, boolean restore) {
        String uid = "main-keyed";
        DataStream<Ev> in = input(env, restore);
        if (restore) {
            DumpOp.Spec spec = new DumpOp.Spec(uid);
            spec.keyed.addAll(MainFn.descriptors());
            spec.namespaceSerializer = VoidNamespaceSerializer.INSTANCE;
            spec.timerService = "user-timers";
            in.keyBy(e -> e.key, Types.STRING).transform(uid, Types.STRING, new DumpOp<Ev>(spec)).uid(uid)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism);
        } else {
            in.keyBy(e -> e.key, Types.STRING).process(new MainFn(uid)).uid(uid).name(uid)
                    .setParallelism(c.parallelism).setMaxParallelism(c.maxParallelism)
                    .sinkTo(new DiscardingSink<>()).uid("sink").name("sink").setParallelism(1);
        }
        List<String> uids = new ArrayList<>();
        uids.add(uid);
        return uids;
    }
}
