package gen;

import java.util.ArrayList;
import java.util.List;

/** Value types used by the "types" job. */
public final class Model {
    private Model() {}

    public enum Level { LOW, MEDIUM, HIGH }

    /** A POJO with a nested POJO and a List field. */
    public static class Profile {
        public String name;
        public int score;
        public Address address;
        public List<String> tags = new ArrayList<>();

        public Profile() {}
    }

    public static class Address {
        public String city;
        public int zip;

        public Address() {}

        public Address(String city, int zip) {
            this.city = city;
            this.zip = zip;
        }
    }

    /** Not a POJO (final fields, no no-arg constructor): Flink falls back to Kryo for it. */
    public static final class Opaque {
        private final String tag;
        private final long[] values;

        public Opaque(String tag, long[] values) {
            this.tag = tag;
            this.values = values;
        }
    }
}
