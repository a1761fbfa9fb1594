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
                new Case("opstate-rocksdb-checkpoint", "opstate").backend("rocksdb").checkpoint(),
                // evolution: v1, then each v2 change alone, then all together
                new Case("evolution-v1", "evo"),
                new Case("evolution-rename-uid", "evo").evo("v1", "uid evo-counter renamed to evo-counter-renamed").rename(),
                new Case("evolution-pojo-add-field", "evo").evo("pojo-add-field", "POJO gen.evo.Profile gains field c (long)"),
                new Case("evolution-pojo-remove-field", "evo").evo("pojo-remove-field", "POJO gen.evo.Profile loses field b (String)"),
                new Case("evolution-change-type", "evo").evo("v1", "ValueState amount: Integer to Long").longAmount(),
                new Case("evolution-toggle-ttl", "evo").evo("v1", "ValueState maybe_ttl: TTL switched on").ttl(),
                new Case("evolution-add-operator", "evo").evo("v1", "new keyed operator evo-extra").extraOperator(),
                new Case("evolution-change-maxp", "evo").evo("v1", "max parallelism 128 to 256").maxParallelism(256),
                new Case("evolution-all", "evo").evo("all", "all of: uid rename, POJO field b removed and c added, amount Integer to Long, TTL on, new operator, max parallelism 256")
                        .rename().longAmount().ttl().extraOperator().maxParallelism(256));
    }
}
