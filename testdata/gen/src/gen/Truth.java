package gen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ground truth kept in this JVM (the MiniCluster runs in-process).
 *
 * <p>"Written" is a shadow model that the writing functions update next to every state update,
 * computed in plain Java and never read from Flink. "Read back" is what a restoring operator sees.
 */
public final class Truth {
    private Truth() {}

    /** One entry: the identity of a state cell, and its value as Java objects. */
    private static final Map<String, Object> WRITTEN = new ConcurrentHashMap<>();
    public static final ConcurrentLinkedQueue<String> READBACK = new ConcurrentLinkedQueue<>();
    /** Count of real (non-filler) records that reached the stateful operators. */
    public static final AtomicLong PROCESSED = new AtomicLong();

    public static String id(String uid, String state, String kind, Object key, Object ns, Object userKey, Integer subtask) {
        StringBuilder b = new StringBuilder("{\"uid\":").append(Json.str(uid));
        b.append(",\"state\":").append(Json.str(state));
        b.append(",\"kind\":").append(Json.str(kind));
        if (subtask != null) b.append(",\"subtask\":").append(subtask);
        if (key != null) b.append(",\"key\":").append(Json.of(key));
        if (ns != null) b.append(",\"namespace\":").append(Json.of(ns));
        if (userKey != null) b.append(",\"user_key\":").append(Json.of(userKey));
        return b.toString();
    }

    public static String line(String id, Object value) {
        return id + ",\"value\":" + Json.of(value) + "}";
    }

    public static Object get(String id) {
        return WRITTEN.get(id);
    }

    public static void put(String id, Object value) {
        WRITTEN.put(id, value);
    }

    public static void remove(String id) {
        WRITTEN.remove(id);
    }

    @SuppressWarnings("unchecked")
    public static void append(String id, Object element) {
        ((List<Object>) WRITTEN.computeIfAbsent(id, k -> Collections.synchronizedList(new ArrayList<>()))).add(element);
    }

    /** A timer is a set member: the value is the timestamp, the id includes it. */
    public static void timer(String uid, String service, String kind, Object key, Object ns, long ts) {
        WRITTEN.put(id(uid, service, kind, key, ns, null, null) + ",\"timestamp\":" + ts, TIMER);
    }

    private static final Object TIMER = new Object();

    /** Union list state: each subtask's part; rendered as one line with all elements, sorted. */
    private static final Map<String, Map<Integer, List<Object>>> UNIONS = new ConcurrentHashMap<>();

    public static void union(String uid, String state, int subtask, List<Object> elements) {
        UNIONS.computeIfAbsent(id(uid, state, "operator_union", null, null, null, null), k -> new ConcurrentHashMap<>())
                .put(subtask, elements);
    }

    public static List<String> writtenLines() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Map<Integer, List<Object>>> e : UNIONS.entrySet()) {
            List<String> xs = new ArrayList<>();
            for (List<Object> part : e.getValue().values()) for (Object o : part) xs.add(Json.of(o));
            xs.sort(null);
            out.add(e.getKey() + ",\"value\":[" + String.join(",", xs) + "]}");
        }
        for (Map.Entry<String, Object> e : new TreeMap<>(WRITTEN).entrySet()) {
            if (e.getValue() == TIMER) out.add(e.getKey() + "}");
            else out.add(line(e.getKey(), e.getValue()));
        }
        Collections.sort(out);
        return out;
    }

    public static List<String> readbackLines() {
        List<String> out = new ArrayList<>(READBACK);
        Collections.sort(out);
        return out;
    }

    public static void reset() {
        WRITTEN.clear();
        UNIONS.clear();
        READBACK.clear();
        PROCESSED.set(0);
    }
}
