//! A reader for the subset of the Java Object Serialization Stream Protocol (version 5) that
//! appears inside serializer snapshots: Flink's SQL snapshots store `LogicalType`s, `DataType`s
//! and comparators with `ObjectOutputStream`, one stream after another, without a length.
//!
//! The reader turns one stream into a generic [`JValue`] tree (class names, field names, field
//! values, custom `writeObject` data) and stops exactly after the stream's single top-level
//! object, so the bytes after it can be read by the caller. Nothing is instantiated; unknown
//! classes are fine as long as their `writeObject` data is block data and objects.

use std::io::Read;

use crate::io::{DataInput, DecodeResult};

const MAGIC: u16 = 0xACED;
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ARRAY: u8 = 0x75;
const TC_CLASS: u8 = 0x76;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_RESET: u8 = 0x79;
const TC_BLOCKDATALONG: u8 = 0x7A;
const TC_LONGSTRING: u8 = 0x7C;
const TC_PROXYCLASSDESC: u8 = 0x7D;
const TC_ENUM: u8 = 0x7E;
const BASE_HANDLE: u32 = 0x7E_0000;

const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
const SC_EXTERNALIZABLE: u8 = 0x04;
const SC_BLOCK_DATA: u8 = 0x08;

/// Nesting limit: deeper object graphs are reported as corrupt rather than overflowing the stack.
const MAX_DEPTH: usize = 64;
/// Handle-table limit for one stream.
const MAX_HANDLES: usize = 100_000;

/// One value of a Java serialization stream.
#[derive(Debug, Clone, PartialEq)]
pub enum JValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(u16),
    String(String),
    /// A `java.lang.Class` object.
    Class(String),
    Enum {
        class: String,
        name: String,
    },
    Array {
        class: String,
        items: Vec<JValue>,
    },
    Object {
        class: String,
        /// Field values of every serializable class in the hierarchy, superclass first.
        fields: Vec<(String, JValue)>,
        /// Data written by custom `writeObject`/`writeExternal` methods, in order.
        annotations: Vec<JValue>,
    },
    /// Raw block data from a custom `writeObject` method.
    Block(Vec<u8>),
    /// A back reference to an object still being read (a cycle).
    Cycle(u32),
}

impl JValue {
    /// Field `name` of an object (the last one when a subclass shadows a superclass field).
    pub fn field(&self, name: &str) -> Option<&JValue> {
        match self {
            JValue::Object { fields, .. } => {
                fields.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    pub fn class(&self) -> Option<&str> {
        match self {
            JValue::Object { class, .. }
            | JValue::Array { class, .. }
            | JValue::Enum { class, .. } => Some(class),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            JValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            JValue::String(s) => Some(s),
            JValue::Enum { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Elements of a `java.util` list: `ArrayList`/`LinkedList` (elements in the custom data),
    /// the unmodifiable and `Arrays.asList` wrappers, or a plain array.
    pub fn as_list(&self) -> Option<Vec<&JValue>> {
        match self {
            JValue::Array { items, .. } => Some(items.iter().collect()),
            JValue::Object {
                class, annotations, ..
            } => {
                for wrapped in ["list", "c", "a"] {
                    if let Some(inner) = self.field(wrapped)
                        && !matches!(inner, JValue::Null)
                    {
                        return inner.as_list();
                    }
                }
                if class.starts_with("java.util.") {
                    Some(
                        annotations
                            .iter()
                            .filter(|v| !matches!(v, JValue::Block(_)))
                            .collect(),
                    )
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

#[derive(Debug)]
struct ClassDesc {
    name: String,
    flags: u8,
    fields: Vec<(u8, String)>,
    superclass: Option<std::rc::Rc<ClassDesc>>,
}

enum Handle {
    Desc(std::rc::Rc<ClassDesc>),
    Value(JValue),
    Pending,
}

/// Reads one Java serialization stream (magic, version, one top-level object).
pub fn read_java_object<R: Read>(d: &mut DataInput<R>, what: &str) -> DecodeResult<JValue> {
    let at = d.pos();
    let magic = d.u16(what)?;
    if magic != MAGIC {
        return Err(d.err_at(
            at,
            format!("{what}: Java serialization stream magic AC ED, found {magic:04X}"),
        ));
    }
    let version = d.u16(what)?;
    if version != 5 {
        return Err(d.err_at(
            at + 2,
            format!("{what}: Java serialization version 5, found {version}"),
        ));
    }
    let mut p = Parser {
        d,
        handles: Vec::new(),
        what,
    };
    p.content(0)
}

struct Parser<'a, R> {
    d: &'a mut DataInput<R>,
    handles: Vec<Handle>,
    what: &'a str,
}

impl<R: Read> Parser<'_, R> {
    fn new_handle(&mut self, h: Handle) -> DecodeResult<usize> {
        if self.handles.len() >= MAX_HANDLES {
            return Err(self
                .d
                .err(format!("{}: at most {MAX_HANDLES} Java handles", self.what)));
        }
        self.handles.push(h);
        Ok(self.handles.len() - 1)
    }

    /// Fills a handle reserved earlier (a `TC_RESET` inside the object may have cleared the
    /// table, in which case there is nothing to fill).
    fn set_handle(&mut self, h: usize, v: Handle) {
        if let Some(slot) = self.handles.get_mut(h) {
            *slot = v;
        }
    }

    fn depth_check(&self, depth: usize) -> DecodeResult<()> {
        if depth > MAX_DEPTH {
            return Err(self.d.err(format!(
                "{}: Java object nesting below {MAX_DEPTH}",
                self.what
            )));
        }
        Ok(())
    }

    /// One content element (object, string, block data, ...).
    fn content(&mut self, depth: usize) -> DecodeResult<JValue> {
        self.depth_check(depth)?;
        let at = self.d.pos();
        let tc = self.d.u8(self.what)?;
        self.content_tc(tc, at, depth)
    }

    fn content_tc(&mut self, tc: u8, at: u64, depth: usize) -> DecodeResult<JValue> {
        let what = self.what;
        match tc {
            TC_NULL => Ok(JValue::Null),
            TC_REFERENCE => {
                let h = self.d.u32(what)?;
                match h
                    .checked_sub(BASE_HANDLE)
                    .and_then(|i| self.handles.get(i as usize))
                {
                    Some(Handle::Value(v)) => Ok(v.clone()),
                    Some(Handle::Pending) => Ok(JValue::Cycle(h)),
                    Some(Handle::Desc(c)) => Ok(JValue::Class(c.name.clone())),
                    None => Err(self
                        .d
                        .err_at(at, format!("{what}: a known Java handle, found {h:#x}"))),
                }
            }
            TC_STRING => {
                let s = self.d.utf(what)?;
                self.new_handle(Handle::Value(JValue::String(s.clone())))?;
                Ok(JValue::String(s))
            }
            TC_LONGSTRING => {
                let len_at = self.d.pos();
                let len = self.d.i64(what)?;
                let len = self.d.check_len(len, len_at, what)?;
                let raw = self.d.bytes(len, what)?;
                let s = crate::io::text::modified_utf8(&raw).map_err(|i| {
                    self.d
                        .err_at(len_at + 8 + i as u64, format!("{what}: modified UTF-8"))
                })?;
                self.new_handle(Handle::Value(JValue::String(s.clone())))?;
                Ok(JValue::String(s))
            }
            TC_CLASSDESC | TC_PROXYCLASSDESC => {
                let desc = self.class_desc_tc(tc, at, depth)?;
                Ok(JValue::Class(
                    desc.map(|c| c.name.clone()).unwrap_or_default(),
                ))
            }
            TC_CLASS => {
                let desc = self.class_desc(depth + 1)?;
                let v = JValue::Class(desc.map(|c| c.name.clone()).unwrap_or_default());
                self.new_handle(Handle::Value(v.clone()))?;
                Ok(v)
            }
            TC_ENUM => {
                let desc = self.class_desc(depth + 1)?;
                let h = self.new_handle(Handle::Pending)?;
                let name = self.content(depth + 1)?;
                let class = desc.map(|c| c.name.clone()).unwrap_or_default();
                let v = JValue::Enum {
                    class,
                    name: name.as_str().unwrap_or_default().to_string(),
                };
                self.set_handle(h, Handle::Value(v.clone()));
                Ok(v)
            }
            TC_ARRAY => {
                let desc = self.class_desc(depth + 1)?;
                let h = self.new_handle(Handle::Pending)?;
                let len_at = self.d.pos();
                let n = self.d.i32(what)?;
                let class = desc.map(|c| c.name.clone()).unwrap_or_default();
                let elem = class.as_bytes().get(1).copied().unwrap_or(b'L');
                // every element takes at least one byte
                let n = self.d.check_len(n as i64, len_at, what)?;
                let mut items = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    items.push(self.field_value(elem, depth + 1)?);
                }
                let v = JValue::Array { class, items };
                self.set_handle(h, Handle::Value(v.clone()));
                Ok(v)
            }
            TC_OBJECT => self.object(depth),
            TC_BLOCKDATA => {
                let n = self.d.u8(what)? as u64;
                Ok(JValue::Block(self.d.bytes(n, what)?))
            }
            TC_BLOCKDATALONG => {
                let len_at = self.d.pos();
                let n = self.d.i32(what)?;
                let n = self.d.check_len(n as i64, len_at, what)?;
                Ok(JValue::Block(self.d.bytes(n, what)?))
            }
            TC_RESET => {
                self.handles.clear();
                self.content(depth)
            }
            other => Err(self.d.err_at(
                at,
                format!("{what}: a Java serialization type code (0x70..0x7E), found 0x{other:02X}"),
            )),
        }
    }

    fn class_desc(&mut self, depth: usize) -> DecodeResult<Option<std::rc::Rc<ClassDesc>>> {
        self.depth_check(depth)?;
        let at = self.d.pos();
        let tc = self.d.u8(self.what)?;
        self.class_desc_tc(tc, at, depth)
    }

    fn class_desc_tc(
        &mut self,
        tc: u8,
        at: u64,
        depth: usize,
    ) -> DecodeResult<Option<std::rc::Rc<ClassDesc>>> {
        let what = self.what;
        match tc {
            TC_NULL => Ok(None),
            TC_REFERENCE => {
                let h = self.d.u32(what)?;
                match h
                    .checked_sub(BASE_HANDLE)
                    .and_then(|i| self.handles.get(i as usize))
                {
                    Some(Handle::Desc(c)) => Ok(Some(c.clone())),
                    _ => Err(self.d.err_at(
                        at,
                        format!("{what}: a class descriptor handle, found {h:#x}"),
                    )),
                }
            }
            TC_CLASSDESC => {
                let name = self.d.utf(what)?;
                let _uid = self.d.i64(what)?;
                let h = self.new_handle(Handle::Pending)?;
                let flags = self.d.u8(what)?;
                let n = self.d.u16(what)?;
                let mut fields = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    let code_at = self.d.pos();
                    let code = self.d.u8(what)?;
                    let fname = self.d.utf(what)?;
                    match code {
                        b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => {}
                        b'L' | b'[' => {
                            // the field's type name, as a string object
                            self.content(depth + 1)?;
                        }
                        other => {
                            return Err(self.d.err_at(
                                code_at,
                                format!("{what}: a Java field type code, found 0x{other:02X}"),
                            ));
                        }
                    }
                    fields.push((code, fname));
                }
                self.annotations(depth + 1)?;
                let superclass = self.class_desc(depth + 1)?;
                let desc = std::rc::Rc::new(ClassDesc {
                    name,
                    flags,
                    fields,
                    superclass,
                });
                self.set_handle(h, Handle::Desc(desc.clone()));
                Ok(Some(desc))
            }
            TC_PROXYCLASSDESC => {
                let h = self.new_handle(Handle::Pending)?;
                let n = self.d.i32(what)?;
                if !(0..=1024).contains(&n) {
                    return Err(self
                        .d
                        .err(format!("{what}: a proxy interface count, found {n}")));
                }
                let mut names = Vec::new();
                for _ in 0..n {
                    names.push(self.d.utf(what)?);
                }
                self.annotations(depth + 1)?;
                let superclass = self.class_desc(depth + 1)?;
                let desc = std::rc::Rc::new(ClassDesc {
                    name: format!("$Proxy[{}]", names.join(",")),
                    flags: SC_SERIALIZABLE,
                    fields: Vec::new(),
                    superclass,
                });
                self.set_handle(h, Handle::Desc(desc.clone()));
                Ok(Some(desc))
            }
            other => Err(self.d.err_at(
                at,
                format!("{what}: a Java class descriptor, found type code 0x{other:02X}"),
            )),
        }
    }

    /// Contents up to and including `TC_ENDBLOCKDATA`.
    fn annotations(&mut self, depth: usize) -> DecodeResult<Vec<JValue>> {
        let mut out = Vec::new();
        loop {
            let at = self.d.pos();
            let tc = self.d.u8(self.what)?;
            if tc == TC_ENDBLOCKDATA {
                return Ok(out);
            }
            out.push(self.content_tc(tc, at, depth)?);
        }
    }

    fn object(&mut self, depth: usize) -> DecodeResult<JValue> {
        let what = self.what;
        let at = self.d.pos();
        let desc = self.class_desc(depth + 1)?.ok_or_else(|| {
            self.d
                .err_at(at, format!("{what}: a class descriptor for an object"))
        })?;
        let h = self.new_handle(Handle::Pending)?;
        // hierarchy, superclass first
        let mut chain = Vec::new();
        let mut cur = Some(desc.clone());
        while let Some(c) = cur {
            if chain.len() > MAX_DEPTH {
                return Err(self
                    .d
                    .err_at(at, format!("{what}: a class hierarchy below {MAX_DEPTH}")));
            }
            cur = c.superclass.clone();
            chain.push(c);
        }
        chain.reverse();
        let mut fields = Vec::new();
        let mut annotations = Vec::new();
        for c in chain {
            if c.flags & SC_EXTERNALIZABLE != 0 {
                if c.flags & SC_BLOCK_DATA == 0 {
                    return Err(self.d.err(format!(
                        "{what}: externalizable class {} in block-data mode (protocol 2)",
                        c.name
                    )));
                }
                annotations.extend(self.annotations(depth + 1)?);
            } else if c.flags & SC_SERIALIZABLE != 0 {
                for (code, name) in &c.fields {
                    let v = self.field_value(*code, depth + 1)?;
                    fields.push((name.clone(), v));
                }
                if c.flags & SC_WRITE_METHOD != 0 {
                    annotations.extend(self.annotations(depth + 1)?);
                }
            }
        }
        let v = JValue::Object {
            class: desc.name.clone(),
            fields,
            annotations,
        };
        self.set_handle(h, Handle::Value(v.clone()));
        Ok(v)
    }

    fn field_value(&mut self, code: u8, depth: usize) -> DecodeResult<JValue> {
        let what = self.what;
        Ok(match code {
            b'B' => JValue::Int(self.d.i8(what)? as i64),
            b'C' => JValue::Char(self.d.u16(what)?),
            b'D' => JValue::Float(self.d.f64(what)?),
            b'F' => JValue::Float(self.d.f32(what)? as f64),
            b'I' => JValue::Int(self.d.i32(what)? as i64),
            b'J' => JValue::Int(self.d.i64(what)?),
            b'S' => JValue::Int(self.d.i16(what)? as i64),
            b'Z' => JValue::Bool(self.d.bool(what)?),
            _ => self.content(depth)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn utf(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    }

    #[test]
    fn object_with_enum_field_and_trailing_bytes() {
        // class A { boolean z; E e; } with e = E.X, followed by 2 unrelated bytes
        let mut b = vec![0xAC, 0xED, 0, 5, TC_OBJECT, TC_CLASSDESC];
        b.extend(utf("A"));
        b.extend([0; 8]);
        b.push(SC_SERIALIZABLE);
        b.extend(2u16.to_be_bytes());
        b.push(b'Z');
        b.extend(utf("z"));
        b.push(b'L');
        b.extend(utf("e"));
        b.push(TC_STRING);
        b.extend(utf("LE;"));
        b.push(TC_ENDBLOCKDATA);
        b.push(TC_NULL);
        b.push(1); // z = true
        b.push(TC_ENUM);
        b.push(TC_CLASSDESC);
        b.extend(utf("E"));
        b.extend([0; 8]);
        b.push(SC_SERIALIZABLE | 0x10);
        b.extend(0u16.to_be_bytes());
        b.push(TC_ENDBLOCKDATA);
        b.push(TC_NULL);
        b.push(TC_STRING);
        b.extend(utf("X"));
        b.extend([0xAB, 0xCD]);
        let name: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&name, &b, 0);
        let v = read_java_object(&mut d, "obj").unwrap();
        assert_eq!(v.class(), Some("A"));
        assert_eq!(v.field("z"), Some(&JValue::Bool(true)));
        assert_eq!(v.field("e").and_then(|e| e.as_str()), Some("X"));
        assert_eq!(d.rest(), &[0xAB, 0xCD]);
    }

    #[test]
    fn bad_type_code_names_offset() {
        let b = [0xAC, 0xED, 0, 5, 0x42];
        let name: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&name, &b, 10);
        let e = read_java_object(&mut d, "obj").unwrap_err();
        assert_eq!(e.offset, 14);
    }
}
