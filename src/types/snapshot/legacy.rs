//! Flink <= 1.6 wrote serializers themselves, Java-serialized, next to their config snapshots
//! (`TypeSerializerSerializationUtil.writeSerializersAndConfigsWithResilience`). The
//! serializer objects name their classes and hold their nested serializers as fields, which is
//! enough to rebuild the type tree without the config snapshots' class-specific payloads.
//! Layout: `formats/serializers.md` ("Flink 1.6 serializers and configs").

use std::io::Read;

use super::simple_serializer;
use crate::io::{DataInput, DecodeResult};
use crate::types::java_obj::{JavaValue, as_int, as_list, as_str, field, read_java_object};
use crate::types::tree::TypeInfo;

/// One serializer with the class name of its config snapshot.
#[derive(Debug, Clone)]
pub struct LegacySerializer {
    pub ty: TypeInfo,
    /// Class of the config snapshot (`...ParameterlessTypeSerializerConfig`, ...), or of the
    /// serializer when the config cannot be read.
    pub config_class: String,
    /// Class of the serializer object, when it could be read.
    pub serializer_class: Option<String>,
    /// The Java-serialized serializer bytes.
    pub raw: Vec<u8>,
}

/// Reads `int32 n`, `n` pairs of `int32` offsets (serializer, config) into a buffer, `int32`
/// buffer length and the buffer; returns the serializers in order.
pub fn read_serializers_and_configs<R: Read>(
    d: &mut DataInput<R>,
) -> DecodeResult<Vec<LegacySerializer>> {
    let n_at = d.pos();
    let n = d.i32("serializer count")?;
    if !(0..=64).contains(&n) {
        return Err(d.err_at(n_at, format!("a serializer count 0..64, found {n}")));
    }
    let mut offsets = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let s = d.i32("serializer offset")?;
        let c = d.i32("config snapshot offset")?;
        offsets.push((s, c));
    }
    let buf_at = d.pos() + 4;
    let buf = d.int_len_bytes("serializers-and-configs buffer")?;
    let file = d.file().clone();
    let mut out = Vec::with_capacity(offsets.len());
    for (i, (s, c)) in offsets.iter().enumerate() {
        let slice = |from: i32, what: &str| {
            usize::try_from(from)
                .ok()
                .filter(|f| *f <= buf.len())
                .ok_or_else(|| {
                    d.err_at(
                        n_at + 4 + 8 * i as u64,
                        format!(
                            "{what} offset within the {}-byte buffer, found {from}",
                            buf.len()
                        ),
                    )
                })
        };
        let s = slice(*s, "serializer")?;
        let c = slice(*c, "config snapshot")?;
        let end = if c >= s { c } else { buf.len() };
        let raw = buf.get(s..end).unwrap_or_default().to_vec();
        // TypeSerializerSerializationProxy: int32 version 1, int32 length, Java stream
        let mut sd = DataInput::from_slice(&file, &raw, buf_at + s as u64);
        let java = sd
            .i32("serializer proxy version")
            .and_then(|_| sd.int_len_bytes("Java-serialized serializer"))
            .and_then(|b| {
                let mut jd = DataInput::from_slice(&file, &b, buf_at + s as u64 + 8);
                read_java_object(&mut jd, "Java-serialized serializer")
            });
        let runtime_type = java
            .as_ref()
            .ok()
            .and_then(|v| class_name(field(v, "type")));
        let (ty, serializer_class) = match java {
            Ok(v) => (
                type_of_serializer(&v, 0),
                crate::types::java_obj::class_of(&v).map(str::to_string),
            ),
            Err(e) => (
                TypeInfo::Opaque {
                    class_name: format!("(unreadable Java-serialized serializer: {e})"),
                    snapshot: Vec::new(),
                },
                None,
            ),
        };
        // config: int32 proxy version 1, UTF class name, then its own payload
        let mut cd = DataInput::from_slice(&file, buf.get(c..).unwrap_or_default(), 0);
        let config_class = match (cd.i32("config proxy version"), cd.utf("config class")) {
            (Ok(1), Ok(class)) => class,
            _ => ty.to_string(),
        };
        // The 1.6 AvroSerializer leaves its schema to the config: int32 version, UTF schema.
        let ty = match ty {
            TypeInfo::Opaque { class_name, .. }
                if config_class.ends_with("AvroSerializer$AvroSchemaSerializerConfigSnapshot") =>
            {
                match cd
                    .i32("Avro config version")
                    .and_then(|_| cd.utf("Avro schema"))
                {
                    Ok(schema) => TypeInfo::Avro {
                        runtime_type,
                        parsed: crate::types::avro::AvroSchema::parse(&schema)
                            .ok()
                            .map(std::sync::Arc::new),
                        schema,
                    },
                    Err(_) => TypeInfo::Opaque {
                        class_name,
                        snapshot: Vec::new(),
                    },
                }
            }
            other => other,
        };
        out.push(LegacySerializer {
            ty,
            config_class,
            serializer_class,
            raw,
        });
    }
    Ok(out)
}

fn class_name(v: Option<&JavaValue>) -> Option<String> {
    match v? {
        JavaValue::Class(c) => Some(c.to_string()),
        other => as_str(other).map(str::to_string),
    }
}

/// The type a Java-serialized `TypeSerializer` object serializes.
pub fn type_of_serializer(v: &JavaValue, depth: usize) -> TypeInfo {
    let opaque = |class: &str| TypeInfo::Opaque {
        class_name: class.to_string(),
        snapshot: Vec::new(),
    };
    let JavaValue::Object(o) = v else {
        return opaque("(not a serializer object)");
    };
    let class: &str = &o.class;
    if depth > 32 {
        return opaque(class);
    }
    if let Some(t) = simple_serializer(class, class) {
        return t;
    }
    let sub = |name: &str| field(v, name).map(|f| Box::new(type_of_serializer(f, depth + 1)));
    let list = |name: &str| -> Option<Vec<TypeInfo>> {
        Some(
            as_list(field(v, name)?)?
                .into_iter()
                .map(|f| type_of_serializer(f, depth + 1))
                .collect(),
        )
    };
    let t = match class {
        "org.apache.flink.api.java.typeutils.runtime.EitherSerializer" => sub("leftSerializer")
            .zip(sub("rightSerializer"))
            .map(|(left, right)| TypeInfo::Either { left, right }),
        "org.apache.flink.api.java.typeutils.runtime.TupleSerializer" => list("fieldSerializers")
            .map(|fields| TypeInfo::Tuple {
                class: class_name(field(v, "tupleClass")).unwrap_or_else(|| {
                    format!("org.apache.flink.api.java.tuple.Tuple{}", fields.len())
                }),
                fields,
            }),
        "org.apache.flink.api.java.typeutils.runtime.RowSerializer" => list("fieldSerializers")
            .map(|fields| TypeInfo::Row {
                fields,
                supports_row_kind: false,
            }),
        "org.apache.flink.api.common.typeutils.base.ListSerializer" => {
            sub("elementSerializer").map(|elem| TypeInfo::List { elem })
        }
        "org.apache.flink.api.common.typeutils.base.MapSerializer" => sub("keySerializer")
            .zip(sub("valueSerializer"))
            .map(|(key, value)| TypeInfo::Map { key, value }),
        "org.apache.flink.api.java.typeutils.runtime.NullableSerializer" => {
            sub("originalSerializer").map(|inner| TypeInfo::Nullable {
                inner,
                padding: field(v, "padding")
                    .and_then(|p| match p {
                        JavaValue::Array { elements, .. } => Some(elements.len() as u32),
                        other => as_int(other).map(|n| n.max(0) as u32),
                    })
                    .unwrap_or(0),
            })
        }
        "org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializer" => {
            list("fieldSerializers").and_then(|mut f| {
                (f.len() == 2).then(|| TypeInfo::Ttl {
                    inner: Box::new(f.remove(1)),
                })
            })
        }
        "org.apache.flink.formats.avro.typeutils.AvroSerializer" => {
            let schema = field(v, "schemaString")
                .and_then(as_str)
                .map(str::to_string);
            schema.map(|schema| TypeInfo::Avro {
                runtime_type: class_name(field(v, "type")),
                parsed: crate::types::avro::AvroSchema::parse(&schema)
                    .ok()
                    .map(std::sync::Arc::new),
                schema,
            })
        }
        "org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer" => Some(TypeInfo::Kryo {
            class: class_name(field(v, "type")).unwrap_or_else(|| class.to_string()),
        }),
        _ => None,
    };
    t.unwrap_or_else(|| opaque(class))
}
