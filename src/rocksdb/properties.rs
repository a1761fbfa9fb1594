//! The properties meta block (`rocksdb.properties`): a sorted block whose keys are property
//! names and whose values are either varint64 numbers or raw strings.

use std::collections::BTreeMap;

use super::block::{BlockIter, ValueFormat};
use super::coding::Cursor;
use crate::io::DecodeResult;

/// The standard table properties, plus every raw property by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableProperties {
    pub num_data_blocks: u64,
    pub num_entries: u64,
    pub num_filter_entries: u64,
    pub num_deletions: u64,
    pub num_merge_operands: u64,
    pub num_range_deletions: u64,
    pub raw_key_size: u64,
    pub raw_value_size: u64,
    pub data_size: u64,
    /// Size of the index (all partitions plus top level when partitioned).
    pub index_size: u64,
    pub index_partitions: u64,
    pub top_level_index_size: u64,
    /// Index keys are user keys (no 8-byte internal-key trailer).
    pub index_key_is_user_key: bool,
    /// Index values after the first of each restart interval are size deltas.
    pub index_value_is_delta_encoded: bool,
    pub filter_size: u64,
    /// `rocksdb.format.version` property (0 for block-based tables; not the footer version).
    pub format_version: u64,
    pub fixed_key_len: u64,
    /// `None` when the property is absent or holds RocksDB's "unknown" marker (0x7fffffff).
    pub column_family_id: Option<u32>,
    pub column_family_name: Option<String>,
    pub filter_policy_name: Option<String>,
    pub comparator_name: Option<String>,
    pub merge_operator_name: Option<String>,
    pub prefix_extractor_name: Option<String>,
    pub property_collectors_names: Option<String>,
    pub compression_name: Option<String>,
    pub compression_options: Option<String>,
    pub creation_time: u64,
    pub oldest_key_time: u64,
    pub file_creation_time: u64,
    pub db_id: Option<String>,
    pub db_session_id: Option<String>,
    pub db_host_id: Option<String>,
    pub original_file_number: u64,
    /// `rocksdb.block.based.table.index.type`: 0 binary search, 1 hash search, 2 two-level
    /// (partitioned), 3 binary search with first key.
    pub index_type: u32,
    /// `rocksdb.external_sst_file.version` (files written by `SstFileWriter`).
    pub external_sst_file_version: Option<u32>,
    /// `rocksdb.external_sst_file.global_seqno`: the sequence number of every key of an
    /// ingested file (0 = not assigned in the file).
    pub global_seqno: Option<u64>,
    /// Every property as stored, by name.
    pub raw: BTreeMap<String, Vec<u8>>,
}

const UNKNOWN_CF: u64 = 0x7fff_ffff;

impl TableProperties {
    pub(crate) fn parse(mut it: BlockIter) -> DecodeResult<TableProperties> {
        let mut p = TableProperties::default();
        while let Some((_, start, len)) = it.next_entry(ValueFormat::Sized)? {
            let len = len.unwrap_or(0);
            let value = it
                .entries()
                .get(start..start + len)
                .unwrap_or_default()
                .to_vec();
            let name = String::from_utf8_lossy(&it.key).into_owned();
            let num = Cursor::new(&value, 0).varint64();
            let num_or = |what: &str| {
                num.ok_or_else(|| it.err(format!("a varint64 value for property {what}")))
            };
            let text = || Some(String::from_utf8_lossy(&value).into_owned());
            match name.as_str() {
                "rocksdb.num.data.blocks" => p.num_data_blocks = num_or(&name)?,
                "rocksdb.num.entries" => p.num_entries = num_or(&name)?,
                "rocksdb.num.filter_entries" => p.num_filter_entries = num_or(&name)?,
                "rocksdb.deleted.keys" => p.num_deletions = num_or(&name)?,
                "rocksdb.merge.operands" => p.num_merge_operands = num_or(&name)?,
                "rocksdb.num.range-deletions" => p.num_range_deletions = num_or(&name)?,
                "rocksdb.raw.key.size" => p.raw_key_size = num_or(&name)?,
                "rocksdb.raw.value.size" => p.raw_value_size = num_or(&name)?,
                "rocksdb.data.size" => p.data_size = num_or(&name)?,
                "rocksdb.index.size" => p.index_size = num_or(&name)?,
                "rocksdb.index.partitions" => p.index_partitions = num_or(&name)?,
                "rocksdb.top-level.index.size" => p.top_level_index_size = num_or(&name)?,
                "rocksdb.index.key.is.user.key" => p.index_key_is_user_key = num_or(&name)? != 0,
                "rocksdb.index.value.is.delta.encoded" => {
                    p.index_value_is_delta_encoded = num_or(&name)? != 0
                }
                "rocksdb.filter.size" => p.filter_size = num_or(&name)?,
                "rocksdb.format.version" => p.format_version = num_or(&name)?,
                "rocksdb.fixed.key.length" => p.fixed_key_len = num_or(&name)?,
                "rocksdb.column.family.id" => {
                    let id = num_or(&name)?;
                    p.column_family_id = (id != UNKNOWN_CF).then_some(id as u32);
                }
                "rocksdb.column.family.name" => p.column_family_name = text(),
                "rocksdb.filter.policy" => p.filter_policy_name = text(),
                "rocksdb.comparator" => p.comparator_name = text(),
                "rocksdb.merge.operator" => p.merge_operator_name = text(),
                "rocksdb.prefix.extractor.name" => p.prefix_extractor_name = text(),
                "rocksdb.property.collectors" => p.property_collectors_names = text(),
                "rocksdb.compression" => p.compression_name = text(),
                "rocksdb.compression_options" => p.compression_options = text(),
                "rocksdb.creation.time" => p.creation_time = num_or(&name)?,
                "rocksdb.oldest.key.time" => p.oldest_key_time = num_or(&name)?,
                "rocksdb.file.creation.time" => p.file_creation_time = num_or(&name)?,
                "rocksdb.creating.db.identity" => p.db_id = text(),
                "rocksdb.creating.session.identity" => p.db_session_id = text(),
                "rocksdb.creating.host.identity" => p.db_host_id = text(),
                "rocksdb.original.file.number" => p.original_file_number = num_or(&name)?,
                "rocksdb.block.based.table.index.type" => {
                    p.index_type = Cursor::new(&value, 0)
                        .fixed32()
                        .ok_or_else(|| it.err("a fixed32 index type"))?
                }
                "rocksdb.external_sst_file.version" => {
                    p.external_sst_file_version = Cursor::new(&value, 0).fixed32()
                }
                "rocksdb.external_sst_file.global_seqno" => {
                    p.global_seqno = Cursor::new(&value, 0).fixed64()
                }
                _ => {}
            }
            p.raw.insert(name, value);
        }
        Ok(p)
    }
}
