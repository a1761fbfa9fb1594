package gen;

/** One generated fixture: which job, which backend, which kind of snapshot. */
public final class Case {
    public final String name;
    public final String job;
    String backend = "hashmap";
    /** savepoint | checkpoint | chain (three retained incremental checkpoints). */
    String kind = "savepoint";
    /** canonical | native (savepoints only). */
    String format = "canonical";
    boolean incremental;
    boolean compression;
    /** true keeps Flink's default 20 KB inline threshold; false writes every non-empty stream to its own file. */
    boolean inline;
    int parallelism = 2;
    int maxParallelism = 128;
    int events = 600;
    int keys = 60;
    long seed = 42;

    Case(String name, String job) {
        this.name = name;
        this.job = job;
    }

    Case backend(String b) { backend = b; return this; }
    Case checkpoint() { kind = "checkpoint"; return this; }
    Case chain() { kind = "chain"; incremental = true; return this; }
    Case nativeFormat() { format = "native"; return this; }
    Case compressed() { compression = true; return this; }
    Case inline() { inline = true; return this; }
    Case parallelism(int p) { parallelism = p; return this; }
    Case maxParallelism(int m) { maxParallelism = m; return this; }
    Case events(int n) { events = n; return this; }
}
