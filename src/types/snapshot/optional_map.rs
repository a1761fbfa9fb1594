//! Snapshots framed with Flink's `LinkedOptionalMap`: POJO (fields, subclasses) and Kryo
//! (registrations). Every entry is length-framed, so an unknown field serializer degrades only
//! that field.

use std::io::Read;
use std::sync::Arc;

use super::{OPTIONAL_MAP_HEADER, Parsed, read_with_class};
use crate::io::{DataInput, DecodeResult};
use crate::types::tree::{PojoField, TypeInfo};

/// LinkedOptionalMap: header, size, entries of (UTF name, optional framed key, optional framed
/// value). Calls `entry` with the name and the two frames.
fn read_optional_map<R: Read>(
    d: &mut DataInput<R>,
    what: &str,
    mut entry: impl FnMut(String, Option<Vec<u8>>, Option<Vec<u8>>, u64) -> DecodeResult<()>,
) -> DecodeResult<()> {
    let at = d.pos();
    let h = d.i64(what)?;
    if h != OPTIONAL_MAP_HEADER {
        return Err(d.err_at(
            at,
            format!("{what}: optional-map header 000004F2C69A3D70, found {h:016X}"),
        ));
    }
    let n_at = d.pos();
    let n = d.i32(what)?;
    let n = d.check_len(n as i64, n_at, what)?;
    for _ in 0..n {
        let name = d.utf(what)?;
        let key = if d.bool(what)? {
            Some(d.int_len_bytes(what)?)
        } else {
            None
        };
        let value_at = d.pos() + 5;
        let value = if d.bool(what)? {
            Some(d.int_len_bytes(what)?)
        } else {
            None
        };
        entry(name, key, value, value_at)?;
    }
    Ok(())
}

/// A nested snapshot inside a length frame: unknown layouts become `Opaque` with the rest of
/// the frame, so only this subtree degrades.
fn framed_snapshot(
    file: &Arc<str>,
    bytes: &[u8],
    base: u64,
    depth: usize,
) -> DecodeResult<TypeInfo> {
    let mut s = DataInput::from_slice(file, bytes, base);
    let class = s.utf("serializer snapshot class name")?;
    Ok(match read_with_class(&mut s, class.clone(), depth + 1)? {
        Parsed::Known(t) => t,
        Parsed::Unknown { payload_at, .. } => TypeInfo::Opaque {
            class_name: class,
            snapshot: bytes
                .get((payload_at - base) as usize..)
                .unwrap_or_default()
                .to_vec(),
        },
    })
}

pub(super) fn read_pojo<R: Read>(d: &mut DataInput<R>, depth: usize) -> DecodeResult<TypeInfo> {
    let class = d.utf("POJO class name")?;
    let file = d.file().clone();
    let mut fields = Vec::new();
    read_optional_map(d, "POJO field", |name, key, value, value_at| {
        let declaring_class = key.and_then(|k| {
            let mut s = DataInput::from_slice(&file, &k, 0);
            s.utf("declaring class").ok()
        });
        let ty = match value {
            Some(v) => framed_snapshot(&file, &v, value_at, depth)?,
            None => TypeInfo::Opaque {
                class_name: "(field serializer snapshot absent)".into(),
                snapshot: Vec::new(),
            },
        };
        fields.push(PojoField {
            name,
            declaring_class,
            ty,
        });
        Ok(())
    })?;
    let mut subclasses = Vec::new();
    read_optional_map(
        d,
        "POJO registered subclass",
        |name, _k, value, value_at| {
            if let Some(v) = value {
                subclasses.push((name, framed_snapshot(&file, &v, value_at, depth)?));
            }
            Ok(())
        },
    )?;
    read_optional_map(d, "POJO non-registered subclass", |_, _, _, _| Ok(()))?;
    Ok(TypeInfo::Pojo {
        class,
        fields,
        subclasses,
    })
}

pub(super) fn read_kryo<R: Read>(d: &mut DataInput<R>) -> DecodeResult<TypeInfo> {
    let class = d.utf("Kryo type class")?;
    for what in [
        "Kryo registration",
        "Kryo default serializer",
        "Kryo default serializer class",
    ] {
        read_optional_map(d, what, |_, _, _, _| Ok(()))?;
    }
    Ok(TypeInfo::Kryo { class })
}
