package gen;

import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Event-time trigger that also keeps the shadow model of the window operator's state: the
 * reduced (label, amount sum) per key and window, and the window's event-time timer.
 */
public class CountingTrigger extends Trigger<Tuple2<String, Long>, TimeWindow> {
    private final String uid;
    private final EventTimeTrigger inner = EventTimeTrigger.create();

    public CountingTrigger(String uid) {
        this.uid = uid;
    }

    @SuppressWarnings("unchecked")
    @Override
    public TriggerResult onElement(Tuple2<String, Long> el, long ts, TimeWindow w, TriggerContext ctx) throws Exception {
        String id = Truth.id(uid, "window-contents", "reducing", el.f0, w, null, null);
        Tuple2<String, Long> prev = (Tuple2<String, Long>) Truth.get(id);
        Truth.put(id, prev == null ? Tuple2.of(el.f0, el.f1) : Tuple2.of(prev.f0, prev.f1 + el.f1));
        Truth.timer(uid, "window-timers", "event_timer", el.f0, w, w.maxTimestamp());
        Truth.PROCESSED.incrementAndGet();
        return inner.onElement(el, ts, w, ctx);
    }

    @Override
    public TriggerResult onEventTime(long time, TimeWindow w, TriggerContext ctx) throws Exception {
        return inner.onEventTime(time, w, ctx);
    }

    @Override
    public TriggerResult onProcessingTime(long time, TimeWindow w, TriggerContext ctx) throws Exception {
        return inner.onProcessingTime(time, w, ctx);
    }

    @Override
    public void clear(TimeWindow w, TriggerContext ctx) throws Exception {
        inner.clear(w, ctx);
    }
}
