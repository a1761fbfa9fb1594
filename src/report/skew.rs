//! `skew`: how keyed state spreads over key groups and subtasks, now and at other
//! parallelisms, and which keys dominate it. Built from a [`KeyedFold`] per operator (entry
//! and byte counters per key group, top-K heaps); values are never decoded, keys only for the
//! top-K lists.

pub mod topk;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::hash;
use crate::metadata::OperatorState;
use crate::types::{self, TypeInfo};

use super::size::fold::StateFold;
use topk::KeyStat;

#[derive(Debug, Clone, Serialize)]
pub struct SkewReport {
    pub location: String,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    pub operators: Vec<OperatorSkew>,
    /// Read errors (file, offset, what was expected); the figures leave those bytes out.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorSkew {
    pub id: String,
    pub uid: Option<String>,
    pub name: Option<String>,
    pub parallelism: u32,
    pub max_parallelism: u32,
    pub states: Vec<StateSkew>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateSkew {
    pub state: String,
    /// `VALUE`, `LIST`, `MAP`, ..., when the header was read.
    pub kind: Option<String>,
    pub entries: u64,
    pub bytes: u64,
    /// Non-empty key groups, ascending.
    pub key_groups: Vec<KeyGroupCount>,
    /// Over all `max_parallelism` key groups (empty ones count as 0).
    pub key_group_imbalance: Imbalance,
    /// The current parallelism first, then every requested one.
    pub distributions: Vec<Distribution>,
    pub top_by_bytes: Vec<TopKey>,
    pub top_by_entries: Vec<TopKey>,
    /// List states only.
    pub top_by_list_length: Vec<TopKey>,
    /// Map states only.
    pub top_by_map_entries: Vec<TopKey>,
    /// False when per-key totals may be split (see `report::size::fold`).
    pub keys_exact: bool,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct KeyGroupCount {
    pub key_group: u32,
    pub entries: u64,
    pub bytes: u64,
}

/// Imbalance of entries and bytes over a set of buckets (key groups or subtasks).
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct Imbalance {
    pub entries: Figures,
    pub bytes: Figures,
}

#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq)]
pub struct Figures {
    pub buckets: u64,
    pub max: u64,
    pub mean: f64,
    /// Largest bucket / mean (1.0 = perfectly even; 0 when empty).
    pub max_over_mean: f64,
    /// Coefficient of variation: population standard deviation / mean.
    pub cv: f64,
    /// Largest bucket / total.
    pub largest_share: f64,
}

impl Figures {
    pub fn of(values: &[u64]) -> Figures {
        let n = values.len() as f64;
        let total: u64 = values.iter().sum();
        let max = values.iter().copied().max().unwrap_or(0);
        if values.is_empty() || total == 0 {
            return Figures {
                buckets: values.len() as u64,
                max,
                ..Figures::default()
            };
        }
        let mean = total as f64 / n;
        let var = values
            .iter()
            .map(|v| (*v as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        Figures {
            buckets: values.len() as u64,
            max,
            mean,
            max_over_mean: max as f64 / mean,
            cv: var.sqrt() / mean,
            largest_share: max as f64 / total as f64,
        }
    }
}

/// Totals per subtask at one parallelism.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub parallelism: u32,
    pub current: bool,
    /// More subtasks than key groups: Flink refuses this; the extra subtasks get nothing.
    pub exceeds_max_parallelism: bool,
    pub subtasks: Vec<SubtaskCount>,
    pub imbalance: Imbalance,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SubtaskCount {
    pub subtask: u32,
    /// Inclusive key-group range at this parallelism (`None` when empty).
    pub key_groups: Option<(u32, u32)>,
    pub entries: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopKey {
    /// The key decoded with the key serializer (hex string when it cannot be decoded).
    pub key: serde_json::Value,
    pub key_hex: String,
    pub key_group: u32,
    /// Subtask at the current parallelism.
    pub subtask: u32,
    pub entries: u64,
    pub bytes: u64,
    pub list_length: Option<u64>,
    pub map_entries: u64,
}

/// Per-key-group histogram of one state: (entries, bytes) for key groups `0..max_parallelism`.
pub fn key_group_histogram(fold: &StateFold, max_parallelism: u32) -> Vec<(u64, u64)> {
    let mut h = vec![(0u64, 0u64); max_parallelism as usize];
    for (&(_, kg), c) in &fold.cells {
        if let Some(slot) = h.get_mut(kg as usize) {
            slot.0 += c.entries;
            slot.1 += c.serialized_bytes();
        }
    }
    h
}

/// Totals per subtask at `parallelism` from a key-group histogram.
pub fn distribution(hist: &[(u64, u64)], parallelism: u32, current: bool) -> Distribution {
    let maxp = hist.len() as u32;
    let p = parallelism.max(1);
    let mut subtasks: Vec<SubtaskCount> = (0..p)
        .map(|s| {
            let (a, b) = hash::key_group_range(s, maxp, p);
            SubtaskCount {
                subtask: s,
                key_groups: (a <= b && b < maxp).then_some((a, b)),
                entries: 0,
                bytes: 0,
            }
        })
        .collect();
    for (kg, (e, b)) in hist.iter().enumerate() {
        let s = hash::subtask_for_key_group(kg as u32, maxp, p);
        if let Some(st) = subtasks.get_mut(s as usize) {
            st.entries += e;
            st.bytes += b;
        }
    }
    let entries: Vec<u64> = subtasks.iter().map(|s| s.entries).collect();
    let bytes: Vec<u64> = subtasks.iter().map(|s| s.bytes).collect();
    Distribution {
        parallelism: p,
        current,
        exceeds_max_parallelism: p > maxp,
        subtasks,
        imbalance: Imbalance {
            entries: Figures::of(&entries),
            bytes: Figures::of(&bytes),
        },
    }
}

/// What the report needs to know about an operator besides its fold.
pub struct OperatorInput<'a> {
    pub op: &'a OperatorState,
    /// Key serializer type, to decode top keys.
    pub key_type: Option<&'a TypeInfo>,
    /// State kinds by name (`VALUE`, `LIST`, ...).
    pub kinds: BTreeMap<String, String>,
    pub states: BTreeMap<Arc<str>, StateFold>,
}

/// Builds one operator's skew figures. `parallelisms`: the extra ones to show; `states`:
/// names to keep (empty = all).
pub fn operator_skew(
    input: &OperatorInput,
    parallelisms: &[u32],
    states: &[String],
    warnings: &mut Vec<String>,
) -> OperatorSkew {
    let op = input.op;
    let maxp = op.max_parallelism.max(1) as u32;
    let current = op.parallelism.max(1) as u32;
    for &n in parallelisms {
        if n > maxp {
            warnings.push(format!(
                "operator {}: parallelism {n} exceeds the max parallelism {maxp}; Flink would \
                 refuse to restore with it, and {} subtasks would get no key group",
                op.uid.clone().unwrap_or_else(|| op.id_hex()),
                n - maxp
            ));
        }
    }
    let mut out = Vec::new();
    for (name, fold) in &input.states {
        if !states.is_empty() && !states.iter().any(|s| **s == **name) {
            continue;
        }
        let hist = key_group_histogram(fold, maxp);
        let entries: Vec<u64> = hist.iter().map(|h| h.0).collect();
        let bytes: Vec<u64> = hist.iter().map(|h| h.1).collect();
        let mut distributions = vec![distribution(&hist, current, true)];
        for &n in parallelisms {
            if n != current && !distributions.iter().any(|d| d.parallelism == n) {
                distributions.push(distribution(&hist, n, false));
            }
        }
        let top = |v: Vec<KeyStat>| -> Vec<TopKey> {
            v.into_iter()
                .map(|s| top_key(&s, input.key_type, maxp, current))
                .collect()
        };
        let t = fold.top.as_ref();
        out.push(StateSkew {
            state: name.to_string(),
            kind: input.kinds.get(&**name).cloned(),
            entries: entries.iter().sum(),
            bytes: bytes.iter().sum(),
            key_groups: hist
                .iter()
                .enumerate()
                .filter(|(_, h)| h.0 > 0)
                .map(|(kg, h)| KeyGroupCount {
                    key_group: kg as u32,
                    entries: h.0,
                    bytes: h.1,
                })
                .collect(),
            key_group_imbalance: Imbalance {
                entries: Figures::of(&entries),
                bytes: Figures::of(&bytes),
            },
            distributions,
            top_by_bytes: t.map_or_else(Vec::new, |t| top(t.by_bytes())),
            top_by_entries: t.map_or_else(Vec::new, |t| top(t.by_entries())),
            top_by_list_length: t.map_or_else(Vec::new, |t| top(t.by_list_len())),
            top_by_map_entries: t.map_or_else(Vec::new, |t| top(t.by_map_entries())),
            keys_exact: fold.keys_exact,
        });
    }
    OperatorSkew {
        id: op.id_hex(),
        uid: op.uid.clone(),
        name: op.name.clone(),
        parallelism: current,
        max_parallelism: maxp,
        states: out,
    }
}

fn top_key(s: &KeyStat, key_type: Option<&TypeInfo>, maxp: u32, p: u32) -> TopKey {
    TopKey {
        key: decode_key(key_type, &s.key),
        key_hex: hash::hex(&s.key),
        key_group: s.key_group,
        subtask: hash::subtask_for_key_group(s.key_group, maxp, p),
        entries: s.entries,
        bytes: s.bytes,
        list_length: s.list_len,
        map_entries: s.map_entries,
    }
}

/// The key as JSON, decoded with the key type; its hex when there is no type or it does not
/// decode.
pub fn decode_key(key_type: Option<&TypeInfo>, key: &[u8]) -> serde_json::Value {
    let hex = || serde_json::Value::String(format!("0x{}", hash::hex(key)));
    let Some(t) = key_type else { return hex() };
    let name: Arc<str> = Arc::from("key");
    match types::decode_bytes(t, &name, key, 0) {
        Ok(v) => serde_json::to_value(&v).unwrap_or_else(|_| hex()),
        Err(_) => hex(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_of_known_values() {
        let f = Figures::of(&[2, 2, 2, 6]);
        assert_eq!(f.max, 6);
        assert!((f.mean - 3.0).abs() < 1e-12);
        assert!((f.max_over_mean - 2.0).abs() < 1e-12);
        // population sd of [2,2,2,6] = sqrt(3)
        assert!((f.cv - 3f64.sqrt() / 3.0).abs() < 1e-12);
        assert!((f.largest_share - 0.5).abs() < 1e-12);
        assert_eq!(Figures::of(&[0, 0]).max_over_mean, 0.0);
    }

    #[test]
    fn distribution_sums_key_groups_by_range() {
        // 10 key groups, one entry of 3 bytes in each, key group 9 has 10 more entries
        let mut hist = vec![(1u64, 3u64); 10];
        hist[9] = (11, 33);
        let d = distribution(&hist, 3, false);
        // ranges at p=3, maxp=10: [0,3] [4,6] [7,9]
        let got: Vec<_> = d
            .subtasks
            .iter()
            .map(|s| (s.key_groups, s.entries))
            .collect();
        assert_eq!(
            got,
            vec![(Some((0, 3)), 4), (Some((4, 6)), 3), (Some((7, 9)), 13)]
        );
        assert_eq!(d.imbalance.entries.max, 13);
        let d = distribution(&hist, 12, false);
        assert!(d.exceeds_max_parallelism);
        assert_eq!(d.subtasks.iter().map(|s| s.entries).sum::<u64>(), 20);
        assert_eq!(
            d.subtasks.iter().filter(|s| s.key_groups.is_none()).count(),
            2
        );
    }

    #[test]
    fn keys_decode_or_fall_back_to_hex() {
        let t = TypeInfo::Primitive {
            ty: crate::types::Prim::String,
        };
        assert_eq!(decode_key(Some(&t), &[4, b'h', b'o', b't']), "hot");
        assert_eq!(decode_key(None, &[1, 2]), "0x0102");
    }
}
