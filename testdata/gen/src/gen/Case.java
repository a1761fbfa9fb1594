package gen;

/** One generated fixture: which job, which backend, which kind of snapshot. */
public final class Case implements java.io.Serializable {
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
    /** Evolution job: which src-evo directory supplies gen.evo.Profile, and what v2 changes. */
    String evoClasses = "v1";
    boolean evoV2, evoRename, evoLongAmount, evoTtl, evoExtra;
    String evoChanges = "";

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
    Case evo(String classes, String changes) { evoClasses = classes; evoV2 = true; evoChanges = changes; return this; }
    Case rename() { evoRename = true; return this; }
    Case longAmount() { evoLongAmount = true; return this; }
    Case ttl() { evoTtl = true; return this; }
    Case extraOperator() { evoExtra = true; return this; }
}
