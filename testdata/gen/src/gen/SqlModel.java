package gen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
    /** Keys whose kept row replaced an earlier one: Flink stores it with the kind it emitted it with, +U (else +I). */
    final Set<String> dedupUpdated = new TreeSet<>();
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
            dedupUpdated.add(e.key);
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
     * What the SQL operators' state must hold, one JSON object per line in {@link SqlState}'s
     * form, sorted: per key the aggregate's accumulator row (SUM, COUNT(*), MAX of amount), the
     * deduplication's kept row (amount, key, label, seq, rt; kind +I, or +U once it replaced another), every row stored on each side of
     * the join (key, seq) with its count 1 (neither side has a unique key, every seq differs),
     * per key and window end the window's accumulator row (COUNT(*), SUM(amount)) and its
     * event-time timer at end - 1, and the global window operator's union state "watermark":
     * each subtask's current watermark, Long.MIN_VALUE (no watermark is emitted while writing).
     * {@code ids}: operator name (see {@link SqlState.OpSpec#operator}) to OperatorID.
     */
    List<String> stateLines(Map<String, String> ids, int windowParallelism) {
        List<String> l = new ArrayList<>();
        String aggId = ids.get("GroupAggregate"), dedupId = ids.get("Deduplicate"), joinId = ids.get("Join"),
                winId = ids.get("GlobalWindowAggregate");
        for (Map.Entry<String, long[]> e : agg.entrySet()) {
            long[] a = e.getValue();
            l.add(SqlState.value(SqlState.id("GroupAggregate", aggId, "accState", "value", key(e.getKey()), SqlState.VOID, null),
                    SqlState.rowJson("+I", Arrays.asList(Long.toString(a[0]), Long.toString(a[1]), Long.toString(a[2])))));
        }
        for (Ev e : dedup.values())
            l.add(SqlState.value(SqlState.id("Deduplicate", dedupId, "deduplicate-state", "value", key(e.key), SqlState.VOID, null),
                    SqlState.rowJson(dedupUpdated.contains(e.key) ? "+U" : "+I", Arrays.asList(Integer.toString(e.amount), Json.str(e.key), Json.str(e.label),
                            Integer.toString(e.seq), Long.toString(e.ts)))));
        for (String side : new String[] {"left", "right"})
            for (Map.Entry<String, List<Integer>> e : (side.equals("left") ? left : right).entrySet())
                for (int seq : e.getValue())
                    l.add(SqlState.value(SqlState.id("Join", joinId, side + "-records", "map", key(e.getKey()), SqlState.VOID,
                            SqlState.rowJson("+I", Arrays.asList(Json.str(e.getKey()), Integer.toString(seq)))), "1"));
        for (Map.Entry<String, TreeMap<Long, long[]>> k : windows.entrySet())
            for (Map.Entry<Long, long[]> w : k.getValue().entrySet()) {
                String ns = Long.toString(w.getKey());
                l.add(SqlState.value(SqlState.id("GlobalWindowAggregate", winId, "window-aggs", "value", key(k.getKey()), ns, null),
                        SqlState.rowJson("+I", Arrays.asList(Long.toString(w.getValue()[0]), Long.toString(w.getValue()[1])))));
                l.add(SqlState.timer(SqlState.id("GlobalWindowAggregate", winId, "window-timers", "event_timer", key(k.getKey()), ns, null),
                        w.getKey() - 1));
            }
        List<Long> none = new ArrayList<>(Collections.nCopies(windowParallelism, Long.MIN_VALUE));
        l.add(SqlState.value(SqlState.id("GlobalWindowAggregate", winId, "watermark", "operator_union", null, null, null), Json.of(none)));
        Collections.sort(l);
        return l;
    }

    static String key(String k) {
        return "[" + Json.str(k) + "]";
    }
}
