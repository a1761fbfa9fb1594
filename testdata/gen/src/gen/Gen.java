package gen;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Driver: runs each case on an in-process MiniCluster, snapshots it, reads it back, writes fixtures. */
public final class Gen {
    static String version;
    static Path outRoot;
    static Path tmpRoot;

    public static void main(String[] args) throws Exception {
        List<String> only = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--version": version = args[++i]; break;
                case "--out": outRoot = Paths.get(args[++i]).toAbsolutePath(); break;
                case "--tmp": tmpRoot = Paths.get(args[++i]).toAbsolutePath(); break;
                case "--case": only.add(args[++i]); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (args.length == 1 && args[0].equals("--list")) {
            return;
        }
        int failures = 0;
        for (Case c : Cases.all()) {
            if (!only.isEmpty() && only.stream().noneMatch(o -> c.name.equals(o) || c.name.startsWith(o + "-") || o.equals(c.job))) continue;
            long t0 = System.nanoTime();
            try {
                run(c);
                System.out.printf("OK   %s/%s (%.1fs)%n", version, c.name, (System.nanoTime() - t0) / 1e9);
            } catch (Exception e) {
                failures++;
                System.out.printf("FAIL %s/%s: %s%n", version, c.name, e);
                e.printStackTrace(System.out);
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    static Configuration config(Case c, Path tmp) {
        Map<String, String> m = new HashMap<>();
        m.put("state.backend.type", c.backend);
        m.put("execution.checkpointing.incremental", Boolean.toString(c.incremental));
        m.put("execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
        m.put("execution.checkpointing.savepoint-dir", tmp.resolve("savepoints").toUri().toString());
        m.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        m.put("execution.checkpointing.num-retained", "3");
        m.put("execution.checkpointing.snapshot-compression", Boolean.toString(c.compression));
        if (!c.inline) m.put("execution.checkpointing.data-inline-threshold", "0");
        m.put("parallelism.default", Integer.toString(c.parallelism));
        m.put("rest.bind-port", "0");
        m.put("rest.address", "127.0.0.1");
        m.put("jobmanager.rpc.address", "127.0.0.1");
        m.put("taskmanager.memory.managed.size", "256m");
        m.put("taskmanager.memory.network.min", "64m");
        m.put("taskmanager.memory.network.max", "64m");
        m.put("taskmanager.numberOfTaskSlots", "8");
        return Configuration.fromMap(m);
    }

    static JobID fixedJobId(String s) {
        long h1 = 1125899906842597L, h2 = 31L;
        for (char ch : s.toCharArray()) {
            h1 = 31 * h1 + ch;
            h2 = 131 * h2 + ch;
        }
        return new JobID(h1, h2);
    }

    static final class Snap {
        String name, kind, format, path;
        long checkpointId;
        int metadataVersion;
        List<String> written;
        List<String> readback;
    }

    static void run(Case c) throws Exception {
        Path tmp = tmpRoot.resolve(version).resolve(c.name);
        deleteTree(tmp);
        Files.createDirectories(tmp);
        Truth.reset();
        DumpOp.OPERATOR_IDS.clear();
        Feed.reset(Feed.plan(c.seed, c.events, c.keys));
        Configuration conf = config(c, tmp);
        MiniClusterConfiguration mcc = new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(8).build();
        List<Snap> snaps = new ArrayList<>();
        Map<String, String> inventoryOps = new LinkedHashMap<>();
        StringBuilder opsJson = new StringBuilder();
        JobID jid = fixedJobId(version + "/" + c.name);
        try (MiniCluster mc = new MiniCluster(mcc)) {
            mc.start();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.disableOperatorChaining();
            Jobs.Info info = Jobs.build(c.job, env, c, false);
            List<String> uids = info.uids;
            org.apache.flink.streaming.api.graph.StreamGraph sg = env.getStreamGraph();
            Map<String, String> nameToUid = new HashMap<>();
            for (org.apache.flink.streaming.api.graph.StreamNode n : sg.getStreamNodes())
                nameToUid.put(n.getOperatorName(), n.getTransformationUID());
            JobGraph jg = sg.getJobGraph();
            jg.setJobID(jid);
            for (JobVertex v : jg.getVertices()) {
                for (OperatorIDPair p : v.getOperatorIDs()) {
                    String name = nameToUid.getOrDefault(v.getName(), nameToUid.getOrDefault(v.getName().replaceFirst("^Source: ", ""), v.getName()));
                    inventoryOps.put(name, p.getGeneratedOperatorID().toHexString());
                    if (opsJson.length() > 0) opsJson.append(",\n    ");
                    opsJson.append("{\"uid\":").append(Json.str(name))
                            .append(",\"operator_id\":").append(Json.str(p.getGeneratedOperatorID().toHexString()))
                            .append(",\"stateful\":").append(uids.contains(name))
                            .append(",\"parallelism\":").append(v.getParallelism())
                            .append(",\"max_parallelism\":").append(v.getMaxParallelism()).append('}');
                }
            }
            mc.submitJob(jg).get();
            int[] stops = c.kind.equals("chain")
                    ? new int[] {c.events / 3, 2 * c.events / 3, c.events}
                    : new int[] {c.events};
            for (int stop : stops) {
                Feed.release(stop);
                long target = (long) stop * info.perEvent;
                long end = System.currentTimeMillis() + 120_000L;
                while (Truth.PROCESSED.get() < target) {
                    failIfEnded(mc, jid);
                    if (System.currentTimeMillis() > end)
                        throw new IllegalStateException("timed out waiting for records: " + Truth.PROCESSED.get() + " of " + target);
                    Thread.sleep(50);
                }
                Snap s = new Snap();
                if (c.kind.equals("savepoint")) {
                    SavepointFormatType f = c.format.equals("native") ? SavepointFormatType.NATIVE : SavepointFormatType.CANONICAL;
                    String p = retry(() -> { failIfEnded(mc, jid); return mc.triggerSavepoint(jid, tmp.resolve("savepoints").toUri().toString(), false, f).get(60, TimeUnit.SECONDS); });
                    s.name = "savepoint";
                    s.kind = "savepoint";
                    s.format = c.format;
                    s.path = Paths.get(URI.create(p.startsWith("file:/") && !p.startsWith("file:///") ? "file://" + p.substring(5) : p)).toString();
                } else {
                    Long id = retry(() -> { failIfEnded(mc, jid); return mc.triggerCheckpoint(jid, CheckpointType.CONFIGURED).get(60, TimeUnit.SECONDS); });
                    s.name = "chk-" + id;
                    s.kind = "checkpoint";
                    s.format = c.incremental ? "incremental" : "full";
                    s.path = tmp.resolve("checkpoints").resolve(jid.toHexString()).resolve("chk-" + id).toString();
                }
                s.written = Truth.writtenLines();
                readHeader(s);
                snaps.add(s);
            }
            mc.cancelJob(jid).get();
            mc.requestJobResult(jid).get();

            // read back every snapshot with a bounded job
            for (Snap s : snaps) {
                Truth.READBACK.clear();
                StreamExecutionEnvironment renv = StreamExecutionEnvironment.getExecutionEnvironment(conf);
                renv.disableOperatorChaining();
                Jobs.build(c.job, renv, c, true);
                JobGraph rg = renv.getStreamGraph().getJobGraph();
                rg.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(s.path, true));
                JobID rid = fixedJobId("readback/" + version + "/" + c.name + "/" + s.name);
                rg.setJobID(rid);
                mc.submitJob(rg).get();
                JobResult r = mc.requestJobResult(rid).get();
                if (!r.isSuccess()) {
                    throw new RuntimeException("read-back job failed for " + s.name,
                            r.getSerializedThrowable().get().deserializeError(Gen.class.getClassLoader()));
                }
                List<String> back = Truth.readbackLines();
                if (!back.equals(s.written)) {
                    throw new IllegalStateException("written and read-back differ for " + c.name + "/" + s.name + ": "
                            + firstDiff(s.written, back));
                }
                s.readback = back;
                for (String uid : uids) {
                    if (!inventoryOps.get(uid).equals(DumpOp.OPERATOR_IDS.get(uid)))
                        throw new IllegalStateException("operator id differs on restore for " + uid);
                }
            }
        }
        // move into the repository, with paths relative to the case directory
        Path dest = outRoot.resolve("flink-" + version).resolve(c.name);
        deleteTree(dest);
        Files.createDirectories(dest);
        StringBuilder snapJson = new StringBuilder();
        if (c.kind.equals("savepoint")) {
            Snap s = snaps.get(0);
            Files.move(Paths.get(s.path), dest.resolve("savepoint"));
            s.path = "savepoint";
        } else {
            Files.move(tmp.resolve("checkpoints"), dest.resolve("checkpoints"));
            for (Snap s : snaps) s.path = "checkpoints/" + jid.toHexString() + "/" + s.name;
        }
        for (Snap s : snaps) {
            Files.write(dest.resolve(s.name + ".written.jsonl"), s.written, StandardCharsets.UTF_8);
            Files.write(dest.resolve(s.name + ".readback.jsonl"), s.readback, StandardCharsets.UTF_8);
            if (snapJson.length() > 0) snapJson.append(",\n    ");
            snapJson.append("{\"name\":").append(Json.str(s.name))
                    .append(",\"kind\":").append(Json.str(s.kind))
                    .append(",\"format\":").append(Json.str(s.format))
                    .append(",\"checkpoint_id\":").append(s.checkpointId)
                    .append(",\"metadata_version\":").append(s.metadataVersion)
                    .append(",\"path\":").append(Json.str(s.path))
                    .append(",\"written\":").append(Json.str(s.name + ".written.jsonl"))
                    .append(",\"readback\":").append(Json.str(s.name + ".readback.jsonl"))
                    .append(",\"lines\":").append(s.written.size()).append('}');
        }
        String inv = "{\n  \"flink_version\": " + Json.str(version)
                + ",\n  \"case\": " + Json.str(c.name)
                + ",\n  \"job\": " + Json.str(c.job)
                + ",\n  \"job_id\": " + Json.str(jid.toHexString())
                + ",\n  \"backend\": " + Json.str(c.backend)
                + ",\n  \"incremental\": " + c.incremental
                + ",\n  \"compression\": " + Json.str(c.compression ? "snappy" : "none")
                + ",\n  \"inline_threshold\": " + Json.str(c.inline ? "20 kb (default)" : "0")
                + ",\n  \"parallelism\": " + c.parallelism
                + ",\n  \"max_parallelism\": " + c.maxParallelism
                + ",\n  \"events\": " + c.events
                + ",\n  \"seed\": " + c.seed
                + ",\n  \"operators\": [\n    " + opsJson + "\n  ]"
                + ",\n  \"snapshots\": [\n    " + snapJson + "\n  ]\n}\n";
        Files.write(dest.resolve("inventory.json"), inv.getBytes(StandardCharsets.UTF_8));
        deleteTree(tmp);
    }

    /** _metadata starts with magic, version, checkpoint id. */
    static void readHeader(Snap s) throws IOException {
        try (InputStream in = Files.newInputStream(Paths.get(s.path, "_metadata"));
                DataInputStream d = new DataInputStream(in)) {
            int magic = d.readInt();
            if (magic != 0x4960672d) throw new IOException("bad _metadata magic " + Integer.toHexString(magic));
            s.metadataVersion = d.readInt();
            s.checkpointId = d.readLong();
        }
    }

    static void failIfEnded(MiniCluster mc, JobID jid) throws Exception {
        if (mc.getJobStatus(jid).get().isGloballyTerminalState()) {
            JobResult r = mc.requestJobResult(jid).get();
            throw new RuntimeException("writing job ended early",
                    r.getSerializedThrowable().map(t -> t.deserializeError(Gen.class.getClassLoader())).orElse(null));
        }
    }

    static String firstDiff(List<String> a, List<String> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "<none>";
            String y = i < b.size() ? b.get(i) : "<none>";
            if (!x.equals(y)) return "line " + i + " (written " + a.size() + ", read " + b.size() + ")\n  written: " + x + "\n  read:    " + y;
        }
        return "none";
    }

    interface Cond { boolean ok(); }
    interface Call<T> { T call() throws Exception; }

    static void waitFor(Cond c, int seconds, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (!c.ok()) {
            if (System.currentTimeMillis() > end) throw new IllegalStateException("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    static <T> T retry(Call<T> call) throws Exception {
        Exception last = null;
        for (int i = 0; i < 40; i++) {
            try {
                return call.call();
            } catch (Exception e) {
                if (e.getMessage() != null && e.getMessage().startsWith("writing job ended early")) throw e;
                last = e;
                Thread.sleep(500);
            }
        }
        throw last;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
