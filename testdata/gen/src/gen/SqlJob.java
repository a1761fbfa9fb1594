package gen;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * The Flink SQL job: four queries over one event stream, each ending in a changelog sink that
 * records what it emits (rendered as JSON text) in OUT. The SQL operators get no uids: their
 * OperatorIDs are the ones Flink hashes from the topology, identical for the writing and the
 * restoring job because both are built by this one method.
 */
public final class SqlJob {
    private SqlJob() {}

    public static final String[] QUERIES = {"agg", "dedup", "join", "window"};

    public static final String AGG = "SELECT `key`, SUM(amount) AS s, COUNT(*) AS c, MAX(amount) AS m FROM ev GROUP BY `key`";
    public static final String DEDUP = "SELECT `key`, amount, label, seq FROM ("
            + "SELECT `key`, amount, label, seq, ROW_NUMBER() OVER (PARTITION BY `key` ORDER BY rt DESC) AS rn FROM ev"
            + ") WHERE rn = 1";
    public static final String JOIN = "SELECT l.`key`, l.seq AS lseq, r.seq AS rseq FROM "
            + "(SELECT `key`, seq FROM ev WHERE label IN ('alpha', 'beta')) l JOIN "
            + "(SELECT `key`, seq FROM ev WHERE label = 'gamma') r ON l.`key` = r.`key`";
    public static final String WINDOW = "SELECT `key`, window_start, window_end, COUNT(*) AS c, SUM(amount) AS s "
            + "FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(rt), INTERVAL '1' MINUTES)) GROUP BY `key`, window_start, window_end";

    static final Map<String, ConcurrentLinkedQueue<String>> OUT = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> COUNT = new ConcurrentHashMap<>();

    static void resetOutput() {
        for (String q : QUERIES) {
            OUT.put(q, new ConcurrentLinkedQueue<>());
            COUNT.put(q, new AtomicInteger());
        }
    }

    static List<String> sorted(String q) {
        List<String> l = new ArrayList<>(OUT.get(q));
        Collections.sort(l);
        return l;
    }

    /**
     * Builds the job. The writing job's source emits no watermarks (windows never fire, so the
     * savepoint holds every window); the restoring job's source, same uid, emits monotonous
     * watermarks so that a late event fires the restored windows.
     */
    public static void build(StreamExecutionEnvironment env, boolean watermarks) {
        StreamTableEnvironment t = StreamTableEnvironment.create(env);
        resetPlannerCounter(t);
        t.getConfig().set("table.local-time-zone", "UTC");
        DataGeneratorSource<Ev> src = new DataGeneratorSource<>(new Feed.Gen(), Long.MAX_VALUE, TypeInformation.of(Ev.class));
        WatermarkStrategy<Ev> wm = watermarks
                ? WatermarkStrategy.<Ev>forMonotonousTimestamps().withTimestampAssigner((e, ts) -> e.ts)
                : WatermarkStrategy.<Ev>noWatermarks().withTimestampAssigner((e, ts) -> e.ts);
        DataStream<Ev> in = env.fromSource(src, wm, "src").uid("src").setParallelism(1)
                .filter(Ev::real).name("src-real").uid("src-real").setParallelism(1);
        Table ev = t.fromDataStream(in, Schema.newBuilder()
                .columnByMetadata("rt", org.apache.flink.table.api.DataTypes.TIMESTAMP_LTZ(3), "rowtime")
                .watermark("rt", "SOURCE_WATERMARK()")
                .build());
        t.createTemporaryView("ev", ev);
        String[] sql = {AGG, DEDUP, JOIN, WINDOW};
        for (int i = 0; i < QUERIES.length; i++) {
            final String q = QUERIES[i];
            t.toChangelogStream(t.sqlQuery(sql[i]))
                    .map(new Record(q)).name("record-" + q).uid("record-" + q)
                    .sinkTo(new DiscardingSink<>()).name("sink-" + q).uid("sink-" + q);
        }
    }

    /**
     * The planner numbers its nodes with a JVM-wide counter, and vertex names carry the number
     * ("GroupAggregate[4]"): without a reset, a case's names would depend on how many SQL jobs
     * this JVM built before. ExecNodeContext sits behind the planner loader's class loader.
     */
    static void resetPlannerCounter(StreamTableEnvironment t) {
        try {
            Object planner = ((org.apache.flink.table.api.internal.TableEnvironmentImpl) t).getPlanner();
            planner.getClass().getClassLoader()
                    .loadClass("org.apache.flink.table.planner.plan.nodes.exec.ExecNodeContext")
                    .getMethod("resetIdCounter").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reset the planner's node counter", e);
        }
    }

    /** Renders one changelog row as {"query":Q,"kind":"+I","row":[..]} and records it. */
    static final class Record implements MapFunction<Row, Integer> {
        final String q;

        Record(String q) {
            this.q = q;
        }

        @Override
        public Integer map(Row r) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.getArity(); i++) {
                if (i > 0) b.append(',');
                Object v = r.getField(i);
                if (v instanceof LocalDateTime) v = ((LocalDateTime) v).toInstant(ZoneOffset.UTC).toEpochMilli();
                if (v instanceof Instant) v = ((Instant) v).toEpochMilli();
                b.append(Json.of(v));
            }
            OUT.get(q).add(line(q, r.getKind().shortString(), b.toString()));
            COUNT.get(q).incrementAndGet();
            return 0;
        }
    }

    static String line(String q, String kind, String rowJson) {
        return "{\"query\":" + Json.str(q) + ",\"kind\":" + Json.str(kind) + ",\"row\":[" + rowJson + "]}";
    }
}
