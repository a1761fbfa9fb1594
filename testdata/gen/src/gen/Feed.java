package gen;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A deterministic, never-ending source: it emits the planned events up to the released count,
 * then filler records (dropped right after the source) slowly, so the job stays up until the
 * driver has taken its snapshot. Events are fixed by a seed; one "hot" key holds about 40%.
 */
public final class Feed {
    private Feed() {}

    public static final long BASE_TS = 1_700_000_000_000L;
    public static final String[] LABELS = {"alpha", "beta", "gamma", "delta", "epsilon"};

    static volatile List<Ev> events = new ArrayList<>();
    static final AtomicInteger RELEASED = new AtomicInteger();
    static final AtomicInteger NEXT = new AtomicInteger();

    public static List<Ev> plan(long seed, int count, int keys) {
        Random r = new Random(seed);
        List<Ev> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(next(r, i, keys));
        return out;
    }

    /** Event number i; r must have produced events 0..i-1 before (one sequence per seed). */
    static Ev next(Random r, int i, int keys) {
        String key = r.nextInt(100) < 40 ? "hot" : String.format("k%04d", r.nextInt(keys));
        long ts = BASE_TS + i * 1000L + r.nextInt(1000);
        return new Ev(key, ts, r.nextInt(1000), LABELS[r.nextInt(LABELS.length)], i);
    }

    /** Scale mode: events are made on demand instead of planned, so nothing large is held. */
    static volatile Random lazy;
    static volatile int lazyKeys;

    public static void resetLazy(long seed, int keys) {
        events = new ArrayList<>();
        lazy = new Random(seed);
        lazyKeys = keys;
        RELEASED.set(0);
        NEXT.set(0);
    }

    public static void reset(List<Ev> planned) {
        events = planned;
        lazy = null;
        RELEASED.set(0);
        NEXT.set(0);
    }

    public static void release(int upTo) {
        RELEASED.set(upTo);
    }

    static final class Gen implements GeneratorFunction<Long, Ev> {
        @Override
        public Ev map(Long index) throws Exception {
            int n = NEXT.get();
            Random r = lazy;
            if (r != null && n < RELEASED.get()) {
                NEXT.incrementAndGet();
                return next(r, n, lazyKeys);
            }
            if (n < RELEASED.get() && n < events.size()) {
                NEXT.incrementAndGet();
                return events.get(n);
            }
            Thread.sleep(20);
            return new Ev("", 0L, 0, "", -1);
        }
    }

    /** The source with uid "src" (parallelism 1), filler removed, event timestamps set, no watermarks. */
    public static DataStream<Ev> source(StreamExecutionEnvironment env, String uid) {
        DataGeneratorSource<Ev> src = new DataGeneratorSource<>(new Gen(), Long.MAX_VALUE, TypeInformation.of(Ev.class));
        WatermarkStrategy<Ev> wm = WatermarkStrategy.<Ev>noWatermarks().withTimestampAssigner((e, t) -> e.ts);
        return env.fromSource(src, wm, uid).uid(uid).setParallelism(1)
                .filter(Ev::real).name(uid + "-real").uid(uid + "-real").setParallelism(1);
    }
}
