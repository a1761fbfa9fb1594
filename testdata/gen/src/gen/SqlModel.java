package gen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SQL job's four queries in plain Java, written from the SQL semantics, not from Flink: the
 * state each query must hold after a list of events, and the changelog each emits. Nothing here
 * reads Flink state or Flink output.
 */
public final class SqlModel {
    static final long MINUTE = 60_000L;

    /** GROUP BY key: SUM(amount) (INT), COUNT(*) (BIGINT), MAX(amount) (INT). */
    final Map<String, long[]> agg = new TreeMap<>();
    /** ROW_NUMBER() OVER (PARTITION BY key ORDER BY rt DESC) = 1: the kept (latest) row. */
    final Map<String, Ev> dedup = new TreeMap<>();
    /** The join's two inputs as stored: seq values per key (each row once, count 1). */
    final Map<String, List<Integer>> left = new TreeMap<>(), right = new TreeMap<>();
    /** TUMBLE 1 minute, per key and window end: {COUNT(*), SUM(amount)}, windows not yet fired. */
    final Map<String, TreeMap<Long, long[]>> windows = new TreeMap<>();
    long watermark = Long.MIN_VALUE;

    final List<String> out = new ArrayList<>();

    static long windowEnd(long ts) {
        return ts - Math.floorMod(ts, MINUTE) + MINUTE;
    }

    void process(Ev e) {
        long[] a = agg.get(e.key);
        if (a == null) {
            a = new long[] {e.amount, 1, e.amount};
            agg.put(e.key, a);
            out.add(SqlJob.line("agg", "+I", aggRow(e.key, a)));
        } else {
            out.add(SqlJob.line("agg", "-U", aggRow(e.key, a)));
            a[0] += e.amount;
            a[1] += 1;
            a[2] = Math.max(a[2], e.amount);
            out.add(SqlJob.line("agg", "+U", aggRow(e.key, a)));
        }

        Ev prev = dedup.get(e.key);
        if (prev == null) {
            dedup.put(e.key, e);
            out.add(SqlJob.line("dedup", "+I", dedupRow(e)));
        } else if (prev.ts <= e.ts) {
            dedup.put(e.key, e);
            out.add(SqlJob.line("dedup", "-U", dedupRow(prev)));
            out.add(SqlJob.line("dedup", "+U", dedupRow(e)));
        }

        if (e.label.equals("alpha") || e.label.equals("beta")) {
            for (int r : right.getOrDefault(e.key, Collections.emptyList()))
                out.add(SqlJob.line("join", "+I", Json.str(e.key) + "," + e.seq + "," + r));
            left.computeIfAbsent(e.key, k -> new ArrayList<>()).add(e.seq);
        } else if (e.label.equals("gamma")) {
            for (int l : left.getOrDefault(e.key, Collections.emptyList()))
                out.add(SqlJob.line("join", "+I", Json.str(e.key) + "," + l + "," + e.seq));
            right.computeIfAbsent(e.key, k -> new ArrayList<>()).add(e.seq);
        }

        if (windowEnd(e.ts) - 1 > watermark) {
            long[] w = windows.computeIfAbsent(e.key, k -> new TreeMap<>()).computeIfAbsent(windowEnd(e.ts), k -> new long[2]);
            w[0] += 1;
            w[1] += e.amount;
        }
    }

    /** Advances the watermark: every window whose end - 1 is at or below it fires (+I) and is dropped. */
    void advanceWatermark(long wm) {
        watermark = Math.max(watermark, wm);
        for (Map.Entry<String, TreeMap<Long, long[]>> k : windows.entrySet()) {
            while (!k.getValue().isEmpty() && k.getValue().firstKey() - 1 <= watermark) {
                Map.Entry<Long, long[]> w = k.getValue().pollFirstEntry();
                out.add(SqlJob.line("window", "+I", Json.str(k.getKey()) + "," + (w.getKey() - MINUTE) + "," + w.getKey()
                        + "," + w.getValue()[0] + "," + w.getValue()[1]));
            }
        }
    }

    static String aggRow(String key, long[] a) {
        return Json.str(key) + "," + a[0] + "," + a[1] + "," + a[2];
    }

    static String dedupRow(Ev e) {
        return Json.str(e.key) + "," + e.amount + "," + Json.str(e.label) + "," + e.seq;
    }

    /** The changelog lines of one query, sorted (the order across keys is not deterministic). */
    List<String> output(String q) {
        List<String> l = new ArrayList<>();
        String p = "{\"query\":" + Json.str(q) + ",";
        for (String s : out) if (s.startsWith(p)) l.add(s);
        Collections.sort(l);
        return l;
    }

    /**
     * What the state must hold, one JSON object per line, sorted. The SQL operators' state is
     * RowData; the fields listed are the values the SQL semantics put there (see README).
     */
    List<String> stateLines() {
        List<String> l = new ArrayList<>();
        for (Map.Entry<String, long[]> e : agg.entrySet())
            l.add("{\"query\":\"agg\",\"state\":\"accState\",\"key\":[" + Json.str(e.getKey()) + "],\"acc\":{\"sum_amount\":"
                    + e.getValue()[0] + ",\"count1\":" + e.getValue()[1] + ",\"max_amount\":" + e.getValue()[2] + "}}");
        for (Ev e : dedup.values())
            l.add("{\"query\":\"dedup\",\"state\":\"deduplicate-state\",\"key\":[" + Json.str(e.key) + "],\"row\":{\"key\":"
                    + Json.str(e.key) + ",\"amount\":" + e.amount + ",\"label\":" + Json.str(e.label) + ",\"seq\":" + e.seq
                    + ",\"rt\":" + e.ts + "}}");
        for (String side : new String[] {"left", "right"})
            for (Map.Entry<String, List<Integer>> e : (side.equals("left") ? left : right).entrySet())
                for (int seq : e.getValue())
                    l.add("{\"query\":\"join\",\"state\":\"" + side + " records\",\"key\":[" + Json.str(e.getKey())
                            + "],\"row\":{\"key\":" + Json.str(e.getKey()) + ",\"seq\":" + seq + "},\"count\":1}");
        for (Map.Entry<String, TreeMap<Long, long[]>> k : windows.entrySet())
            for (Map.Entry<Long, long[]> w : k.getValue().entrySet())
                l.add("{\"query\":\"window\",\"state\":\"window-aggs\",\"key\":[" + Json.str(k.getKey()) + "],\"window_end\":"
                        + w.getKey() + ",\"acc\":{\"count1\":" + w.getValue()[0] + ",\"sum_amount\":" + w.getValue()[1] + "}}");
        Collections.sort(l);
        return l;
    }
}
