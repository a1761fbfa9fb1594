//! `CompositeTypeSerializerSnapshot`s (List, Map, Tuple, Row, TTL, Timer, ...): the outer
//! payload per class, the nested-serializer block, and how an unknown child is stepped over.

use std::io::Read;

use super::{DELEGATE_MAGIC, MAX_SCAN, Parsed, read_with_class};
use crate::io::{DataInput, DecodeResult};
use crate::types::java_obj::read_java_object;
use crate::types::tree::TypeInfo;

/// `CompositeTypeSerializerSnapshot` after its magic: outer version, outer payload, delegate.
pub(super) fn read_composite<R: Read>(
    d: &mut DataInput<R>,
    class: String,
    version: i32,
    payload_at: u64,
    depth: usize,
) -> DecodeResult<Parsed> {
    let outer = d.i32("composite outer snapshot version")?;
    let short = class.rsplit('.').next().unwrap_or(&class).to_string();
    enum Outer {
        None,
        Utf(String),
        Bool(bool),
        Int(i32),
        Unknown,
    }
    let outer_payload = match short.as_str() {
        "ListSerializerSnapshot"
        | "MapSerializerSnapshot"
        | "SetSerializerSnapshot"
        | "TtlStateFactory$TtlSerializerSnapshot"
        | "TimerSerializerSnapshot"
        | "StreamElementSerializer$StreamElementSerializerSnapshot"
        | "LockableTypeSerializerSnapshot"
        | "JavaEitherSerializerSnapshot"
        | "ListViewSerializerSnapshot"
        | "MapViewSerializerSnapshot"
        | "RawValueDataSerializer$RawValueDataSerializerSnapshot" => Outer::None,
        "GenericArraySerializerSnapshot" | "TupleSerializerSnapshot" => {
            Outer::Utf(d.utf("composite outer class name")?)
        }
        "RowSerializer$RowSerializerSnapshot" => Outer::Bool(if outer >= 4 {
            d.bool("row supportsRowKind")?
        } else {
            outer == 3
        }),
        "NullableSerializer$NullableSerializerSnapshot" => {
            Outer::Int(d.i32("nullable padding length")?)
        }
        "NFAStateSerializerSnapshot" if outer >= 2 => Outer::Bool(d.bool("NFA flag")?),
        // outer v1: no null mask; v2: null mask implied; v3+: a flag
        "LinkedListSerializer$LinkedListSerializerSnapshot" => Outer::Bool(if outer >= 3 {
            d.bool("linked list hasNullMask")?
        } else {
            outer == 2
        }),
        "ExternalSerializer$ExternalSerializerSnapshot" => {
            read_java_object(d, "external DataType")?;
            Outer::Bool(d.bool("external isInternalInput")?)
        }
        _ => Outer::Unknown,
    };
    let children = match outer_payload {
        Outer::Unknown => {
            // Outer payload of unknown layout: scan for the delegate block header.
            scan_to_delegate(d)?;
            read_nested_list(d, depth)?
        }
        _ => read_delegate(d, depth)?,
    };
    let mut children = match children {
        Ok(c) => c,
        Err(()) => {
            return Ok(Parsed::Unknown {
                class_name: class,
                version,
                payload_at,
                consumed: Vec::new(),
            });
        }
    };
    let one = |c: &mut Vec<TypeInfo>| Box::new(c.pop().unwrap_or(TypeInfo::NullMarker));
    let n = children.len();
    let ty = match (short.as_str(), outer_payload) {
        ("ListSerializerSnapshot", _) if n == 1 => TypeInfo::List {
            elem: one(&mut children),
        },
        ("SetSerializerSnapshot", _) if n == 1 => TypeInfo::Set {
            elem: one(&mut children),
        },
        ("MapSerializerSnapshot", _) if n == 2 => {
            let value = one(&mut children);
            TypeInfo::Map {
                key: one(&mut children),
                value,
            }
        }
        ("TtlStateFactory$TtlSerializerSnapshot", _) if n == 2 => TypeInfo::Ttl {
            inner: one(&mut children),
        },
        ("TimerSerializerSnapshot", _) if n == 2 => {
            let namespace = one(&mut children);
            TypeInfo::Timer {
                key: one(&mut children),
                namespace,
            }
        }
        ("GenericArraySerializerSnapshot", Outer::Utf(component_class)) if n == 1 => {
            TypeInfo::GenericArray {
                component_class,
                elem: one(&mut children),
            }
        }
        ("TupleSerializerSnapshot", Outer::Utf(class)) => TypeInfo::Tuple {
            class,
            fields: children,
        },
        ("RowSerializer$RowSerializerSnapshot", Outer::Bool(supports_row_kind)) => TypeInfo::Row {
            fields: children,
            supports_row_kind,
        },
        ("NullableSerializer$NullableSerializerSnapshot", Outer::Int(p)) if n == 1 => {
            TypeInfo::Nullable {
                inner: one(&mut children),
                padding: p.max(0) as u32,
            }
        }
        ("JavaEitherSerializerSnapshot", _) if n == 2 => {
            let right = one(&mut children);
            TypeInfo::Either {
                left: one(&mut children),
                right,
            }
        }
        // The views serialize exactly as their list / map.
        ("ListViewSerializerSnapshot" | "MapViewSerializerSnapshot", _) if n == 1 => {
            *one(&mut children)
        }
        ("RawValueDataSerializer$RawValueDataSerializerSnapshot", _) if n == 1 => {
            TypeInfo::RawValue {
                inner: one(&mut children),
            }
        }
        ("StreamElementSerializer$StreamElementSerializerSnapshot", _) if n == 1 => {
            TypeInfo::StreamElement {
                inner: one(&mut children),
            }
        }
        ("ExternalSerializer$ExternalSerializerSnapshot", _) if n == 1 => TypeInfo::External {
            inner: one(&mut children),
        },
        ("LinkedListSerializer$LinkedListSerializerSnapshot", Outer::Bool(null_mask)) if n == 1 => {
            TypeInfo::LinkedList {
                elem: one(&mut children),
                null_mask,
            }
        }
        _ => TypeInfo::Composite { class, children },
    };
    Ok(Parsed::Known(ty))
}

/// Consumes bytes until just after `001457FD 00000001` (the nested-snapshot delegate header).
fn scan_to_delegate<R: Read>(d: &mut DataInput<R>) -> DecodeResult<()> {
    let at = d.pos();
    let mut window: u64 = 0;
    for i in 0..MAX_SCAN {
        let b = d.u8("composite outer payload of unknown layout")?;
        window = (window << 8) | b as u64;
        if i >= 7 && window == ((DELEGATE_MAGIC as u64) << 32 | 1) {
            return Ok(());
        }
    }
    Err(d.err_at(at, "a nested-serializer block within 1 MiB"))
}

/// `NestedSerializersSnapshotDelegate`: magic, version 1, count, nested snapshots.
/// `Err(())` = a nested snapshot was unknown and could not be delimited.
pub(super) fn read_delegate<R: Read>(
    d: &mut DataInput<R>,
    depth: usize,
) -> DecodeResult<Result<Vec<TypeInfo>, ()>> {
    let at = d.pos();
    let magic = d.i32("nested serializers magic")?;
    if magic != DELEGATE_MAGIC {
        return Err(d.err_at(
            at,
            format!("nested serializers magic 001457FD, found {magic:08X}"),
        ));
    }
    let v_at = d.pos();
    let v = d.i32("nested serializers version")?;
    if v != 1 {
        return Err(d.err_at(v_at, format!("nested serializers version 1, found {v}")));
    }
    read_nested_list(d, depth)
}

fn read_nested_list<R: Read>(
    d: &mut DataInput<R>,
    depth: usize,
) -> DecodeResult<Result<Vec<TypeInfo>, ()>> {
    let n_at = d.pos();
    let n = d.i32("nested serializer count")?;
    if !(0..=4096).contains(&n) {
        return Err(d.err_at(
            n_at,
            format!("a nested serializer count 0..4096, found {n}"),
        ));
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut pending: Option<String> = None;
    for i in 0..n {
        let class = match pending.take() {
            Some(c) => c,
            None => d.utf("nested serializer snapshot class name")?,
        };
        match read_with_class(d, class, depth + 1)? {
            Parsed::Known(t) => out.push(t),
            Parsed::Unknown {
                class_name,
                mut consumed,
                ..
            } => {
                if i + 1 == n {
                    return Ok(Err(()));
                }
                // Not the last child: the next sibling starts with a snapshot class name.
                let (bytes, next) = scan_to_class_name(d)?;
                consumed.extend(bytes);
                out.push(TypeInfo::Opaque {
                    class_name,
                    snapshot: consumed,
                });
                pending = Some(next);
            }
        }
    }
    Ok(Ok(out))
}

fn is_class_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'$' || b == b'_'
}

/// Consumes bytes until they end with a `UTF` string that looks like a snapshot class name
/// (`...Snapshot`, dotted, preceded by its correct length). Returns the bytes before it and
/// the class name.
pub(crate) fn scan_to_class_name<R: Read>(d: &mut DataInput<R>) -> DecodeResult<(Vec<u8>, String)> {
    let at = d.pos();
    let mut buf = Vec::new();
    while buf.len() < MAX_SCAN {
        buf.push(d.u8("unknown serializer snapshot payload")?);
        if let Some(start) = tail_class_name(&buf) {
            let name = String::from_utf8_lossy(&buf[start + 2..]).into_owned();
            buf.truncate(start);
            return Ok((buf, name));
        }
    }
    Err(d.err_at(at, "the next serializer snapshot class name within 1 MiB"))
}

/// If `buf` ends with `u16 len` + a class name ending in "Snapshot", its start index.
pub(crate) fn tail_class_name(buf: &[u8]) -> Option<usize> {
    if !buf.ends_with(b"Snapshot") {
        return None;
    }
    let n = buf.len();
    // grow the candidate name leftwards while it stays a class name
    for len in 9..1024usize {
        let Some(first) = n.checked_sub(len) else {
            break;
        };
        if !buf.get(first).copied().is_some_and(is_class_char) {
            break;
        }
        let Some(start) = first.checked_sub(2) else {
            break;
        };
        let l = u16::from_be_bytes([buf[start], buf[first - 1]]) as usize;
        if l == len && buf[first].is_ascii_alphabetic() && buf[first..].contains(&b'.') {
            return Some(start);
        }
    }
    None
}
