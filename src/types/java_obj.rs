//! Reading Java-serialized objects inside serializer snapshots (SQL `LogicalType`s, `DataType`s,
//! comparators, legacy serializers). The stream reader itself is the crate's one Java
//! serialization reader, `io::java_serial` (it also reads the `_metadata` trailer); this
//! module adds the accessors snapshot reading needs.

use std::io::Read;

pub use crate::io::java_serial::JavaValue;
use crate::io::{DataInput, DecodeResult};

/// Reads one complete Java serialization stream (`AC ED 00 05`, one object) and stops right
/// after it; `what` names it in errors.
pub fn read_java_object<R: Read>(d: &mut DataInput<R>, what: &str) -> DecodeResult<JavaValue> {
    crate::io::java_serial::read_stream(d).map_err(|e| e.with_context(what.to_string()))
}

/// Field `name` of an object (searching from the most derived class up).
pub fn field<'a>(v: &'a JavaValue, name: &str) -> Option<&'a JavaValue> {
    match v {
        JavaValue::Object(o) => o.field(name),
        _ => None,
    }
}

/// Class name of an object, array or enum constant.
pub fn class_of(v: &JavaValue) -> Option<&str> {
    match v {
        JavaValue::Object(o) => Some(&o.class),
        JavaValue::Array { class, .. } | JavaValue::Enum { class, .. } => Some(class),
        _ => None,
    }
}

pub fn as_int(v: &JavaValue) -> Option<i64> {
    Some(match v {
        JavaValue::Byte(x) => *x as i64,
        JavaValue::Short(x) => *x as i64,
        JavaValue::Int(x) => *x as i64,
        JavaValue::Long(x) => *x,
        _ => return None,
    })
}

/// A string, or the constant name of an enum.
pub fn as_str(v: &JavaValue) -> Option<&str> {
    match v {
        JavaValue::String(s) => Some(s),
        JavaValue::Enum { constant, .. } => Some(constant),
        _ => None,
    }
}

/// Elements of a `java.util` list: `ArrayList`/`LinkedList` (elements in the custom
/// `writeObject` data), the unmodifiable and `Arrays.asList` wrappers, or a plain array.
pub fn as_list(v: &JavaValue) -> Option<Vec<&JavaValue>> {
    match v {
        JavaValue::Array { elements, .. } => Some(elements.iter().collect()),
        JavaValue::Object(o) => {
            for wrapped in ["list", "c", "a"] {
                if let Some(inner) = o.field(wrapped)
                    && !matches!(inner, JavaValue::Null)
                {
                    return as_list(inner);
                }
            }
            o.class.starts_with("java.util.").then(|| {
                o.annotations
                    .iter()
                    .filter(|v| !matches!(v, JavaValue::BlockData(_)))
                    .collect()
            })
        }
        _ => None,
    }
}
