package gen;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;

/**
 * Benchmark snapshots: a lean job (chained, no shadow model) whose one keyed operator
 * ({@code scale-keyed}, key String, parallelism 2, max parallelism 128) holds per record a
 * MapState entry (seq → a ~200-byte text payload) and a ListState element (seq), and per key a
 * ValueState (the last payload). Key {@code hot} gets 30% of the records. Deterministic: record i
 * is a function of i only. Self-contained (uses no other class of this package).
 *
 * <pre>
 *   gen.Scale write --records N --backend hashmap|rocksdb --out DIR [--snapshots savepoint,native,checkpoint]
 *   gen.Scale read --snapshot PATH --backend hashmap|rocksdb --tmp DIR [--result FILE]
 * </pre>
 *
 * {@code read} restores the snapshot into a bounded job with the same uid and reads every key's
 * value, map entries and list (as the generator's read-back does), then prints and writes the
 * counts and the time from job submission to job end (JVM start excluded).
 */
public final class Scale {
    static final String UID = "scale-keyed";
    static final int PAYLOADS = 4096;
    static final int PAYLOAD_CHARS = 1000;
    static final String[] WORDS = {"flink", "state", "savepoint", "checkpoint", "rocksdb", "heap", "key", "group",
        "offset", "snappy", "block", "value", "list", "map", "timer", "window", "operator", "uid", "stream", "record",
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"};

    static final AtomicLong PROCESSED = new AtomicLong();
    static final AtomicLong RELEASED = new AtomicLong();
    static final AtomicLong KEYS_READ = new AtomicLong();
    static final AtomicLong ENTRIES_READ = new AtomicLong();
    static final AtomicLong CHARS_READ = new AtomicLong();

    static final ValueStateDescriptor<String> LAST = new ValueStateDescriptor<>("last", Types.STRING);
    static final MapStateDescriptor<Long, String> BY_SEQ = new MapStateDescriptor<>("by_seq", Types.LONG, Types.STRING);
    static final ListStateDescriptor<Long> SEQS = new ListStateDescriptor<>("seqs", Types.LONG);

    private Scale() {}

    static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    static String[] payloads() {
        Random r = new Random(42);
        String[] out = new String[PAYLOADS];
        for (int i = 0; i < PAYLOADS; i++) {
            StringBuilder b = new StringBuilder(PAYLOAD_CHARS + 16);
            while (b.length() < PAYLOAD_CHARS) b.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(100)).append(' ');
            out[i] = b.toString();
        }
        return out;
    }

    /** Record i: (key, seq). 30% "hot", else one of `keys` keys. */
    static final class Gen implements GeneratorFunction<Long, Tuple2<String, Long>> {
        final long keys;
        long next;

        Gen(long keys) {
            this.keys = keys;
        }

        @Override
        public Tuple2<String, Long> map(Long ignored) throws Exception {
            if (next >= RELEASED.get()) {
                Thread.sleep(20);
                return Tuple2.of("", -1L);
            }
            long i = next++;
            long h = mix(i);
            String key = Long.remainderUnsigned(h, 100) < 30 ? "hot" : "k" + Long.remainderUnsigned(h >>> 8, keys);
            return Tuple2.of(key, i);
        }
    }

    static final class Fn extends KeyedProcessFunction<String, Tuple2<String, Long>, String> {
        transient ValueState<String> last;
        transient MapState<Long, String> bySeq;
        transient ListState<Long> seqs;
        transient String[] payloads;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            last = getRuntimeContext().getState(LAST);
            bySeq = getRuntimeContext().getMapState(BY_SEQ);
            seqs = getRuntimeContext().getListState(SEQS);
            payloads = payloads();
        }

        @Override
        public void processElement(Tuple2<String, Long> e, Context ctx, Collector<String> out) throws Exception {
            String p = payloads[(int) (mix(~e.f1) & (PAYLOADS - 1))];
            last.update(p);
            bySeq.put(e.f1, p);
            seqs.add(e.f1);
            PROCESSED.incrementAndGet();
        }
    }

    /** Reads every key's three states in open(); counts what it saw. */
    static final class Read extends AbstractStreamOperator<String> implements OneInputStreamOperator<Tuple2<String, Long>, String> {
        @SuppressWarnings("unchecked")
        @Override
        public void open() throws Exception {
            super.open();
            KeyedStateBackend<String> be = (KeyedStateBackend<String>) (KeyedStateBackend<?>) getKeyedStateBackend();
            ValueState<String> last = be.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, LAST);
            MapState<Long, String> bySeq = be.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, BY_SEQ);
            ListState<Long> seqs = be.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, SEQS);
            List<String> keys;
            try (Stream<String> s = be.getKeys(LAST.getName(), VoidNamespace.INSTANCE)) {
                keys = s.collect(Collectors.toList());
            }
            long entries = 0, chars = 0;
            for (String k : keys) {
                setCurrentKey(k);
                String v = last.value();
                if (v != null) {
                    entries++;
                    chars += v.length();
                }
                for (Map.Entry<Long, String> e : bySeq.entries()) {
                    entries++;
                    chars += e.getValue().length() + (e.getKey() & 1);
                }
                Iterable<Long> xs = seqs.get();
                if (xs != null) for (Long x : xs) {
                    entries++;
                    chars += x & 1;
                }
            }
            KEYS_READ.addAndGet(keys.size());
            ENTRIES_READ.addAndGet(entries);
            CHARS_READ.addAndGet(chars);
        }

        @Override
        public void processElement(StreamRecord<Tuple2<String, Long>> element) {}
    }

    static Configuration config(String backend, boolean incremental, Path dir) {
        Map<String, String> m = new HashMap<>();
        m.put("state.backend.type", backend);
        m.put("execution.checkpointing.incremental", Boolean.toString(incremental));
        m.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        m.put("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        m.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        m.put("execution.checkpointing.num-retained", "3");
        m.put("execution.checkpointing.snapshot-compression", "true");
        m.put("parallelism.default", "2");
        m.put("io.tmp.dirs", dir.resolve("io-tmp").toString());
        m.put("rest.bind-port", "0");
        m.put("rest.address", "127.0.0.1");
        m.put("jobmanager.rpc.address", "127.0.0.1");
        m.put("taskmanager.memory.managed.size", "1g");
        m.put("taskmanager.memory.network.min", "64m");
        m.put("taskmanager.memory.network.max", "64m");
        m.put("taskmanager.numberOfTaskSlots", "2");
        return Configuration.fromMap(m);
    }

    /** The source has a uid of its own per job, so the reading job does not restore the writer's split. */
    static DataStream<Tuple2<String, Long>> source(StreamExecutionEnvironment env, String uid, long count, long keys) {
        DataGeneratorSource<Tuple2<String, Long>> src =
                new DataGeneratorSource<>(new Gen(keys), count, Types.TUPLE(Types.STRING, Types.LONG));
        return env.fromSource(src, WatermarkStrategy.noWatermarks(), uid).uid(uid).setParallelism(1)
                .filter(t -> t.f1 >= 0).uid(uid + "-real").setParallelism(1);
    }

    static MiniCluster cluster(Configuration conf) throws Exception {
        MiniCluster mc = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build());
        mc.start();
        return mc;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
        if (args.length > 0 && args[0].equals("write")) write(Long.parseLong(a.get("--records")), a.get("--backend"), Paths.get(a.get("--out")).toAbsolutePath(),
                java.util.Arrays.asList(a.getOrDefault("--snapshots", "savepoint,native,checkpoint").split(",")));
        else if (args.length > 0 && args[0].equals("read")) read(a.get("--snapshot"), a.get("--backend"), Paths.get(a.get("--tmp")).toAbsolutePath(), a.get("--result"));
        else throw new IllegalArgumentException("usage: gen.Scale write --records N --backend B --out DIR | read --snapshot P --backend B --tmp DIR");
        System.exit(0);
    }

    /**
     * hashmap: one canonical savepoint. rocksdb (incremental checkpoints on): a checkpoint after
     * half the records, then after all of them a canonical savepoint, a native savepoint and a
     * second checkpoint (which shares the first one's SST files), all of the same state;
     * {@code kinds} drops some of these (e.g. to save disk at 4 GB).
     */
    static void write(long records, String backend, Path out, List<String> kinds) throws Exception {
        boolean rocks = backend.equals("rocksdb");
        Configuration conf = config(backend, rocks, out);
        long t0 = System.nanoTime();
        RELEASED.set(0);
        PROCESSED.set(0);
        JobID jid = new JobID(0x5ca1eL, backend.hashCode());
        Map<String, String> snaps = new java.util.LinkedHashMap<>();
        try (MiniCluster mc = cluster(conf)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setMaxParallelism(128);
            source(env, "scale-src", Long.MAX_VALUE, Math.max(1, records / 16))
                    .keyBy(t -> t.f0, Types.STRING)
                    .process(new Fn()).uid(UID).name(UID).setParallelism(2)
                    .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>()).setParallelism(2);
            JobGraph jg = env.getStreamGraph().getJobGraph();
            jg.setJobID(jid);
            mc.submitJob(jg).get();
            boolean chk = rocks && kinds.contains("checkpoint");
            long[] stops = chk ? new long[] {records / 2, records} : new long[] {records};
            for (long stop : stops) {
                RELEASED.set(stop);
                long last = -1;
                while (PROCESSED.get() < stop) {
                    if (mc.getJobStatus(jid).get().isGloballyTerminalState()) throw new IllegalStateException("job ended early");
                    long tick = (System.nanoTime() - t0) / 30_000_000_000L;
                    if (tick != last) {
                        last = tick;
                        System.out.printf("  %s: %d of %d records (%.0fs)%n", backend, PROCESSED.get(), records, (System.nanoTime() - t0) / 1e9);
                    }
                    Thread.sleep(100);
                }
                System.out.printf("  %s: %d records in (%.0fs), snapshotting%n", backend, stop, (System.nanoTime() - t0) / 1e9);
                if (stop == records) {
                    String dir = out.resolve("savepoints").toUri().toString();
                    if (kinds.contains("savepoint") || !rocks) {
                        snaps.put(backend + "-savepoint", mc.triggerSavepoint(jid, dir, false, SavepointFormatType.CANONICAL).get(3600, TimeUnit.SECONDS));
                        System.out.printf("  canonical savepoint (%.0fs)%n", (System.nanoTime() - t0) / 1e9);
                    }
                    if (!rocks) break;
                    if (kinds.contains("native")) {
                        snaps.put("rocksdb-native", mc.triggerSavepoint(jid, dir, false, SavepointFormatType.NATIVE).get(3600, TimeUnit.SECONDS));
                        System.out.printf("  native savepoint (%.0fs)%n", (System.nanoTime() - t0) / 1e9);
                    }
                }
                if (!chk) continue;
                long id = mc.triggerCheckpoint(jid, CheckpointType.CONFIGURED).get(3600, TimeUnit.SECONDS);
                snaps.put("rocksdb-incremental", out.resolve("checkpoints").resolve(jid.toHexString()).resolve("chk-" + id).toString());
                System.out.printf("  checkpoint %d (%.0fs)%n", id, (System.nanoTime() - t0) / 1e9);
            }
            mc.cancelJob(jid).get();
            mc.requestJobResult(jid).get();
        }
        StringBuilder info = new StringBuilder("{\"backend\":\"" + backend + "\",\"records\":" + records
                + ",\"keys\":" + Math.max(1, records / 16) + ",\"payload_chars\":" + PAYLOAD_CHARS + ",\"seconds\":"
                + String.format("%.1f", (System.nanoTime() - t0) / 1e9) + ",\"snapshots\":{");
        String sep = "";
        for (Map.Entry<String, String> e : snaps.entrySet()) {
            String p = e.getValue();
            if (p.startsWith("file:")) p = Paths.get(java.net.URI.create(p.replaceFirst("^file:/+", "file:///"))).toString();
            info.append(sep).append('"').append(e.getKey()).append("\":\"").append(p).append('"');
            sep = ",";
        }
        info.append("}}\n");
        Files.write(out.resolve("snapshots.json"), info.toString().getBytes(StandardCharsets.UTF_8));
        System.out.print("OK " + info);
    }

    static void read(String snapshot, String backend, Path tmp, String result) throws Exception {
        Configuration conf = config(backend, false, tmp);
        JobID rid = new JobID(0x7eadL, snapshot.hashCode());
        long submitted, ended;
        try (MiniCluster mc = cluster(conf)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setMaxParallelism(128);
            source(env, "scale-read-src", 1, 1)
                    .keyBy(t -> t.f0, Types.STRING)
                    .transform(UID, Types.STRING, new Read()).uid(UID).setParallelism(2);
            JobGraph jg = env.getStreamGraph().getJobGraph();
            jg.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(snapshot, true));
            jg.setJobID(rid);
            submitted = System.nanoTime();
            mc.submitJob(jg).get();
            JobResult r = mc.requestJobResult(rid).get();
            ended = System.nanoTime();
            if (!r.isSuccess())
                throw new RuntimeException("read job failed", r.getSerializedThrowable().get().deserializeError(Scale.class.getClassLoader()));
        }
        String line = "{\"snapshot\":\"" + snapshot + "\",\"keys\":" + KEYS_READ.get() + ",\"entries\":" + ENTRIES_READ.get()
                + ",\"chars\":" + CHARS_READ.get() + ",\"job_seconds\":" + String.format("%.3f", (ended - submitted) / 1e9) + "}\n";
        System.out.print(line);
        if (result != null) Files.write(Paths.get(result), line.getBytes(StandardCharsets.UTF_8));
    }
}
