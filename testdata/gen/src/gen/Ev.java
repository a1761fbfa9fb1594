package gen;

/** One input event. A POJO so that Flink uses its POJO serializer. seq < 0 marks a filler record. */
public class Ev {
    public String key;
    public long ts;
    public int amount;
    public String label;
    public int seq;

    public Ev() {}

    public Ev(String key, long ts, int amount, String label, int seq) {
        this.key = key;
        this.ts = ts;
        this.amount = amount;
        this.label = label;
        this.seq = seq;
    }

    public boolean real() {
        return seq >= 0;
    }

    public long keyAsLong() {
        return key.equals("hot") ? 0L : Long.parseLong(key.substring(1)) + 1;
    }
}
