//! A reader for the Java Object Serialization Stream Protocol (version 5), enough to decode the
//! `CheckpointProperties` trailer generically: class descriptors with their fields, objects,
//! enums, strings, arrays, back references, block data and custom `writeObject` annotations.
//! It reads only what the stream describes; it knows no classes.

use std::io::Read;
use std::rc::Rc;

use super::{DataInput, DecodeResult, text};

const STREAM_MAGIC: u16 = 0xaced;
const STREAM_VERSION: u16 = 5;
const BASE_HANDLE: u32 = 0x7e_0000;
const MAX_DEPTH: u32 = 64;

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
const TC_BLOCKDATALONG: u8 = 0x7a;
const TC_EXCEPTION: u8 = 0x7b;
const TC_LONGSTRING: u8 = 0x7c;
const TC_PROXYCLASSDESC: u8 = 0x7d;
const TC_ENUM: u8 = 0x7e;

const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
const SC_EXTERNALIZABLE: u8 = 0x04;
const SC_BLOCK_DATA: u8 = 0x08;

/// One field of a class descriptor.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDesc {
    /// `B C D F I J S Z` for primitives, `L` object, `[` array.
    pub typecode: u8,
    pub name: Rc<str>,
    /// JVM type signature of object fields, e.g. `Ljava/lang/String;`.
    pub signature: Option<Rc<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassDesc {
    pub name: Rc<str>,
    pub suid: i64,
    pub flags: u8,
    pub fields: Vec<FieldDesc>,
    pub superclass: Option<Rc<ClassDesc>>,
}

/// A decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum JavaValue {
    Null,
    Bool(bool),
    Byte(i8),
    Char(u16),
    Short(i16),
    Int(i32),
    Long(i64),
    Float(f32),
    Double(f64),
    String(Rc<str>),
    Enum {
        class: Rc<str>,
        constant: Rc<str>,
    },
    Object(Rc<JavaObject>),
    Array {
        class: Rc<str>,
        elements: Rc<[JavaValue]>,
    },
    Class(Rc<str>),
    BlockData(Vec<u8>),
    /// A back reference to an object still being read (a cycle); the handle number.
    Cycle(u32),
}

/// An object: its class name and its field values, superclass fields first.
#[derive(Debug, Clone, PartialEq)]
pub struct JavaObject {
    pub class: Rc<str>,
    /// `(declaring class, field name, value)`.
    pub fields: Vec<(Rc<str>, Rc<str>, JavaValue)>,
    /// Data a custom `writeObject`/`writeExternal` wrote after the fields.
    pub annotations: Vec<JavaValue>,
}

impl JavaObject {
    /// The value of the field `name`, searching from the most derived class up.
    pub fn field(&self, name: &str) -> Option<&JavaValue> {
        self.fields
            .iter()
            .rev()
            .find(|(_, n, _)| &**n == name)
            .map(|(_, _, v)| v)
    }
}

enum Handle {
    Class(Rc<ClassDesc>),
    Value(Option<JavaValue>),
}

/// Reads one serialization stream (`AC ED 00 05` then one object).
pub fn read_stream<R: Read>(input: &mut DataInput<R>) -> DecodeResult<JavaValue> {
    let at = input.pos();
    let magic = input.u16("Java serialization magic 0xaced")?;
    if magic != STREAM_MAGIC {
        return Err(input.err_at(
            at,
            format!("Java serialization magic 0xaced, found {magic:#06x}"),
        ));
    }
    let at = input.pos();
    let version = input.u16("Java serialization version")?;
    if version != STREAM_VERSION {
        return Err(input.err_at(at, format!("Java serialization version 5, found {version}")));
    }
    let mut p = Parser {
        input,
        handles: Vec::new(),
        depth: 0,
    };
    p.content()
}

struct Parser<'a, R> {
    input: &'a mut DataInput<R>,
    handles: Vec<Handle>,
    depth: u32,
}

impl<R: Read> Parser<'_, R> {
    fn new_handle(&mut self, h: Handle) -> usize {
        self.handles.push(h);
        self.handles.len() - 1
    }

    /// Fills a handle reserved earlier (a `TC_RESET` in between may have cleared the table).
    fn set_handle(&mut self, h: usize, v: Handle) {
        if let Some(slot) = self.handles.get_mut(h) {
            *slot = v;
        }
    }

    fn deeper(&mut self) -> DecodeResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self
                .input
                .err(format!("Java objects nested at most {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    /// One content item: an object or a block of data.
    fn content(&mut self) -> DecodeResult<JavaValue> {
        self.deeper()?;
        let at = self.input.pos();
        let tc = self.input.u8("Java serialization type code")?;
        let v = self.content_after(tc, at);
        self.depth -= 1;
        v
    }

    fn content_after(&mut self, tc: u8, at: u64) -> DecodeResult<JavaValue> {
        match tc {
            TC_NULL => Ok(JavaValue::Null),
            TC_REFERENCE => self.reference(at),
            TC_STRING => {
                let s: Rc<str> = Rc::from(self.input.utf("Java string")?);
                self.new_handle(Handle::Value(Some(JavaValue::String(Rc::clone(&s)))));
                Ok(JavaValue::String(s))
            }
            TC_LONGSTRING => {
                let lat = self.input.pos();
                let len = self.input.i64("Java long string length")?;
                let len = self.input.check_len(len, lat, "Java long string length")?;
                let raw = self.input.bytes(len, "Java long string")?;
                let s = text::modified_utf8(&raw).map_err(|i| {
                    self.input
                        .err_at(lat + 8 + i as u64, "Java long string: modified UTF-8")
                })?;
                let s: Rc<str> = Rc::from(s);
                self.new_handle(Handle::Value(Some(JavaValue::String(Rc::clone(&s)))));
                Ok(JavaValue::String(s))
            }
            TC_ENUM => {
                let class = self.class_desc_required("enum class descriptor")?;
                let h = self.new_handle(Handle::Value(None));
                let cat = self.input.pos();
                let constant = match self.content()? {
                    JavaValue::String(s) => s,
                    _ => {
                        return Err(self
                            .input
                            .err_at(cat, "the enum constant name as a Java string"));
                    }
                };
                let v = JavaValue::Enum {
                    class: class.name.clone(),
                    constant,
                };
                self.set_handle(h, Handle::Value(Some(v.clone())));
                Ok(v)
            }
            TC_OBJECT => self.object(),
            TC_ARRAY => self.array(),
            TC_CLASS => {
                let class = self.class_desc_required("class descriptor of a Class object")?;
                let v = JavaValue::Class(class.name.clone());
                self.new_handle(Handle::Value(Some(v.clone())));
                Ok(v)
            }
            TC_CLASSDESC | TC_PROXYCLASSDESC => {
                // A bare class descriptor as content (legal in annotations).
                let c = self.class_desc_after(tc, at)?;
                Ok(JavaValue::Class(c.map_or_else(|| Rc::from(""), |c| c.name.clone())))
            }
            TC_BLOCKDATA => {
                let len = self.input.u8("block data length")?;
                Ok(JavaValue::BlockData(
                    self.input.bytes(u64::from(len), "block data")?,
                ))
            }
            TC_BLOCKDATALONG => {
                let lat = self.input.pos();
                let len = self.input.i32("block data length")?;
                let len = self.input.check_len(i64::from(len), lat, "block data length")?;
                Ok(JavaValue::BlockData(self.input.bytes(len, "block data")?))
            }
            TC_RESET => {
                self.handles.clear();
                self.content()
            }
            TC_EXCEPTION => Err(self.input.err_at(
                at,
                "a serialized object, found a serialized exception (TC_EXCEPTION), which means the writer failed",
            )),
            t => Err(self.input.err_at(
                at,
                format!("a Java serialization type code (0x70-0x7e), found {t:#04x}"),
            )),
        }
    }

    fn reference(&mut self, at: u64) -> DecodeResult<JavaValue> {
        let h = self.input.u32("Java back reference handle")?;
        let idx = h.wrapping_sub(BASE_HANDLE) as usize;
        match self.handles.get(idx) {
            Some(Handle::Value(Some(v))) => Ok(v.clone()),
            Some(Handle::Value(None)) => Ok(JavaValue::Cycle(h)),
            Some(Handle::Class(c)) => Ok(JavaValue::Class(c.name.clone())),
            None => Err(self.input.err_at(
                at,
                format!(
                    "a back reference to one of the {} objects read so far, found handle {h:#x}",
                    self.handles.len()
                ),
            )),
        }
    }

    fn class_desc_required(&mut self, what: &str) -> DecodeResult<Rc<ClassDesc>> {
        let at = self.input.pos();
        self.class_desc()?
            .ok_or_else(|| self.input.err_at(at, format!("{what}, found null")))
    }

    /// `classDesc`: a new descriptor, a reference to one, or null.
    fn class_desc(&mut self) -> DecodeResult<Option<Rc<ClassDesc>>> {
        let at = self.input.pos();
        let tc = self.input.u8("class descriptor type code")?;
        self.class_desc_after(tc, at)
    }

    fn class_desc_after(&mut self, tc: u8, at: u64) -> DecodeResult<Option<Rc<ClassDesc>>> {
        match tc {
            TC_NULL => Ok(None),
            TC_REFERENCE => {
                let h = self.input.u32("class descriptor back reference")?;
                match self.handles.get(h.wrapping_sub(BASE_HANDLE) as usize) {
                    Some(Handle::Class(c)) => Ok(Some(Rc::clone(c))),
                    _ => Err(self.input.err_at(
                        at,
                        format!("a back reference to a class descriptor, found handle {h:#x}"),
                    )),
                }
            }
            TC_CLASSDESC => {
                self.deeper()?;
                let r = self.new_class_desc();
                self.depth -= 1;
                r.map(Some)
            }
            TC_PROXYCLASSDESC => {
                self.deeper()?;
                let r = self.proxy_class_desc();
                self.depth -= 1;
                r.map(Some)
            }
            t => Err(self.input.err_at(
                at,
                format!("a class descriptor (0x72, 0x7d, 0x71 or 0x70), found {t:#04x}"),
            )),
        }
    }

    fn new_class_desc(&mut self) -> DecodeResult<Rc<ClassDesc>> {
        let name: Rc<str> = Rc::from(self.input.utf("class name")?);
        let suid = self.input.i64("serialVersionUID")?;
        // The handle is assigned before the fields are read.
        let h = self.new_handle(Handle::Value(None));
        let flags = self.input.u8("class descriptor flags")?;
        let fat = self.input.pos();
        let n = self.input.u16("number of fields")?;
        if let Some(rem) = self.input.remaining()
            && u64::from(n) * 3 > rem
        {
            return Err(self.input.err_at(
                fat,
                format!("a field count that fits in the {rem} bytes left, found {n}"),
            ));
        }
        let mut fields = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let tat = self.input.pos();
            let typecode = self.input.u8("field type code")?;
            let fname: Rc<str> = Rc::from(self.input.utf("field name")?);
            let signature = match typecode {
                b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => None,
                b'L' | b'[' => match self.content()? {
                    JavaValue::String(s) => Some(s),
                    _ => {
                        return Err(self
                            .input
                            .err_at(tat, format!("the type signature of field {fname:?}")));
                    }
                },
                t => {
                    return Err(self.input.err_at(
                        tat,
                        format!("a field type code (B C D F I J S Z L [), found {t:#04x}"),
                    ));
                }
            };
            fields.push(FieldDesc {
                typecode,
                name: fname,
                signature,
            });
        }
        self.skip_annotation()?;
        let superclass = self.class_desc()?;
        let desc = Rc::new(ClassDesc {
            name,
            suid,
            flags,
            fields,
            superclass,
        });
        self.set_handle(h, Handle::Class(Rc::clone(&desc)));
        Ok(desc)
    }

    fn proxy_class_desc(&mut self) -> DecodeResult<Rc<ClassDesc>> {
        let h = self.new_handle(Handle::Value(None));
        let n = self.input.i32("number of proxy interfaces")?;
        let mut names = Vec::new();
        for _ in 0..n.max(0) {
            names.push(self.input.utf("proxy interface name")?);
        }
        self.skip_annotation()?;
        let superclass = self.class_desc()?;
        let desc = Rc::new(ClassDesc {
            name: Rc::from(format!("proxy[{}]", names.join(", "))),
            suid: 0,
            flags: SC_SERIALIZABLE,
            fields: Vec::new(),
            superclass,
        });
        self.set_handle(h, Handle::Class(Rc::clone(&desc)));
        Ok(desc)
    }

    /// Class or object annotation: content items up to `TC_ENDBLOCKDATA`.
    fn annotation(&mut self) -> DecodeResult<Vec<JavaValue>> {
        let mut out = Vec::new();
        loop {
            let at = self.input.pos();
            let tc = self
                .input
                .u8("annotation content or end of block data (0x78)")?;
            if tc == TC_ENDBLOCKDATA {
                return Ok(out);
            }
            self.deeper()?;
            let v = self.content_after(tc, at);
            self.depth -= 1;
            out.push(v?);
        }
    }

    fn skip_annotation(&mut self) -> DecodeResult<()> {
        self.annotation().map(|_| ())
    }

    fn object(&mut self) -> DecodeResult<JavaValue> {
        let class = self.class_desc_required("object class descriptor")?;
        let h = self.new_handle(Handle::Value(None));
        // Superclass data first.
        let mut chain = Vec::new();
        let mut c = Some(Rc::clone(&class));
        while let Some(cd) = c {
            if chain.len() > MAX_DEPTH as usize {
                return Err(self.input.err("a class hierarchy at most 64 deep"));
            }
            c = cd.superclass.clone();
            chain.push(cd);
        }
        let mut obj = JavaObject {
            class: class.name.clone(),
            fields: Vec::new(),
            annotations: Vec::new(),
        };
        for cd in chain.iter().rev() {
            if cd.flags & SC_EXTERNALIZABLE != 0 {
                if cd.flags & SC_BLOCK_DATA == 0 {
                    return Err(self.input.err(format!(
                        "block-data externalizable contents for {} (protocol version 1 is not supported)",
                        cd.name
                    )));
                }
                obj.annotations.extend(self.annotation()?);
                continue;
            }
            if cd.flags & SC_SERIALIZABLE == 0 {
                continue;
            }
            for f in &cd.fields {
                let v = self.field_value(f.typecode)?;
                obj.fields.push((cd.name.clone(), f.name.clone(), v));
            }
            if cd.flags & SC_WRITE_METHOD != 0 {
                obj.annotations.extend(self.annotation()?);
            }
        }
        let v = JavaValue::Object(Rc::new(obj));
        self.set_handle(h, Handle::Value(Some(v.clone())));
        Ok(v)
    }

    fn field_value(&mut self, typecode: u8) -> DecodeResult<JavaValue> {
        let i = &mut *self.input;
        Ok(match typecode {
            b'B' => JavaValue::Byte(i.i8("byte field")?),
            b'C' => JavaValue::Char(i.u16("char field")?),
            b'D' => JavaValue::Double(i.f64("double field")?),
            b'F' => JavaValue::Float(i.f32("float field")?),
            b'I' => JavaValue::Int(i.i32("int field")?),
            b'J' => JavaValue::Long(i.i64("long field")?),
            b'S' => JavaValue::Short(i.i16("short field")?),
            b'Z' => JavaValue::Bool(i.bool("boolean field")?),
            _ => self.content()?,
        })
    }

    fn array(&mut self) -> DecodeResult<JavaValue> {
        let class = self.class_desc_required("array class descriptor")?;
        let h = self.new_handle(Handle::Value(None));
        let at = self.input.pos();
        let n = self.input.i32("array length")?;
        let elem = class.name.as_bytes().get(1).copied().unwrap_or(b'L');
        let width = match elem {
            b'B' | b'Z' => 1,
            b'C' | b'S' => 2,
            b'F' | b'I' => 4,
            b'D' | b'J' => 8,
            _ => 1,
        };
        let n = self
            .input
            .check_len(i64::from(n).saturating_mul(width), at, "array length")?
            / width as u64;
        let mut elements = Vec::with_capacity((n as usize).min(1024));
        for _ in 0..n {
            elements.push(self.field_value(elem)?);
        }
        let v = JavaValue::Array {
            class: class.name.clone(),
            elements: Rc::from(elements),
        };
        self.set_handle(h, Handle::Value(Some(v.clone())));
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn utf(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }

    /// An object of a class with a custom `writeObject` (flags 0x03): an int, a string and an
    /// int array field, then block data and a back reference in its annotation; built by hand
    /// from the grammar in the Java Object Serialization Specification, chapter 6.
    fn custom_object_stream() -> Vec<u8> {
        let mut b = vec![0xac, 0xed, 0, 5, TC_OBJECT, TC_CLASSDESC];
        utf(&mut b, "T"); // handle 0
        b.extend_from_slice(&8i64.to_be_bytes());
        b.extend_from_slice(&[SC_WRITE_METHOD | SC_SERIALIZABLE, 0, 3]);
        b.push(b'I');
        utf(&mut b, "n");
        b.push(b'L');
        utf(&mut b, "s");
        b.push(TC_STRING);
        utf(&mut b, "Ljava/lang/String;"); // handle 1
        b.push(b'[');
        utf(&mut b, "a");
        b.push(TC_STRING);
        utf(&mut b, "[I"); // handle 2
        b.extend_from_slice(&[TC_ENDBLOCKDATA, TC_NULL]); // object: handle 3
        b.extend_from_slice(&5i32.to_be_bytes());
        b.push(TC_STRING);
        utf(&mut b, "hi"); // handle 4
        b.extend_from_slice(&[TC_ARRAY, TC_CLASSDESC]);
        utf(&mut b, "[I"); // handle 5; array handle 6
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&[SC_SERIALIZABLE, 0, 0, TC_ENDBLOCKDATA, TC_NULL]);
        b.extend_from_slice(&2i32.to_be_bytes());
        b.extend_from_slice(&1i32.to_be_bytes());
        b.extend_from_slice(&(-2i32).to_be_bytes());
        b.extend_from_slice(&[TC_BLOCKDATA, 3, 1, 2, 3]);
        b.extend_from_slice(&[TC_REFERENCE, 0, 0x7e, 0, 4, TC_ENDBLOCKDATA]);
        b
    }

    #[test]
    fn reads_fields_arrays_annotations_and_references() {
        let b = custom_object_stream();
        let name: Arc<str> = Arc::from("t");
        let mut input = DataInput::from_slice(&name, &b, 0);
        let JavaValue::Object(o) = read_stream(&mut input).unwrap() else {
            panic!()
        };
        assert!(input.rest().is_empty());
        assert_eq!(&*o.class, "T");
        assert_eq!(o.field("n"), Some(&JavaValue::Int(5)));
        assert_eq!(o.field("s"), Some(&JavaValue::String("hi".into())));
        assert_eq!(
            o.field("a"),
            Some(&JavaValue::Array {
                class: "[I".into(),
                elements: Rc::from(vec![JavaValue::Int(1), JavaValue::Int(-2)]),
            })
        );
        assert_eq!(
            o.annotations,
            [
                JavaValue::BlockData(vec![1, 2, 3]),
                JavaValue::String("hi".into())
            ]
        );
    }

    #[test]
    fn every_truncation_and_bad_reference_is_an_error() {
        let b = custom_object_stream();
        let name: Arc<str> = Arc::from("t");
        for cut in 0..b.len() {
            let mut input = DataInput::from_slice(&name, &b[..cut], 0);
            let e = read_stream(&mut input).unwrap_err();
            assert!(e.offset <= cut as u64);
        }
        let mut bad = b.clone();
        let n = bad.len();
        bad[n - 2] = 9; // reference handle 0x7e0009: not read yet
        let mut input = DataInput::from_slice(&name, &bad, 0);
        let e = read_stream(&mut input).unwrap_err();
        assert_eq!(e.offset, n as u64 - 6);
        assert!(e.expected.contains("0x7e0009"), "{e}");
    }

    /// 40 arrays, each holding 8 references to the previous one: copying referenced values
    /// instead of sharing them would need 8^39 elements.
    #[test]
    fn shared_references_are_not_copied() {
        let mut b = vec![0xac, 0xed, 0, 5, TC_ARRAY, TC_CLASSDESC];
        utf(&mut b, "[Ljava.lang.Object;"); // handle 0
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&[SC_SERIALIZABLE, 0, 0, TC_ENDBLOCKDATA, TC_NULL]);
        b.extend_from_slice(&40i32.to_be_bytes()); // root: handle 1
        b.extend_from_slice(&[TC_ARRAY, TC_REFERENCE, 0, 0x7e, 0, 0]); // A0: handle 2
        b.extend_from_slice(&1i32.to_be_bytes());
        b.push(TC_NULL);
        for level in 1..40u32 {
            b.extend_from_slice(&[TC_ARRAY, TC_REFERENCE, 0, 0x7e, 0, 0]);
            b.extend_from_slice(&8i32.to_be_bytes());
            for _ in 0..8 {
                b.push(TC_REFERENCE);
                b.extend_from_slice(&(0x7e_0000 + 1 + level).to_be_bytes());
            }
        }
        let name: Arc<str> = Arc::from("t");
        let mut input = DataInput::from_slice(&name, &b, 0);
        let JavaValue::Array { elements, .. } = read_stream(&mut input).unwrap() else {
            panic!()
        };
        assert_eq!(elements.len(), 40);
        assert!(input.rest().is_empty());
    }

    #[test]
    fn huge_array_length_is_refused_before_allocating() {
        let mut b = vec![0xac, 0xed, 0, 5, TC_ARRAY, TC_CLASSDESC];
        utf(&mut b, "[J");
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&[SC_SERIALIZABLE, 0, 0, TC_ENDBLOCKDATA, TC_NULL]);
        b.extend_from_slice(&i32::MAX.to_be_bytes());
        let name: Arc<str> = Arc::from("t");
        let mut input = DataInput::from_slice(&name, &b, 0);
        let e = read_stream(&mut input).unwrap_err();
        assert!(e.expected.contains("array length"), "{e}");
    }
}
