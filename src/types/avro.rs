//! Avro values as Flink's `AvroSerializer` writes them: Avro's datum structure, but primitives
//! through Java `DataOutput` (`DataOutputEncoder`): fixed-width big-endian ints, `int32`-length
//! strings and bytes, `int32` union and enum indexes, and array/map blocks counted with an
//! unsigned 7-bit varint and closed by a `00` byte. The writer schema is the JSON schema kept in
//! the serializer snapshot.

use std::collections::HashMap;
use std::io::Read;

use super::value::Value;
use crate::io::{DataInput, DecodeResult};

/// A resolved Avro schema node; named types are referenced by index into [`AvroSchema::named`].
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Record(usize),
    Enum(usize),
    Fixed(usize),
    Array(Box<Node>),
    Map(Box<Node>),
    Union(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Named {
    Record {
        name: String,
        fields: Vec<(String, Node)>,
    },
    Enum {
        name: String,
        symbols: Vec<String>,
    },
    Fixed {
        name: String,
        size: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct AvroSchema {
    pub root: Node,
    pub named: Vec<Named>,
}

impl AvroSchema {
    /// Parses a JSON schema. Errors are plain messages (the caller knows the offset).
    pub fn parse(json: &str) -> Result<AvroSchema, String> {
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("Avro schema JSON: {e}"))?;
        let mut p = SchemaParser {
            named: Vec::new(),
            index: HashMap::new(),
        };
        let root = p.node(&v, "", 0)?;
        Ok(AvroSchema {
            root,
            named: p.named,
        })
    }
}

struct SchemaParser {
    named: Vec<Named>,
    index: HashMap<String, usize>,
}

impl SchemaParser {
    fn full_name(name: &str, ns: &str) -> String {
        if name.contains('.') || ns.is_empty() {
            name.to_string()
        } else {
            format!("{ns}.{name}")
        }
    }

    fn node(&mut self, v: &serde_json::Value, ns: &str, depth: usize) -> Result<Node, String> {
        if depth > 64 {
            return Err("Avro schema nested at most 64 deep".into());
        }
        use serde_json::Value as J;
        match v {
            J::String(s) => self.by_name(s, ns),
            J::Array(items) => Ok(Node::Union(
                items
                    .iter()
                    .map(|i| self.node(i, ns, depth + 1))
                    .collect::<Result<_, _>>()?,
            )),
            J::Object(o) => {
                let ty = o.get("type").ok_or("Avro schema object without \"type\"")?;
                let ty_name = match ty {
                    J::String(s) => s.as_str(),
                    other => return self.node(other, ns, depth + 1),
                };
                let name = o.get("name").and_then(J::as_str).unwrap_or("");
                let ns2 = o
                    .get("namespace")
                    .and_then(J::as_str)
                    .unwrap_or(ns)
                    .to_string();
                let full = Self::full_name(name, &ns2);
                let inner_ns = full
                    .rsplit_once('.')
                    .map(|(a, _)| a.to_string())
                    .unwrap_or_default();
                match ty_name {
                    "record" | "error" => {
                        let idx = self.named.len();
                        self.named.push(Named::Record {
                            name: full.clone(),
                            fields: Vec::new(),
                        });
                        self.index.insert(full.clone(), idx);
                        let mut fields = Vec::new();
                        for f in o
                            .get("fields")
                            .and_then(J::as_array)
                            .ok_or("record without fields")?
                        {
                            let fname = f
                                .get("name")
                                .and_then(J::as_str)
                                .ok_or("field without name")?;
                            let ft = f.get("type").ok_or("field without type")?;
                            fields.push((fname.to_string(), self.node(ft, &inner_ns, depth + 1)?));
                        }
                        self.named[idx] = Named::Record { name: full, fields };
                        Ok(Node::Record(idx))
                    }
                    "enum" => {
                        let symbols = o
                            .get("symbols")
                            .and_then(J::as_array)
                            .ok_or("enum without symbols")?
                            .iter()
                            .map(|s| s.as_str().unwrap_or("").to_string())
                            .collect();
                        self.named.push(Named::Enum {
                            name: full.clone(),
                            symbols,
                        });
                        self.index.insert(full, self.named.len() - 1);
                        Ok(Node::Enum(self.named.len() - 1))
                    }
                    "fixed" => {
                        let size =
                            o.get("size")
                                .and_then(J::as_u64)
                                .ok_or("fixed without size")? as usize;
                        self.named.push(Named::Fixed {
                            name: full.clone(),
                            size,
                        });
                        self.index.insert(full, self.named.len() - 1);
                        Ok(Node::Fixed(self.named.len() - 1))
                    }
                    "array" => Ok(Node::Array(Box::new(self.node(
                        o.get("items").ok_or("array without items")?,
                        ns,
                        depth + 1,
                    )?))),
                    "map" => Ok(Node::Map(Box::new(self.node(
                        o.get("values").ok_or("map without values")?,
                        ns,
                        depth + 1,
                    )?))),
                    other => self.by_name(other, ns),
                }
            }
            other => Err(format!("an Avro schema node, found {other}")),
        }
    }

    fn by_name(&self, s: &str, ns: &str) -> Result<Node, String> {
        Ok(match s {
            "null" => Node::Null,
            "boolean" => Node::Boolean,
            "int" => Node::Int,
            "long" => Node::Long,
            "float" => Node::Float,
            "double" => Node::Double,
            "bytes" => Node::Bytes,
            "string" => Node::String,
            name => {
                let idx = self
                    .index
                    .get(&Self::full_name(name, ns))
                    .or_else(|| self.index.get(name))
                    .ok_or_else(|| format!("a defined Avro type named {name}"))?;
                match self.named.get(*idx) {
                    Some(Named::Record { .. }) => Node::Record(*idx),
                    Some(Named::Enum { .. }) => Node::Enum(*idx),
                    _ => Node::Fixed(*idx),
                }
            }
        })
    }
}

fn var_count<R: Read>(d: &mut DataInput<R>) -> DecodeResult<u64> {
    let at = d.pos();
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = d.u8("Avro block count")?;
        v |= ((b & 0x7F) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(d.err_at(at, "an Avro block count of at most 10 bytes"))
}

/// Decodes one datum written by Flink's `AvroSerializer` with schema `s`.
pub fn decode_avro<R: Read>(s: &AvroSchema, d: &mut DataInput<R>) -> DecodeResult<Value> {
    node(s, &s.root, d, 0)
}

fn node<R: Read>(
    s: &AvroSchema,
    n: &Node,
    d: &mut DataInput<R>,
    depth: usize,
) -> DecodeResult<Value> {
    if depth > 64 {
        return Err(d.err("Avro values nested at most 64 deep"));
    }
    Ok(match n {
        Node::Null => Value::Null,
        Node::Boolean => Value::Bool(d.bool("Avro boolean")?),
        Node::Int => Value::Int(d.i32("Avro int")? as i64),
        Node::Long => Value::Int(d.i64("Avro long")?),
        Node::Float => Value::Float(d.f32("Avro float")? as f64),
        Node::Double => Value::Float(d.f64("Avro double")?),
        Node::Bytes => Value::Bytes(d.int_len_bytes("Avro bytes")?),
        Node::String => {
            Value::String(String::from_utf8_lossy(&d.int_len_bytes("Avro string")?).into_owned())
        }
        Node::Union(branches) => {
            let at = d.pos();
            let i = d.i32("Avro union index")?;
            let b = usize::try_from(i)
                .ok()
                .and_then(|i| branches.get(i))
                .ok_or_else(|| {
                    d.err_at(
                        at,
                        format!("a union branch below {}, found {i}", branches.len()),
                    )
                })?;
            node(s, b, d, depth + 1)?
        }
        Node::Array(items) => {
            let mut out = Vec::new();
            loop {
                let n = var_count(d)?;
                if n == 0 {
                    break;
                }
                for _ in 0..n {
                    out.push(node(s, items, d, depth + 1)?);
                }
            }
            Value::List(out)
        }
        Node::Map(values) => {
            let mut out = Vec::new();
            loop {
                let n = var_count(d)?;
                if n == 0 {
                    break;
                }
                for _ in 0..n {
                    let k = String::from_utf8_lossy(&d.int_len_bytes("Avro map key")?).into_owned();
                    out.push((Value::String(k), node(s, values, d, depth + 1)?));
                }
            }
            Value::Map(out)
        }
        Node::Record(i) | Node::Enum(i) | Node::Fixed(i) => match s.named.get(*i) {
            Some(Named::Record { fields, .. }) => {
                let mut out = Vec::with_capacity(fields.len());
                for (name, t) in fields {
                    out.push((name.clone(), node(s, t, d, depth + 1)?));
                }
                Value::Struct(out)
            }
            Some(Named::Enum { name, symbols }) => {
                let at = d.pos();
                let i = d.i32("Avro enum index")?;
                let sym = usize::try_from(i)
                    .ok()
                    .and_then(|i| symbols.get(i))
                    .ok_or_else(|| {
                        d.err_at(at, format!("a symbol index of enum {name}, found {i}"))
                    })?;
                Value::Enum(sym.clone())
            }
            Some(Named::Fixed { size, .. }) => Value::Bytes(d.bytes(*size as u64, "Avro fixed")?),
            None => return Err(d.err("a defined Avro named type")),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn record_with_union_array_and_enum() {
        let schema = r#"{"type":"record","name":"R","namespace":"x","fields":[
            {"name":"id","type":"long"},
            {"name":"name","type":["null","string"]},
            {"name":"tags","type":{"type":"array","items":"int"}},
            {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
            {"name":"again","type":["null","E"]}]}"#;
        let s = AvroSchema::parse(schema).unwrap();
        let mut b = 7i64.to_be_bytes().to_vec();
        b.extend(1i32.to_be_bytes());
        b.extend(2i32.to_be_bytes());
        b.extend(b"hi");
        b.push(2); // two items
        b.extend(5i32.to_be_bytes());
        b.extend(6i32.to_be_bytes());
        b.push(0); // end of array
        b.extend(1i32.to_be_bytes()); // B
        b.extend(0i32.to_be_bytes()); // null branch
        b.push(0xEE);
        let n: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&n, &b, 0);
        let v = decode_avro(&s, &mut d).unwrap();
        assert_eq!(d.rest(), &[0xEE]);
        assert_eq!(
            v,
            Value::Struct(vec![
                ("id".into(), Value::Int(7)),
                ("name".into(), Value::String("hi".into())),
                (
                    "tags".into(),
                    Value::List(vec![Value::Int(5), Value::Int(6)])
                ),
                ("e".into(), Value::Enum("B".into())),
                ("again".into(), Value::Null),
            ])
        );
    }
}
