package gen;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.types.Row;

/** Renders values as stable JSON text, so that written and read-back state compare as strings. */
public final class Json {
    private Json() {}

    public static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }

    public static String of(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return str((String) v);
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return v.toString();
        if (v instanceof Double || v instanceof Float) return v.toString();
        if (v instanceof Boolean) return v.toString();
        if (v instanceof Character) return str(v.toString());
        if (v instanceof byte[]) {
            StringBuilder b = new StringBuilder();
            for (byte x : (byte[]) v) b.append(String.format("%02x", x & 0xff));
            return "{\"bytes\":" + str(b.toString()) + "}";
        }
        if (v.getClass().isArray()) {
            List<Object> xs = new ArrayList<>();
            for (int i = 0; i < java.lang.reflect.Array.getLength(v); i++) xs.add(java.lang.reflect.Array.get(v, i));
            return of(xs);
        }
        if (v instanceof Enum) return "{\"enum\":" + str(((Enum<?>) v).name()) + "}";
        if (v instanceof VoidNamespace) return "\"VoidNamespace\"";
        if (v instanceof TimeWindow) {
            TimeWindow w = (TimeWindow) v;
            return "{\"window_start\":" + w.getStart() + ",\"window_end\":" + w.getEnd() + "}";
        }
        if (v instanceof Tuple) {
            Tuple t = (Tuple) v;
            StringBuilder b = new StringBuilder("{");
            for (int i = 0; i < t.getArity(); i++) {
                if (i > 0) b.append(',');
                b.append("\"f").append(i).append("\":").append(of(t.getField(i)));
            }
            return b.append('}').toString();
        }
        if (v instanceof Row) {
            Row r = (Row) v;
            List<Object> fs = new ArrayList<>();
            for (int i = 0; i < r.getArity(); i++) fs.add(r.getField(i));
            return "{\"row_kind\":" + str(r.getKind().shortString()) + ",\"fields\":" + of(fs) + "}";
        }
        if (v instanceof Collection) {
            StringBuilder b = new StringBuilder("[");
            boolean first = true;
            for (Object o : (Collection<?>) v) {
                if (!first) b.append(',');
                first = false;
                b.append(of(o));
            }
            return b.append(']').toString();
        }
        if (v instanceof Map) {
            List<String> es = new ArrayList<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) es.add("[" + of(e.getKey()) + "," + of(e.getValue()) + "]");
            es.sort(null);
            return "{\"map\":[" + String.join(",", es) + "]}";
        }
        // POJO or any other object: its non-static fields, sorted by name.
        List<Field> fields = new ArrayList<>();
        for (Class<?> c = v.getClass(); c != null && c != Object.class; c = c.getSuperclass())
            for (Field f : c.getDeclaredFields()) if (!Modifier.isStatic(f.getModifiers())) fields.add(f);
        fields.sort((a, b) -> a.getName().compareTo(b.getName()));
        StringBuilder b = new StringBuilder("{\"class\":" + str(v.getClass().getSimpleName()));
        for (Field f : fields) {
            f.setAccessible(true);
            try {
                b.append(',').append(str(f.getName())).append(':').append(of(f.get(v)));
            } catch (IllegalAccessException e) {
                throw new RuntimeException(e);
            }
        }
        return b.append('}').toString();
    }
}
