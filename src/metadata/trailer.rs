//! The version 4+ trailer: a Java-serialized `CheckpointProperties`, decoded with the generic
//! reader in `java_serial` and then interpreted by field name.

use std::io::Read;

use serde::Serialize;

use crate::io::{DataInput, DecodeResult};

use crate::io::java_serial::{JavaObject, JavaValue, read_stream};

/// What kind of snapshot the properties describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// A regular (possibly incremental) checkpoint: `CheckpointType` "Checkpoint".
    Checkpoint,
    /// A checkpoint forced to be full: `CheckpointType` "Full Checkpoint".
    FullCheckpoint,
    /// A savepoint with post-checkpoint action NONE.
    Savepoint,
    /// A stop-with-savepoint (action SUSPEND or TERMINATE).
    SyncSavepoint,
    /// The type object was not one of the classes above.
    Unknown,
}

/// `SavepointFormatType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SavepointFormat {
    Canonical,
    Native,
}

/// Flink's `CheckpointProperties`, as stored at the end of version 4+ `_metadata` files.
/// Flags are `None` when the serialized class lacks the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointProperties {
    pub kind: SnapshotKind,
    /// `SavepointType.formatType`; `None` for checkpoints.
    pub format: Option<SavepointFormat>,
    /// The type's display name: "Checkpoint", "Full Checkpoint", "Savepoint",
    /// "Suspend Savepoint", "Terminate Savepoint".
    pub type_name: Option<String>,
    /// `SavepointType.postCheckpointAction`: NONE, SUSPEND or TERMINATE.
    pub post_checkpoint_action: Option<String>,
    /// `CheckpointType.sharingFilesStrategy`, e.g. FORWARD_BACKWARD.
    pub sharing_files_strategy: Option<String>,
    pub forced: Option<bool>,
    pub discard_subsumed: Option<bool>,
    pub discard_finished: Option<bool>,
    pub discard_cancelled: Option<bool>,
    pub discard_failed: Option<bool>,
    pub discard_suspended: Option<bool>,
    /// True when the snapshot was restored in NO_CLAIM mode and not yet re-taken.
    pub unclaimed: Option<bool>,
    /// Class of the serialized object (normally `...checkpoint.CheckpointProperties`).
    pub raw_class_name: String,
    /// Class of the `checkpointType` field's value.
    pub type_class_name: Option<String>,
}

const PROPERTIES_CLASS: &str = "org.apache.flink.runtime.checkpoint.CheckpointProperties";

/// Reads the trailer; `None` when it holds a Java `null` (the State Processor API writes
/// savepoints without properties).
pub(crate) fn read_properties<R: Read>(
    input: &mut DataInput<R>,
) -> DecodeResult<Option<CheckpointProperties>> {
    let at = input.pos();
    let root = read_stream(input)?;
    let obj = match &root {
        JavaValue::Null => return Ok(None),
        JavaValue::Object(o) => o,
        _ => {
            return Err(input.err_at(at, "a serialized CheckpointProperties object"));
        }
    };
    if &*obj.class != PROPERTIES_CLASS {
        return Err(input.err_at(
            at,
            format!(
                "a serialized {PROPERTIES_CLASS}, found an object of class {}",
                obj.class
            ),
        ));
    }
    Ok(Some(interpret(obj)))
}

fn flag(o: &JavaObject, name: &str) -> Option<bool> {
    match o.field(name) {
        Some(JavaValue::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn string(o: &JavaObject, name: &str) -> Option<String> {
    match o.field(name) {
        Some(JavaValue::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

fn enum_constant(o: &JavaObject, name: &str) -> Option<String> {
    match o.field(name) {
        Some(JavaValue::Enum { constant, .. }) => Some(constant.to_string()),
        _ => None,
    }
}

fn interpret(obj: &JavaObject) -> CheckpointProperties {
    let mut p = CheckpointProperties {
        kind: SnapshotKind::Unknown,
        format: None,
        type_name: None,
        post_checkpoint_action: None,
        sharing_files_strategy: None,
        forced: flag(obj, "forced"),
        discard_subsumed: flag(obj, "discardSubsumed"),
        discard_finished: flag(obj, "discardFinished"),
        discard_cancelled: flag(obj, "discardCancelled"),
        discard_failed: flag(obj, "discardFailed"),
        discard_suspended: flag(obj, "discardSuspended"),
        unclaimed: flag(obj, "unclaimed"),
        raw_class_name: obj.class.to_string(),
        type_class_name: None,
    };
    match obj.field("checkpointType") {
        Some(JavaValue::Object(t)) => {
            p.type_class_name = Some(t.class.to_string());
            p.type_name = string(t, "name");
            if t.class.ends_with(".SavepointType") {
                p.format = match enum_constant(t, "formatType").as_deref() {
                    Some("CANONICAL") => Some(SavepointFormat::Canonical),
                    Some("NATIVE") => Some(SavepointFormat::Native),
                    _ => None,
                };
                p.post_checkpoint_action = enum_constant(t, "postCheckpointAction");
                p.kind = match p.post_checkpoint_action.as_deref() {
                    Some("NONE") => SnapshotKind::Savepoint,
                    Some(_) => SnapshotKind::SyncSavepoint,
                    None => SnapshotKind::Unknown,
                };
            } else if t.class.ends_with(".CheckpointType") {
                p.sharing_files_strategy = enum_constant(t, "sharingFilesStrategy");
                p.kind = match p.type_name.as_deref() {
                    Some("Full Checkpoint") => SnapshotKind::FullCheckpoint,
                    _ => SnapshotKind::Checkpoint,
                };
            }
        }
        // Flink 1.13-1.15 had an enum CheckpointType; kept for robustness.
        Some(JavaValue::Enum { class, constant }) => {
            p.type_class_name = Some(class.to_string());
            p.type_name = Some(constant.to_string());
            p.kind = match &**constant {
                "CHECKPOINT" => SnapshotKind::Checkpoint,
                "FULL_CHECKPOINT" => SnapshotKind::FullCheckpoint,
                "SAVEPOINT" => SnapshotKind::Savepoint,
                "SYNC_SAVEPOINT" | "SAVEPOINT_SUSPEND" | "SAVEPOINT_TERMINATE" => {
                    SnapshotKind::SyncSavepoint
                }
                _ => SnapshotKind::Unknown,
            };
        }
        _ => {}
    }
    p
}
