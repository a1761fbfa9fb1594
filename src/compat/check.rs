//! Old side against new side: the verdict per operator and per state, modelled on what Flink
//! does when the new job starts from the old snapshot (`formats/compatibility.md`).

use serde::Serialize;

use crate::types::TypeInfo;

use super::model::{BackendKind, Kind, OperatorModel, Side, StateModel};
use super::rules::{Compat, Context, Outcome, resolve};
use super::typexpr::render;

/// Verdicts, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Flink fails to restore.
    Incompatible,
    /// The outcome depends on job code or data this tool cannot see.
    Undecidable,
    /// Not in the new job: restores only with allowNonRestoredState, and the state is lost.
    Dropped,
    /// Restores; Flink rewrites the values with the new serializer.
    Migration,
    /// Only in the new job: starts empty.
    New,
    /// In the old snapshot but not registered by the new job: Flink keeps it unchecked and
    /// writes it into the next snapshot again.
    Carried,
    /// Restores as is.
    Restored,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Incompatible => "incompatible",
            Verdict::Undecidable => "undecidable",
            Verdict::Dropped => "dropped",
            Verdict::Migration => "migration",
            Verdict::New => "new",
            Verdict::Carried => "carried",
            Verdict::Restored => "restored",
        }
    }

    fn of(c: Compat) -> Verdict {
        match c {
            Compat::AsIs | Compat::Reconfigured => Verdict::Restored,
            Compat::Migration => Verdict::Migration,
            Compat::Undecidable => Verdict::Undecidable,
            Compat::Incompatible => Verdict::Incompatible,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StateVerdict {
    pub name: String,
    pub kind: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_type: Option<String>,
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorVerdict {
    pub id: String,
    pub uid: Option<String>,
    pub name: Option<String>,
    pub verdict: Verdict,
    pub old_parallelism: Option<u32>,
    pub new_parallelism: Option<u32>,
    pub old_max_parallelism: Option<u32>,
    pub new_max_parallelism: Option<u32>,
    /// Bytes of state in the old snapshot.
    pub state_bytes: u64,
    /// Operator-level findings (max parallelism, key serializer, dropped state).
    pub reasons: Vec<String>,
    /// Facts that do not change the verdict (rescaling, unreadable parts).
    pub notes: Vec<String>,
    pub states: Vec<StateVerdict>,
}

impl OperatorVerdict {
    pub fn label(&self) -> String {
        self.uid.clone().unwrap_or_else(|| match &self.name {
            Some(n) => format!("{} ({n})", self.id),
            None => self.id.clone(),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CompatReport {
    pub old: String,
    pub new: String,
    /// Flink would restore without flags.
    pub restorable: bool,
    /// State would be dropped: restoring needs `--allow-non-restored-state`.
    pub needs_allow_non_restored_state: bool,
    pub allow_non_restored_state: bool,
    /// The worst verdict of any operator or state.
    pub worst: Verdict,
    pub exit_code: i32,
    /// Operators worst first.
    pub operators: Vec<OperatorVerdict>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub allow_non_restored_state: bool,
    /// Keyed backend of the new job when the new side does not tell.
    pub backend: Option<BackendKind>,
    /// Flink version of the new job when the new side does not tell.
    pub flink_version: Option<(u32, u32)>,
}

/// Compares `old` (a snapshot) with `new` (a snapshot or contract of the new job version).
pub fn compare(old: &Side, new: &Side, labels: (&str, &str), opts: &Options) -> CompatReport {
    let mut notes = Vec::new();
    let version = new.flink_version.or(opts.flink_version);
    let ctx = Context {
        ttl_migrates: version.is_some_and(|(major, _)| major >= 2),
    };
    if version.is_none() {
        notes.push(
            "the new job's Flink version is unknown (give --new-flink-version): TTL switched on \
             or off is judged as before Flink 2.0 (incompatible)"
                .into(),
        );
    }
    let backend = new.backend.or(opts.backend).or(old.backend);
    if new.backend.is_none() && opts.backend.is_none() {
        match old.backend {
            Some(b) => notes.push(format!(
                "the new job's state backend is assumed to be the old one ({}); give --backend \
                 to choose",
                b.as_str()
            )),
            None => notes.push(
                "the state backend of the new job is unknown: RocksDB-only rules (MapState \
                 keys) are applied as if it were RocksDB; give --backend hashmap otherwise"
                    .into(),
            ),
        }
    }
    let rocks = backend != Some(BackendKind::Heap);
    let mut operators = Vec::new();
    for o in &old.operators {
        match new.operator(&o.id) {
            Some(n) => operators.push(matched(o, n, ctx, rocks)),
            None if o.has_state => operators.push(dropped(o)),
            None => {}
        }
    }
    for n in &new.operators {
        if old.operator(&n.id).is_none() && (n.has_state || !n.states.is_empty()) {
            operators.push(added(n));
        }
    }
    operators.sort_by(|a, b| a.verdict.cmp(&b.verdict).then(a.label().cmp(&b.label())));
    let worst = operators
        .iter()
        .map(|o| o.verdict)
        .min()
        .unwrap_or(Verdict::Restored);
    let needs_allow = operators.iter().any(|o| o.verdict == Verdict::Dropped);
    let fails = operators
        .iter()
        .any(|o| matches!(o.verdict, Verdict::Incompatible | Verdict::Undecidable));
    let restorable = !fails && !needs_allow;
    let exit_code = if fails || (needs_allow && !opts.allow_non_restored_state) {
        1
    } else {
        0
    };
    CompatReport {
        old: labels.0.to_string(),
        new: labels.1.to_string(),
        restorable,
        needs_allow_non_restored_state: needs_allow,
        allow_non_restored_state: opts.allow_non_restored_state,
        worst,
        exit_code,
        operators,
        notes,
    }
}

fn verdict_base(o: &OperatorModel, n: Option<&OperatorModel>) -> OperatorVerdict {
    OperatorVerdict {
        id: o.id_hex(),
        uid: o.uid.clone().or_else(|| n.and_then(|n| n.uid.clone())),
        name: o.name.clone().or_else(|| n.and_then(|n| n.name.clone())),
        verdict: Verdict::Restored,
        old_parallelism: o.parallelism,
        new_parallelism: n.and_then(|n| n.parallelism),
        old_max_parallelism: o.max_parallelism,
        new_max_parallelism: n.and_then(|n| n.max_parallelism),
        state_bytes: o.state_bytes,
        reasons: Vec::new(),
        notes: o.notes.clone(),
        states: Vec::new(),
    }
}

fn value_text(s: &StateModel) -> Option<String> {
    s.value().map(render)
}

fn dropped(o: &OperatorModel) -> OperatorVerdict {
    let mut v = verdict_base(o, None);
    v.verdict = Verdict::Dropped;
    v.old_parallelism = o.parallelism;
    v.reasons.push(format!(
        "not in the new job: its {} bytes of state are skipped only with allowNonRestoredState \
         (Checkpoints#loadAndValidateCheckpoint)",
        o.state_bytes
    ));
    v.states = o
        .states
        .iter()
        .map(|s| StateVerdict {
            name: s.name.clone(),
            kind: s.kind.as_str().to_string(),
            verdict: Verdict::Dropped,
            old_type: value_text(s),
            new_type: None,
            reasons: vec!["its operator is not in the new job".into()],
            caveats: Vec::new(),
        })
        .collect();
    v
}

fn added(n: &OperatorModel) -> OperatorVerdict {
    let mut v = verdict_base(n, Some(n));
    v.old_parallelism = None;
    v.old_max_parallelism = None;
    v.state_bytes = 0;
    v.verdict = Verdict::New;
    v.reasons
        .push("not in the old snapshot: the operator starts with empty state".into());
    v.states = n.states.iter().map(new_state).collect();
    v
}

fn new_state(s: &StateModel) -> StateVerdict {
    StateVerdict {
        name: s.name.clone(),
        kind: s.kind.as_str().to_string(),
        verdict: Verdict::New,
        old_type: None,
        new_type: value_text(s),
        reasons: vec!["not in the old snapshot: starts empty".into()],
        caveats: Vec::new(),
    }
}

fn matched(o: &OperatorModel, n: &OperatorModel, ctx: Context, rocks: bool) -> OperatorVerdict {
    let mut v = verdict_base(o, Some(n));
    let mut worst = Verdict::Restored;
    if let (Some(a), Some(b)) = (o.max_parallelism, n.max_parallelism)
        && a != b
    {
        if o.has_state {
            worst = worst.min(Verdict::Incompatible);
            v.reasons.push(format!(
                "max parallelism changed from {a} to {b}: Flink refuses to map the state \
                 (Checkpoints#loadAndValidateCheckpoint) unless the new job leaves max \
                 parallelism unset, in which case it keeps {a}"
            ));
        } else {
            v.notes.push(format!(
                "max parallelism changed from {a} to {b} (no state here; Flink still refuses it \
                 when the new job sets max parallelism explicitly)"
            ));
        }
    }
    if let (Some(a), Some(b)) = (o.max_parallelism, n.parallelism)
        && b > a
        && o.has_state
    {
        worst = worst.min(Verdict::Incompatible);
        v.reasons.push(format!(
            "new parallelism {b} exceeds the restored max parallelism {a} \
             (StateAssignmentOperation#checkParallelismPreconditions)"
        ));
    }
    if let (Some(a), Some(b)) = (o.parallelism, n.parallelism)
        && a != b
    {
        v.notes.push(format!(
            "rescaled from parallelism {a} to {b}: state is redistributed"
        ));
    }
    // The key serializer is checked when the keyed backend restores, registered states or not.
    if let (Some(a), Some(b)) = (&o.key, &n.key) {
        let r = resolve(&a.ty, &b.ty, ctx);
        match r.compat {
            Compat::AsIs | Compat::Reconfigured => {}
            Compat::Undecidable => {
                worst = worst.min(Verdict::Undecidable);
                v.reasons
                    .push(format!("key serializer: {}", r.reasons.join("; ")));
            }
            Compat::Migration | Compat::Incompatible => {
                worst = worst.min(Verdict::Incompatible);
                v.reasons.push(format!(
                    "key type {} → {}: the key serializer must be compatible as is, keys are \
                     never migrated ({})",
                    render(&a.ty),
                    render(&b.ty),
                    r.reasons.join("; ")
                ));
            }
        }
    } else if o.keyed && o.key.is_some() && !n.keyed {
        v.notes.push(
            "the new side shows no keyed state for this operator: key type not compared".into(),
        );
    }
    for s in &o.states {
        let sv = match n
            .states
            .iter()
            .find(|t| t.name == s.name && t.kind.is_keyed() == s.kind.is_keyed())
        {
            Some(t) => state(s, t, ctx, rocks),
            None => StateVerdict {
                name: s.name.clone(),
                kind: s.kind.as_str().to_string(),
                verdict: Verdict::Carried,
                old_type: value_text(s),
                new_type: None,
                reasons: vec![
                    "not registered by the new job: Flink restores it unchecked and carries it \
                     into later snapshots (its types are only checked once a job registers it)"
                        .into(),
                ],
                caveats: Vec::new(),
            },
        };
        worst = worst.min(sv.verdict);
        v.states.push(sv);
    }
    for t in &n.states {
        if !o
            .states
            .iter()
            .any(|s| s.name == t.name && t.kind.is_keyed() == s.kind.is_keyed())
        {
            let mut sv = new_state(t);
            if t.kind == Kind::Timers && o.raw_keyed {
                sv.reasons = vec![
                    "not a registered state in the old snapshot, which keeps this operator's \
                     timers in raw keyed state (heap timers of older jobs): Flink restores them \
                     from there"
                        .into(),
                ];
            }
            v.states.push(sv);
        }
    }
    // An operator restores when its worst state does; carried/new states do not lower it.
    v.verdict = match worst {
        Verdict::New | Verdict::Carried => Verdict::Restored,
        w => w,
    };
    v.states
        .sort_by(|a, b| a.verdict.cmp(&b.verdict).then(a.name.cmp(&b.name)));
    v
}

fn state(o: &StateModel, n: &StateModel, ctx: Context, rocks: bool) -> StateVerdict {
    let mut out = Outcome::as_is();
    let mut extra: Vec<String> = Vec::new();
    let keyed = o.kind.is_keyed();
    let unknown = |k: &Kind| matches!(k, Kind::Other(_));
    if o.kind != n.kind && !unknown(&o.kind) && !unknown(&n.kind) {
        let why = if keyed {
            "RegisteredKeyValueStateBackendMetaInfo#checkStateMetaInfo: incompatible key/value \
             state types"
        } else {
            "DefaultOperatorStateBackend: the distribution mode must stay the same"
        };
        out.add(
            Compat::Incompatible,
            format!(
                "state kind changed from {} to {} ({why})",
                o.kind.as_str(),
                n.kind.as_str()
            ),
        );
    }
    if let (Some(a), Some(b)) = (o.namespace(), n.namespace()) {
        let r = resolve(a, b, ctx);
        if r.compat >= Compat::Migration {
            let c = r.compat.max(Compat::Incompatible);
            let c = if r.compat == Compat::Undecidable {
                Compat::Undecidable
            } else {
                c
            };
            out.add(
                c,
                format!(
                    "namespace {} → {}: the namespace serializer must be compatible as is ({})",
                    render(a),
                    render(b),
                    r.reasons.join("; ")
                ),
            );
        }
    }
    if let (Some(a), Some(b)) = (o.ser("KEY_SERIALIZER"), n.ser("KEY_SERIALIZER"))
        && !keyed
    {
        let r = resolve(&a.ty, &b.ty, ctx);
        merge_value(&mut out, r, "broadcast key", false);
    }
    match (o.value(), n.value()) {
        (Some(a), Some(b)) => {
            let r = resolve(a, b, ctx);
            let migration = r.compat == Compat::Migration;
            let timers = o.kind == Kind::Timers;
            merge_value(&mut out, r, "value", timers);
            if migration && rocks && o.kind == Kind::Map {
                map_key_rule(a, b, ctx, &mut out);
            }
        }
        _ => extra.push("a value serializer is missing on one side: not compared".into()),
    }
    let verdict = Verdict::of(out.compat);
    let mut reasons = out.reasons;
    reasons.extend(extra);
    StateVerdict {
        name: o.name.clone(),
        kind: o.kind.as_str().to_string(),
        verdict,
        old_type: value_text(o),
        new_type: value_text(n),
        reasons,
        caveats: out.caveats,
    }
}

/// Adds a value comparison: incompatible fails; migration migrates (keyed: rewritten; operator
/// state: read eagerly with the old serializer); for timers Flink only rules out incompatibility.
fn merge_value(out: &mut Outcome, r: Outcome, what: &str, timers: bool) {
    for c in r.caveats {
        if !out.caveats.contains(&c) {
            out.caveats.push(c);
        }
    }
    let c = r.compat;
    if timers && c == Compat::Migration {
        out.caveats.push(
            "timers (priority-queue state): Flink checks only for incompatibility and does not \
             migrate the elements (RocksDBPriorityQueueSetFactory, HeapPriorityQueuesManager)"
                .into(),
        );
    }
    if c == Compat::AsIs {
        return;
    }
    out.compat = out.compat.max(c);
    for reason in r.reasons {
        out.reasons.push(if what == "value" {
            reason
        } else {
            format!("{what}: {reason}")
        });
    }
}

/// RocksDB migrates only the values of a MapState: its user-key serializer must be compatible as
/// is (`RocksDBKeyedStateBackend#migrateStateValues`).
fn map_key_rule(a: &TypeInfo, b: &TypeInfo, ctx: Context, out: &mut Outcome) {
    if let (TypeInfo::Map { key: k1, .. }, TypeInfo::Map { key: k2, .. }) = (a, b) {
        let r = resolve(k1, k2, ctx);
        if r.compat != Compat::AsIs {
            out.add(
                Compat::Incompatible,
                format!(
                    "MapState key {} → {} while the values need migration: RocksDB migrates only \
                     map values, the key serializer must be compatible as is",
                    render(k1),
                    render(k2)
                ),
            );
        }
    }
}
