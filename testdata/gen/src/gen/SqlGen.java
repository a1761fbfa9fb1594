package gen;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;

/**
 * Driver for the SQL cases. The written truth is SqlModel's state after the planned events. The
 * read-back is behavioural: the savepoint is restored into the same SQL job (without
 * allowNonRestoredState), more events are fed, and the changelog Flink emits is compared with
 * what SqlModel says follows from exactly the written state.
 */
public final class SqlGen {
    private SqlGen() {}

    static final long FIRE_TS = Feed.BASE_TS + 10_000_000L;

    /** After the savepoint: per key (sorted) one left-side and one right-side event, then one late event. */
    static List<Ev> extras(Iterable<String> keys) {
        List<Ev> l = new ArrayList<>();
        int j = 0;
        for (String k : keys) {
            l.add(new Ev(k, Feed.BASE_TS + 3_600_000L + j * 10L, 1000 + j, "alpha", 100_000 + 2 * j));
            l.add(new Ev(k, Feed.BASE_TS + 3_600_000L + j * 10L + 5, 2, "gamma", 100_000 + 2 * j + 1));
            j++;
        }
        // key and label match nothing stored; its time moves the watermark past every window above
        l.add(new Ev("~fire", FIRE_TS, 7, "zeta", 200_000));
        return l;
    }

    static Map<String, String> operatorIds(JobGraph jg, StringBuilder json) {
        Map<String, String> ids = new LinkedHashMap<>();
        for (JobVertex v : jg.getVertices()) {
            for (OperatorIDPair p : v.getOperatorIDs()) {
                String id = p.getGeneratedOperatorID().toHexString();
                ids.put(v.getName() + "#" + id, id);
                if (json != null) {
                    if (json.length() > 0) json.append(",\n    ");
                    json.append("{\"name\":").append(Json.str(v.getName()))
                            .append(",\"operator_id\":").append(Json.str(id))
                            .append(",\"parallelism\":").append(v.getParallelism())
                            .append(",\"max_parallelism\":").append(v.getMaxParallelism()).append('}');
                }
            }
        }
        return ids;
    }

    /** The stateful SQL operators' specs, with OperatorID, parallelism and max parallelism from the JobGraph. */
    static List<SqlState.OpSpec> stateSpecs(JobGraph jg) {
        List<SqlState.OpSpec> specs = SqlState.specs();
        for (SqlState.OpSpec o : specs) {
            for (JobVertex v : jg.getVertices()) {
                String name = v.getName().replaceFirst("\\[[0-9]+\\]$", "");
                if (!name.equals(o.operator)) continue;
                if (o.operatorId != null) throw new IllegalStateException("two vertices named " + o.operator);
                o.operatorId = v.getOperatorIDs().get(0).getGeneratedOperatorID().toHexString();
                o.parallelism = v.getParallelism();
                o.maxParallelism = v.getMaxParallelism();
            }
            if (o.operatorId == null) throw new IllegalStateException("no vertex named " + o.operator + "[n] in the SQL job");
        }
        return specs;
    }

    /**
     * Restores the savepoint into a bounded job with one {@link SqlDumpOp} per stateful SQL
     * operator (same OperatorID, parallelism, max parallelism; keyed by the operator's key type)
     * and returns what they listed, sorted. allowNonRestoredState covers the operators not
     * dumped (source, calcs, sinks: no state of interest).
     */
    static List<String> dump(MiniCluster mc, Configuration conf, Case c, List<SqlState.OpSpec> specs, String path) throws Exception {
        Truth.READBACK.clear();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.disableOperatorChaining();
        env.setMaxParallelism(c.maxParallelism);
        DataStream<Long> one = env.fromSequence(0, 0).uid("sql-dump-src").name("sql-dump-src").setParallelism(1);
        for (SqlState.OpSpec o : specs) {
            one.keyBy(new ConstKey(), InternalTypeInfo.of(o.keyType))
                    .transform("dump-" + o.operator, Types.STRING, new SqlDumpOp(o))
                    .setUidHash(o.operatorId).setParallelism(o.parallelism).setMaxParallelism(o.maxParallelism)
                    .sinkTo(new DiscardingSink<>()).uid("sql-dump-sink-" + o.operator).name("sql-dump-sink-" + o.operator).setParallelism(1);
        }
        JobGraph g = env.getStreamGraph().getJobGraph();
        g.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(path, true));
        JobID id = Gen.fixedJobId("sql-dump/" + Gen.version + "/" + c.name);
        g.setJobID(id);
        mc.submitJob(g).get();
        JobResult r = mc.requestJobResult(id).get();
        if (!r.isSuccess())
            throw new RuntimeException("SQL state dump job failed", r.getSerializedThrowable().get().deserializeError(SqlGen.class.getClassLoader()));
        return Truth.readbackLines();
    }

    /** Every dummy record goes to one key; the dump operators ignore records. */
    static final class ConstKey implements KeySelector<Long, RowData> {
        @Override
        public RowData getKey(Long v) {
            return GenericRowData.of(StringData.fromString("~dump"));
        }
    }

    static JobGraph graph(Configuration conf, Case c, boolean watermarks) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.disableOperatorChaining();
        env.setMaxParallelism(c.maxParallelism);
        SqlJob.build(env, watermarks);
        return env.getStreamGraph().getJobGraph();
    }

    static void waitCounts(MiniCluster mc, JobID jid, SqlModel m, String what) throws Exception {
        long end = System.currentTimeMillis() + 180_000L;
        while (true) {
            boolean done = Feed.NEXT.get() >= Feed.RELEASED.get();
            for (String q : SqlJob.QUERIES) done &= SqlJob.COUNT.get(q).get() >= m.output(q).size();
            if (done) return;
            Gen.failIfEnded(mc, jid);
            if (System.currentTimeMillis() > end) {
                StringBuilder b = new StringBuilder();
                for (String q : SqlJob.QUERIES) b.append(' ').append(q).append('=').append(SqlJob.COUNT.get(q).get()).append('/').append(m.output(q).size());
                throw new IllegalStateException("timed out waiting for " + what + ":" + b);
            }
            Thread.sleep(100);
        }
    }

    static void run(Case c) throws Exception {
        String version = Gen.version;
        Path tmp = Gen.tmpRoot.resolve(version).resolve(c.name);
        Gen.deleteTree(tmp);
        Files.createDirectories(tmp);
        List<Ev> planned = Feed.plan(c.seed, c.events, c.keys);
        SqlModel model = new SqlModel();
        for (Ev e : planned) model.process(e);

        Configuration conf = Gen.config(c, tmp);
        MiniClusterConfiguration mcc = new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(8).build();
        JobID jid = Gen.fixedJobId(version + "/" + c.name);
        StringBuilder opsJson = new StringBuilder();
        Gen.Snap s = new Gen.Snap();
        List<String> expected = new ArrayList<>(), observed = new ArrayList<>();
        List<String> written, readback;
        try (MiniCluster mc = new MiniCluster(mcc)) {
            mc.start();
            SqlJob.resetOutput();
            Feed.reset(planned);
            JobGraph jg = graph(conf, c, false);
            Map<String, String> ids = operatorIds(jg, opsJson);
            List<SqlState.OpSpec> specs = stateSpecs(jg);
            jg.setJobID(jid);
            mc.submitJob(jg).get();
            Feed.release(planned.size());
            waitCounts(mc, jid, model, "the planned events");
            // what was emitted before the savepoint must also be what the model emits
            for (String q : SqlJob.QUERIES) {
                if (!SqlJob.sorted(q).equals(model.output(q)))
                    throw new IllegalStateException("writing job output differs for " + q + ": " + Gen.firstDiff(model.output(q), SqlJob.sorted(q)));
            }
            String p = Gen.retry(() -> { Gen.failIfEnded(mc, jid); return mc.triggerSavepoint(jid, tmp.resolve("savepoints").toUri().toString(), false, SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS); });
            s.name = "savepoint";
            s.kind = "savepoint";
            s.format = "canonical";
            s.path = Paths.get(URI.create(p.startsWith("file:/") && !p.startsWith("file:///") ? "file://" + p.substring(5) : p)).toString();
            Gen.readHeader(s);
            mc.cancelJob(jid).get();
            mc.requestJobResult(jid).get();
            Map<String, String> shortIds = new LinkedHashMap<>();
            int windowParallelism = 0;
            for (SqlState.OpSpec o : specs) {
                shortIds.put(o.operator, o.operatorId);
                if (o.unionLongState != null) windowParallelism = o.parallelism;
            }
            written = model.stateLines(shortIds, windowParallelism);

            // read the state back: a bounded job whose operators carry the SQL operators' IDs
            readback = dump(mc, conf, c, specs, s.path);
            if (!readback.equals(written))
                throw new IllegalStateException("written and read-back SQL state differ: " + Gen.firstDiff(written, readback));

            // restore into the same SQL job, feed more events, record the changelog
            model.out.clear();
            List<Ev> more = extras(model.agg.keySet());
            for (Ev e : more) model.process(e);
            model.advanceWatermark(FIRE_TS - 1);
            SqlJob.resetOutput();
            Feed.reset(more);
            Feed.release(more.size());
            JobGraph rg = graph(conf, c, true);
            Map<String, String> rids = operatorIds(rg, null);
            if (!new ArrayList<>(rids.values()).equals(new ArrayList<>(ids.values())))
                throw new IllegalStateException("restoring job's operator ids differ from the writing job's: " + ids.keySet() + " vs " + rids.keySet());
            rg.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(s.path, false));
            JobID rid = Gen.fixedJobId("restore/" + version + "/" + c.name);
            rg.setJobID(rid);
            mc.submitJob(rg).get();
            waitCounts(mc, rid, model, "the output after restore");
            Thread.sleep(2000); // anything beyond the expected output shows up as a difference
            for (String q : SqlJob.QUERIES) {
                expected.addAll(model.output(q));
                observed.addAll(SqlJob.sorted(q));
            }
            mc.cancelJob(rid).get();
            mc.requestJobResult(rid).get();
            if (!observed.equals(expected))
                throw new IllegalStateException("changelog after restore differs: " + Gen.firstDiff(expected, observed));
        }
        Path dest = Gen.outRoot.resolve("flink-" + version).resolve(c.name);
        Gen.deleteTree(dest);
        Files.createDirectories(dest);
        Files.move(Paths.get(s.path), dest.resolve("savepoint"));
        Files.write(dest.resolve("savepoint.written.jsonl"), written, StandardCharsets.UTF_8);
        Files.write(dest.resolve("savepoint.readback.jsonl"), readback, StandardCharsets.UTF_8);
        Files.write(dest.resolve("savepoint.restore-expected.jsonl"), expected, StandardCharsets.UTF_8);
        Files.write(dest.resolve("savepoint.restore-observed.jsonl"), observed, StandardCharsets.UTF_8);
        Files.write(dest.resolve("restore-input.jsonl"), evLines(extrasFor(model)), StandardCharsets.UTF_8);
        String inv = "{\n  \"flink_version\": " + Json.str(version)
                + ",\n  \"case\": " + Json.str(c.name)
                + ",\n  \"job\": \"sql\""
                + ",\n  \"job_id\": " + Json.str(jid.toHexString())
                + ",\n  \"backend\": " + Json.str(c.backend)
                + ",\n  \"incremental\": false"
                + ",\n  \"compression\": \"none\""
                + ",\n  \"inline_threshold\": " + Json.str(c.inline ? "20 kb (default)" : "0")
                + ",\n  \"parallelism\": " + c.parallelism
                + ",\n  \"max_parallelism\": " + c.maxParallelism
                + ",\n  \"events\": " + c.events
                + ",\n  \"seed\": " + c.seed
                + ",\n  \"queries\": {\"agg\": " + Json.str(SqlJob.AGG) + ", \"dedup\": " + Json.str(SqlJob.DEDUP)
                + ", \"join\": " + Json.str(SqlJob.JOIN) + ", \"window\": " + Json.str(SqlJob.WINDOW) + "}"
                + ",\n  \"uids\": \"none on the SQL operators (table.exec.uid.generation left at its default); their OperatorIDs are hashed by Flink from the topology and listed here by JobGraph vertex name\""
                + ",\n  \"readback_kind\": \"state dump: restored into a bounded DataStream job whose operators carry the SQL operators' OperatorIDs (setUidHash) and declare their state with RowData serializers of the expected RowTypes, every key, namespace, value, timer and union-state element listed; plus a behavioural check: restored into the same SQL job without allowNonRestoredState, fed restore-input.jsonl, emitted changelog compared with the one the written state implies\""
                + ",\n  \"operators\": [\n    " + opsJson + "\n  ]"
                + ",\n  \"snapshots\": [\n    {\"name\":\"savepoint\",\"kind\":\"savepoint\",\"format\":\"canonical\",\"checkpoint_id\":" + s.checkpointId
                + ",\"metadata_version\":" + s.metadataVersion + ",\"path\":\"savepoint\",\"written\":\"savepoint.written.jsonl\",\"readback\":\"savepoint.readback.jsonl\""
                + ",\"restore_expected\":\"savepoint.restore-expected.jsonl\",\"restore_observed\":\"savepoint.restore-observed.jsonl\",\"lines\":" + written.size() + "}\n  ]\n}\n";
        Files.write(dest.resolve("inventory.json"), inv.getBytes(StandardCharsets.UTF_8));
        Gen.deleteTree(tmp);
    }

    static List<Ev> extrasFor(SqlModel m) {
        List<String> keys = new ArrayList<>(m.agg.keySet());
        keys.remove("~fire");
        return extras(keys);
    }

    static List<String> evLines(List<Ev> l) {
        List<String> out = new ArrayList<>();
        for (Ev e : l)
            out.add("{\"key\":" + Json.str(e.key) + ",\"ts\":" + e.ts + ",\"amount\":" + e.amount + ",\"label\":" + Json.str(e.label) + ",\"seq\":" + e.seq + "}");
        return out;
    }
}
