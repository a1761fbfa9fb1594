#!/usr/bin/env python3
"""Regenerates the small SST files under testdata/sst/ (see README.md there).

Two writers, both real RocksDB:
  * Debian's librocksdb 7.8 (package librocksdb7.8, pulled in by rocksdb-tools), driven through
    its C API with ctypes: format_version 2..5, every checksum type, none/Snappy/LZ4/Zstd/Zlib,
    partitioned and first-key indexes, hash-indexed data blocks, and an LSM scenario with
    Put/Delete/SingleDelete/DeleteRange and Merge under a merge operator named
    "stringappendtest" (operands joined with ','), as Flink's list state uses.
  * rocksdict 0.3.29 (PyPI, newer RocksDB) for format_version 6, which RocksDB 7.8 cannot
    write (its RocksDB rejects format_version 7).

Every DB is written with auto-compaction off and tiny blocks, so each flush yields one
multi-block SST. Snapshots are held while writing so that a flush keeps every version.

Outputs, per scenario NAME:
  NAME-N.sst         the SST files of the scenario's one column family, in flush order
  NAME.merged        (matrix.merged for the single-file option matrix) the live view RocksDB's own iterator returns over the column family:
                     one line "KEYHEX VALUEHEX" per key (truth for our merged view)
  NAME-N.entries     (rocksdict scenarios only, since sst_dump 7.8 cannot read fv >= 6) every
                     internal entry of the file as "KEYHEX SEQ TYPE VALUEHEX", derived from the
                     generator's own write log

Usage: apt-get install rocksdb-tools; python3 -m venv /tmp/v && /tmp/v/bin/pip install
rocksdict==0.3.29; /tmp/v/bin/python testdata/sst/gen.py
"""

import ctypes
import ctypes.util
import glob
import os
import shutil
import tempfile

OUT = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Debian librocksdb 7.8 through the C API

lib = ctypes.CDLL("librocksdb.so.7.8")
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

P = ctypes.c_void_p
ERR = ctypes.POINTER(ctypes.c_char_p)


def sig(name, restype, *args):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(args)
    return f


options_create = sig("rocksdb_options_create", P)
options_set_create_if_missing = sig("rocksdb_options_set_create_if_missing", None, P, ctypes.c_ubyte)
options_set_disable_auto_compactions = sig("rocksdb_options_set_disable_auto_compactions", None, P, ctypes.c_int)
options_set_compression = sig("rocksdb_options_set_compression", None, P, ctypes.c_int)
options_set_merge_operator = sig("rocksdb_options_set_merge_operator", None, P, P)
options_set_bbt = sig("rocksdb_options_set_block_based_table_factory", None, P, P)
options_set_write_buffer_size = sig("rocksdb_options_set_write_buffer_size", None, P, ctypes.c_size_t)
bbt_create = sig("rocksdb_block_based_options_create", P)
bbt_block_size = sig("rocksdb_block_based_options_set_block_size", None, P, ctypes.c_size_t)
bbt_format_version = sig("rocksdb_block_based_options_set_format_version", None, P, ctypes.c_int)
bbt_checksum = sig("rocksdb_block_based_options_set_checksum", None, P, ctypes.c_char)
bbt_index_type = sig("rocksdb_block_based_options_set_index_type", None, P, ctypes.c_int)
bbt_index_restart = sig("rocksdb_block_based_options_set_index_block_restart_interval", None, P, ctypes.c_int)
bbt_restart = sig("rocksdb_block_based_options_set_block_restart_interval", None, P, ctypes.c_int)
bbt_metadata_block_size = sig("rocksdb_block_based_options_set_metadata_block_size", None, P, ctypes.c_uint64)
bbt_data_index_type = sig("rocksdb_block_based_options_set_data_block_index_type", None, P, ctypes.c_int)
db_open = sig("rocksdb_open", P, P, ctypes.c_char_p, ERR)
db_close = sig("rocksdb_close", None, P)
cf_destroy = sig("rocksdb_column_family_handle_destroy", None, P)
create_cf = sig("rocksdb_create_column_family", P, P, P, ctypes.c_char_p, ERR)
wopts_create = sig("rocksdb_writeoptions_create", P)
ropts_create = sig("rocksdb_readoptions_create", P)
put_cf = sig("rocksdb_put_cf", None, P, P, P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ERR)
merge_cf = sig("rocksdb_merge_cf", None, P, P, P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ERR)
delete_cf = sig("rocksdb_delete_cf", None, P, P, P, ctypes.c_char_p, ctypes.c_size_t, ERR)
singledelete_cf = sig("rocksdb_singledelete_cf", None, P, P, P, ctypes.c_char_p, ctypes.c_size_t, ERR)
delete_range_cf = sig("rocksdb_delete_range_cf", None, P, P, P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ERR)
flushopts_create = sig("rocksdb_flushoptions_create", P)
flush_cf = sig("rocksdb_flush_cf", None, P, P, P, ERR)
create_snapshot = sig("rocksdb_create_snapshot", P, P)
release_snapshot = sig("rocksdb_release_snapshot", None, P, P)
iter_create_cf = sig("rocksdb_create_iterator_cf", P, P, P, P)
iter_seek_first = sig("rocksdb_iter_seek_to_first", None, P)
iter_valid = sig("rocksdb_iter_valid", ctypes.c_ubyte, P)
iter_next = sig("rocksdb_iter_next", None, P)
iter_key = sig("rocksdb_iter_key", P, P, ctypes.POINTER(ctypes.c_size_t))
iter_value = sig("rocksdb_iter_value", P, P, ctypes.POINTER(ctypes.c_size_t))
iter_destroy = sig("rocksdb_iter_destroy", None, P)
iter_get_error = sig("rocksdb_iter_get_error", None, P, ERR)

# Merge operator "stringappendtest": existing value (if any) and operands joined with b",".
FULL_MERGE = ctypes.CFUNCTYPE(P, P, P, ctypes.c_size_t, P, ctypes.c_size_t,
                              ctypes.POINTER(P), ctypes.POINTER(ctypes.c_size_t), ctypes.c_int,
                              ctypes.POINTER(ctypes.c_ubyte), ctypes.POINTER(ctypes.c_size_t))
PARTIAL_MERGE = ctypes.CFUNCTYPE(P, P, P, ctypes.c_size_t, ctypes.POINTER(P),
                                 ctypes.POINTER(ctypes.c_size_t), ctypes.c_int,
                                 ctypes.POINTER(ctypes.c_ubyte), ctypes.POINTER(ctypes.c_size_t))
DELETE_VALUE = ctypes.CFUNCTYPE(None, P, P, ctypes.c_size_t)
NAME_FN = ctypes.CFUNCTYPE(P, P)
DESTRUCTOR = ctypes.CFUNCTYPE(None, P)


def _malloc_bytes(b, out_len):
    buf = libc.malloc(max(len(b), 1))
    ctypes.memmove(buf, b, len(b))
    out_len[0] = len(b)
    return buf


def _full_merge(_state, _key, _klen, existing, existing_len, ops, op_lens, n, success, out_len):
    parts = []
    if existing:
        parts.append(ctypes.string_at(existing, existing_len))
    for i in range(n):
        parts.append(ctypes.string_at(ops[i], op_lens[i]))
    success[0] = 1
    return _malloc_bytes(b",".join(parts), out_len)


def _partial_merge(_state, _key, _klen, ops, op_lens, n, success, out_len):
    parts = [ctypes.string_at(ops[i], op_lens[i]) for i in range(n)]
    success[0] = 1
    return _malloc_bytes(b",".join(parts), out_len)


_NAME = ctypes.create_string_buffer(b"stringappendtest")
_callbacks = (
    DESTRUCTOR(lambda _s: None),
    FULL_MERGE(_full_merge),
    PARTIAL_MERGE(_partial_merge),
    DELETE_VALUE(lambda _s, v, _n: libc.free(v)),
    NAME_FN(lambda _s: ctypes.cast(_NAME, P).value),
)
mergeoperator_create = sig("rocksdb_mergeoperator_create", P, P, DESTRUCTOR, FULL_MERGE, PARTIAL_MERGE, DELETE_VALUE, NAME_FN)
MERGE_OP = mergeoperator_create(None, *_callbacks)

COMPRESSION = {"none": 0, "snappy": 1, "zlib": 2, "lz4": 4, "zstd": 7}
CHECKSUM = {"none": 0, "crc32c": 1, "xxhash": 2, "xxhash64": 3, "xxh3": 4}


def check(err):
    if err.value:
        raise RuntimeError(err.value.decode())


class Db78:
    """A DB with one column family "flink-state" written through librocksdb 7.8."""

    def __init__(self, path, fv, compression, checksum, block_size=256, index_type=0,
                 index_restart=1, data_hash=False, merge=True):
        self.path = path
        t = bbt_create()
        bbt_block_size(t, block_size)
        bbt_format_version(t, fv)
        bbt_checksum(t, bytes([CHECKSUM[checksum]]))
        bbt_index_type(t, index_type)
        bbt_index_restart(t, index_restart)
        bbt_restart(t, 4)
        bbt_metadata_block_size(t, 128)
        bbt_data_index_type(t, 1 if data_hash else 0)
        o = options_create()
        options_set_create_if_missing(o, 1)
        options_set_disable_auto_compactions(o, 1)
        options_set_write_buffer_size(o, 64 << 20)
        options_set_compression(o, COMPRESSION[compression])
        options_set_bbt(o, t)
        if merge:
            options_set_merge_operator(o, MERGE_OP)
        err = ctypes.c_char_p()
        self.db = db_open(o, path.encode(), ctypes.byref(err))
        check(err)
        self.cf = create_cf(self.db, o, b"flink-state", ctypes.byref(err))
        check(err)
        self.w = wopts_create()
        self.snapshots = []

    def _call(self, f, *args):
        err = ctypes.c_char_p()
        f(self.db, self.w, self.cf, *args, ctypes.byref(err))
        check(err)
        # Hold a snapshot after every write so that flushes keep every version.
        self.snapshots.append(create_snapshot(self.db))

    def put(self, k, v):
        self._call(put_cf, k, len(k), v, len(v))

    def merge(self, k, v):
        self._call(merge_cf, k, len(k), v, len(v))

    def delete(self, k):
        self._call(delete_cf, k, len(k))

    def single_delete(self, k):
        self._call(singledelete_cf, k, len(k))

    def delete_range(self, a, b):
        self._call(delete_range_cf, a, len(a), b, len(b))

    def flush(self):
        err = ctypes.c_char_p()
        flush_cf(self.db, flushopts_create(), self.cf, ctypes.byref(err))
        check(err)

    def live_view(self):
        it = iter_create_cf(self.db, ropts_create(), self.cf)
        iter_seek_first(it)
        out = []
        n = ctypes.c_size_t()
        while iter_valid(it):
            k = ctypes.string_at(iter_key(it, ctypes.byref(n)), n.value)
            v = ctypes.string_at(iter_value(it, ctypes.byref(n)), n.value)
            out.append((k, v))
            iter_next(it)
        err = ctypes.c_char_p()
        iter_get_error(it, ctypes.byref(err))
        check(err)
        iter_destroy(it)
        return out

    def close(self):
        for s in self.snapshots:
            release_snapshot(self.db, s)
        cf_destroy(self.cf)
        db_close(self.db)


def sst_files(path):
    """The DB's SST files in creation (file number) order."""
    return sorted(glob.glob(os.path.join(path, "*.sst")))


def key(kg, i):
    """A Flink-like key: 1-byte key-group prefix, the key bytes, a VoidNamespace byte."""
    return bytes([kg]) + b"key-%05d" % i + b"\x00"


def write_merged(name, view):
    with open(os.path.join(OUT, name + ".merged"), "w") as f:
        for k, v in view:
            f.write("%s %s\n" % (k.hex(), v.hex()))


def save(name, path):
    files = sst_files(path)
    for i, f in enumerate(files):
        shutil.copy(f, os.path.join(OUT, "%s-%d.sst" % (name, i)))
    return len(files)


def lsm_scenario(tmp):
    """Three flushes of one column family with every record kind (format_version 5)."""
    name = "lsm-fv5"
    path = os.path.join(tmp, name)
    db = Db78(path, 5, "snappy", "crc32c", index_restart=4)
    # Flush 1: base values and list-state merges.
    for i in range(300):
        db.put(key(i % 128, i), b"value-%d-a" % i)
    for i in range(0, 300, 7):
        db.merge(key(i % 128, i), b"m1-%d" % i)  # merge onto an existing Put
    for i in range(300, 340):
        db.merge(key(i % 128, i), b"L%d" % i)  # list without base value
        db.merge(key(i % 128, i), b"L%d-second" % i)
    db.flush()
    # Flush 2: overwrites, deletes, single deletes, a range deletion, merges onto deletes.
    for i in range(0, 300, 5):
        db.put(key(i % 128, i), b"value-%d-b" % i)
    for i in range(1, 300, 11):
        db.delete(key(i % 128, i))
    for i in range(2, 300, 13):
        db.single_delete(key(i % 128, i))
    db.delete_range(key(10, 10), key(10, 200))  # all keys of key group 10 in 10..200
    db.delete_range(key(40, 0), key(41, 0))  # all of key group 40
    for i in range(1, 300, 22):
        db.merge(key(i % 128, i), b"after-delete-%d" % i)
    db.flush()
    # Flush 3: revive some range-deleted keys, more list operands.
    db.put(key(10, 138), b"revived-138")
    db.merge(key(40, 40), b"revived-list-40")
    for i in range(300, 340, 3):
        db.merge(key(i % 128, i), b"L%d-third" % i)
    db.flush()
    write_merged(name, db.live_view())
    db.close()
    return save(name, path)


def matrix_7_8(tmp):
    """One file per option combination, written by RocksDB 7.8 (readable by sst_dump)."""
    combos = [
        # name, fv, compression, checksum, index_type, index_restart, data_hash
        ("fv2-none-crc32c", 2, "none", "crc32c", 0, 1, False),
        ("fv3-snappy-xxhash", 3, "snappy", "xxhash", 0, 4, False),
        ("fv4-lz4-xxhash64", 4, "lz4", "xxhash64", 0, 4, False),
        ("fv5-zstd-xxh3", 5, "zstd", "xxh3", 0, 8, False),
        ("fv5-zlib-crc32c", 5, "zlib", "crc32c", 0, 1, False),
        ("fv5-partitioned-snappy-crc32c", 5, "snappy", "crc32c", 2, 4, False),
        ("fv4-firstkey-none-xxh3", 4, "none", "xxh3", 3, 4, False),
        ("fv5-hashdata-lz4-crc32c", 5, "lz4", "crc32c", 0, 1, True),
        ("fv5-snappy-nochecksum", 5, "snappy", "none", 0, 4, False),
    ]
    n = 0
    views = []
    for name, fv, comp, ck, itype, irestart, dhash in combos:
        path = os.path.join(tmp, name)
        db = Db78(path, fv, comp, ck, index_type=itype, index_restart=irestart, data_hash=dhash)
        for i in range(250):
            db.put(key(i % 128, i), (b"v%d-" % i) * (1 + i % 5))
        db.delete(key(3, 3))
        db.merge(key(5, 5), b"x")
        db.flush()
        views.append(db.live_view())
        db.close()
        n += save(name, path)
    # The same writes under every option combination: one live view for all of them.
    assert all(v == views[0] for v in views)
    write_merged("matrix", views[0])
    return n


# ---------------------------------------------------------------------------------------------
# rocksdict (newer RocksDB) for format_version 6


def rocksdict_scenario(tmp, fv, comp, ck):
    import rocksdict as r

    name = "fv%d-%s-%s" % (fv, comp, ck)
    path = os.path.join(tmp, name)
    o = r.Options(raw_mode=True)
    o.create_if_missing(True)
    o.set_disable_auto_compactions(True)
    t = r.BlockBasedOptions()
    t.set_format_version(fv)
    t.set_block_size(256)
    t.set_index_block_restart_interval(4)
    t.set_checksum_type(getattr(r.ChecksumType, ck)())
    o.set_block_based_table_factory(t)
    o.set_compression_type(getattr(r.DBCompressionType, comp)())
    db = r.Rdict(path, o)
    log = []  # (key, seq, type, value) of every write, seq = position in the log
    seq = 0
    snaps = []
    for i in range(200):
        k, v = key(i % 128, i), (b"w%d-" % i) * (1 + i % 3)
        db[k] = v
        seq += 1
        log.append((k, seq, 1, v))
        snaps.append(db.snapshot())
    for i in range(0, 200, 9):
        k = key(i % 128, i)
        del db[k]
        seq += 1
        log.append((k, seq, 0, b""))
        snaps.append(db.snapshot())
    db.delete_range(key(7, 7), key(7, 100))
    seq += 1
    tombstone = (key(7, 7), seq, key(7, 100))
    snaps.append(db.snapshot())
    db.flush()
    view = [(k, v) for k, v in db.items()]
    write_merged(name, view)
    del snaps
    db.close()
    files = sst_files(path)
    assert len(files) == 1, files
    shutil.copy(files[0], os.path.join(OUT, name + "-0.sst"))
    # Expected internal entries: the write log in internal-key order (user key ascending,
    # sequence descending). The range tombstone lives in its own block.
    with open(os.path.join(OUT, name + "-0.entries"), "w") as f:
        for k, s, t_, v in sorted(log, key=lambda e: (e[0], -e[1])):
            f.write("%s %d %d %s\n" % (k.hex(), s, t_, v.hex()))
        f.write("range %s %d %s\n" % (tombstone[0].hex(), tombstone[1], tombstone[2].hex()))
    return 1


def main():
    for f in glob.glob(os.path.join(OUT, "*.sst")) + glob.glob(os.path.join(OUT, "*.merged")) + \
            glob.glob(os.path.join(OUT, "*.entries")):
        os.remove(f)
    tmp = tempfile.mkdtemp(prefix="sst-gen-")
    n = lsm_scenario(tmp)
    n += matrix_7_8(tmp)
    try:
        for fv, comp, ck in [(6, "snappy", "crc32c"), (6, "zstd", "xxh3"), (6, "lz4", "xxhash64"),
                             (6, "none", "xxhash")]:
            n += rocksdict_scenario(tmp, fv, comp, ck)
    except ImportError:
        print("rocksdict not installed: format_version 6/7 files not regenerated")
    shutil.rmtree(tmp)
    print("wrote %d SST files to %s" % (n, OUT))


if __name__ == "__main__":
    main()
