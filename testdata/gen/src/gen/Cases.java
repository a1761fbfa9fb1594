package gen;

import java.util.Arrays;
import java.util.List;

/** Every fixture the generator writes, in priority order. */
public final class Cases {
    private Cases() {}

    public static List<Case> all() {
        return Arrays.asList(
                new Case("keyed-hashmap-savepoint", "main"),
                new Case("keyed-hashmap-savepoint-inline", "main").inline(),
                new Case("keyed-rocksdb-savepoint", "main").backend("rocksdb"),
                new Case("keyed-rocksdb-native-savepoint", "main").backend("rocksdb").nativeFormat(),
                new Case("keyed-rocksdb-full-checkpoint", "main").backend("rocksdb").checkpoint(),
                new Case("keyed-rocksdb-incremental-chain", "main").backend("rocksdb").chain(),
                new Case("keyed-hashmap-checkpoint", "main").checkpoint(),
                new Case("keyed-hashmap-savepoint-snappy", "main").compressed(),
                new Case("keyed-hashmap-checkpoint-snappy", "main").checkpoint().compressed(),
                new Case("keyed-hashmap-p1-savepoint", "main").parallelism(1),
                new Case("keyed-hashmap-maxp300-savepoint", "main").maxParallelism(300),
                new Case("keyed-rocksdb-maxp300-checkpoint", "main").backend("rocksdb").checkpoint().maxParallelism(300),
                new Case("types-hashmap-savepoint", "types"),
                new Case("types-rocksdb-savepoint", "types").backend("rocksdb"),
                new Case("types-rocksdb-checkpoint", "types").backend("rocksdb").checkpoint(),
                new Case("opstate-hashmap-savepoint", "opstate"),
                new Case("opstate-rocksdb-checkpoint", "opstate").backend("rocksdb").checkpoint());
    }
}
