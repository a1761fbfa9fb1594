//! The compact, hand-editable form of a type tree used in contracts, e.g.
//! `Pojo(com.acme.Event){id: Long, tags: List<String>}` or `RowData<id BIGINT NOT NULL, name
//! STRING>`. [`render`] and [`parse`] are inverses for every [`TypeInfo`] except the opaque
//! payload of unknown snapshots (kept as raw snapshot bytes beside the string instead). Grammar:
//! `formats/compatibility.md` ("Type expressions").

use std::fmt::Write;

use crate::types::{ArrayElem, PojoField, Prim, SqlKind, SqlType, TypeInfo};

const JAVA_TUPLE: &str = "org.apache.flink.api.java.tuple.Tuple";

const PRIMS: [(Prim, &str); 20] = [
    (Prim::Boolean, "Boolean"),
    (Prim::Byte, "Byte"),
    (Prim::Short, "Short"),
    (Prim::Char, "Character"),
    (Prim::Int, "Integer"),
    (Prim::Long, "Long"),
    (Prim::Float, "Float"),
    (Prim::Double, "Double"),
    (Prim::String, "String"),
    (Prim::Void, "Void"),
    (Prim::BigInteger, "BigInteger"),
    (Prim::BigDecimal, "BigDecimal"),
    (Prim::DateMillis, "Date"),
    (Prim::SqlTimestamp, "Timestamp"),
    (Prim::Instant, "Instant"),
    (Prim::LocalDate, "LocalDate"),
    (Prim::LocalTime, "LocalTime"),
    (Prim::LocalDateTime, "LocalDateTime"),
    (Prim::StringData, "StringData"),
    (Prim::SortedLong, "SortedLong"),
];

const ARRAYS: [(ArrayElem, &str); 9] = [
    (ArrayElem::Boolean, "boolean[]"),
    (ArrayElem::Byte, "byte[]"),
    (ArrayElem::Short, "short[]"),
    (ArrayElem::Char, "char[]"),
    (ArrayElem::Int, "int[]"),
    (ArrayElem::Long, "long[]"),
    (ArrayElem::Float, "float[]"),
    (ArrayElem::Double, "double[]"),
    (ArrayElem::String, "String[]"),
];

/// The compact form of `t`.
pub fn render(t: &TypeInfo) -> String {
    let mut s = String::new();
    put(&mut s, t);
    s
}

fn put_list(s: &mut String, items: &[TypeInfo]) {
    s.push('<');
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        put(s, t);
    }
    s.push('>');
}

fn put1(s: &mut String, head: &str, t: &TypeInfo) {
    s.push_str(head);
    s.push('<');
    put(s, t);
    s.push('>');
}

fn put(s: &mut String, t: &TypeInfo) {
    match t {
        TypeInfo::Primitive { ty } => {
            let name = PRIMS.iter().find(|(p, _)| p == ty).map_or("?", |(_, n)| n);
            s.push_str(name);
        }
        TypeInfo::PrimitiveArray { elem } => {
            let name = ARRAYS
                .iter()
                .find(|(p, _)| p == elem)
                .map_or("?", |(_, n)| n);
            s.push_str(name);
        }
        TypeInfo::Enum { class, constants } => {
            let _ = write!(s, "Enum({class})[{}]", constants.join(", "));
        }
        TypeInfo::Pojo {
            class,
            fields,
            subclasses,
        } => {
            let _ = write!(s, "Pojo({class}){{");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                put_name(s, &f.name);
                s.push_str(": ");
                put(s, &f.ty);
            }
            s.push('}');
            if !subclasses.is_empty() {
                s.push('[');
                for (i, (c, t)) in subclasses.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{c}: ");
                    put(s, t);
                }
                s.push(']');
            }
        }
        TypeInfo::Tuple { class, fields } => {
            match class.strip_prefix(JAVA_TUPLE) {
                Some(n) if n.parse::<u32>().is_ok() => {
                    let _ = write!(s, "Tuple{n}");
                }
                _ => {
                    let _ = write!(s, "Tuple({class})");
                }
            }
            put_list(s, fields);
        }
        TypeInfo::Row {
            fields,
            supports_row_kind,
        } => {
            s.push_str(if *supports_row_kind {
                "Row"
            } else {
                "Row(no-kind)"
            });
            put_list(s, fields);
        }
        TypeInfo::RowData { fields, names } => {
            s.push_str("RowData<");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                if let Some(n) = names.as_ref().and_then(|n| n.get(i)) {
                    put_name(s, n);
                    s.push(' ');
                }
                put_sql(s, f);
            }
            s.push('>');
        }
        TypeInfo::BinaryRowData { arity } => {
            let _ = write!(s, "BinaryRowData({arity})");
        }
        TypeInfo::TimestampData { precision } => {
            let _ = write!(s, "TimestampData({precision})");
        }
        TypeInfo::DecimalData { precision, scale } => {
            let _ = write!(s, "DecimalData({precision}, {scale})");
        }
        TypeInfo::List { elem } => put1(s, "List", elem),
        TypeInfo::Set { elem } => put1(s, "Set", elem),
        TypeInfo::Map { key, value } => {
            s.push_str("Map");
            put_list(s, &[(**key).clone(), (**value).clone()]);
        }
        TypeInfo::GenericArray {
            component_class,
            elem,
        } => put1(s, &format!("Array({component_class})"), elem),
        TypeInfo::Nullable { inner, padding } => {
            if *padding == 0 {
                put1(s, "Nullable", inner)
            } else {
                put1(s, &format!("Nullable({padding})"), inner)
            }
        }
        TypeInfo::Ttl { inner } => put1(s, "Ttl", inner),
        TypeInfo::Timer { key, namespace } => {
            s.push_str("Timer");
            put_list(s, &[(**key).clone(), (**namespace).clone()]);
        }
        TypeInfo::VoidNamespace => s.push_str("VoidNamespace"),
        TypeInfo::TimeWindow => s.push_str("TimeWindow"),
        TypeInfo::GlobalWindow => s.push_str("GlobalWindow"),
        TypeInfo::SqlTimeWindow => s.push_str("SqlTimeWindow"),
        TypeInfo::CountWindow => s.push_str("CountWindow"),
        TypeInfo::Avro {
            runtime_type,
            schema,
            ..
        } => {
            let _ = write!(
                s,
                "Avro({})'{}'",
                runtime_type.as_deref().unwrap_or(""),
                schema.replace('\'', "''")
            );
        }
        TypeInfo::Either { left, right } => {
            s.push_str("Either");
            put_list(s, &[(**left).clone(), (**right).clone()]);
        }
        TypeInfo::RawValue { inner } => put1(s, "Raw", inner),
        TypeInfo::StreamElement { inner } => put1(s, "StreamElement", inner),
        TypeInfo::Kryo { class } => {
            let _ = write!(s, "Kryo({class})");
        }
        TypeInfo::LinkedList { elem, null_mask } => {
            put1(
                s,
                if *null_mask {
                    "LinkedList(null-mask)"
                } else {
                    "LinkedList"
                },
                elem,
            );
        }
        TypeInfo::SqlData { ty } => {
            s.push_str("Sql<");
            put_sql(s, ty);
            s.push('>');
        }
        TypeInfo::NullMarker => s.push_str("Null"),
        TypeInfo::Java => s.push_str("JavaSerialized"),
        TypeInfo::External { inner } => put1(s, "External", inner),
        TypeInfo::Composite { class, children } => {
            let _ = write!(s, "Composite({class})");
            put_list(s, children);
        }
        TypeInfo::Opaque { class_name, .. } => {
            let _ = write!(s, "Opaque({class_name})");
        }
    }
}

fn plain_name(n: &str) -> bool {
    let mut cs = n.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && n.chars().any(|c| c.is_ascii_lowercase())
}

fn put_name(s: &mut String, n: &str) {
    if plain_name(n) {
        s.push_str(n);
    } else {
        let _ = write!(s, "`{}`", n.replace('`', "``"));
    }
}

fn put_sql(s: &mut String, t: &SqlType) {
    match &t.kind {
        SqlKind::Row { fields } => {
            s.push_str("ROW<");
            for (i, (n, f)) in fields.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                put_name(s, n);
                s.push(' ');
                put_sql(s, f);
            }
            s.push('>');
        }
        SqlKind::Array { element } => {
            s.push_str("ARRAY<");
            put_sql(s, element);
            s.push('>');
        }
        SqlKind::Multiset { element } => {
            s.push_str("MULTISET<");
            put_sql(s, element);
            s.push('>');
        }
        SqlKind::Map { key, value } => {
            s.push_str("MAP<");
            put_sql(s, key);
            s.push_str(", ");
            put_sql(s, value);
            s.push('>');
        }
        _ => {
            // Leaf types: the same spelling as the type tree's own display, minus nullability.
            let leaf = SqlType {
                nullable: true,
                kind: t.kind.clone(),
            };
            let _ = write!(s, "{leaf}");
        }
    }
    if !t.nullable {
        s.push_str(" NOT NULL");
    }
}

/// Parses the compact form back into a type tree.
pub fn parse(text: &str) -> Result<TypeInfo, String> {
    let mut p = P { s: text, at: 0 };
    let t = p.ty()?;
    p.ws();
    if p.at < p.s.len() {
        return Err(p.fail("end of the type"));
    }
    Ok(t)
}

struct P<'a> {
    s: &'a str,
    at: usize,
}

impl P<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.at..).unwrap_or("")
    }

    fn fail(&self, expected: &str) -> String {
        let near: String = self.rest().chars().take(24).collect();
        format!(
            "type expression '{}': at character {}: expected {expected}, found '{near}'",
            self.s, self.at
        )
    }

    fn ws(&mut self) {
        let n = self.rest().len() - self.rest().trim_start().len();
        self.at += n;
    }

    fn peek(&mut self) -> Option<char> {
        self.ws();
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.fail(&format!("'{c}'")))
        }
    }

    /// A word: letters, digits, `_`, `.`, `$`, `-`.
    fn word(&mut self) -> Result<&str, String> {
        self.ws();
        let r = self.rest();
        let n = r
            .find(|c: char| !(c.is_alphanumeric() || "_.$-".contains(c)))
            .unwrap_or(r.len());
        if n == 0 {
            return Err(self.fail("a name"));
        }
        let w = &self.s[self.at..self.at + n];
        self.at += n;
        Ok(w)
    }

    /// A field or column name, plain or in backticks.
    fn name(&mut self) -> Result<String, String> {
        if self.eat('`') {
            return self.until_closing('`', "a closing '`'");
        }
        Ok(self.word()?.to_string())
    }

    /// Text up to the matching `)` (class names), after an opening `(` was consumed.
    fn paren_text(&mut self) -> Result<String, String> {
        let r = self.rest();
        let n = r.find(')').ok_or_else(|| self.fail("')'"))?;
        let t = r[..n].trim().to_string();
        self.at += n + 1;
        Ok(t)
    }

    fn paren_arg(&mut self) -> Result<Option<String>, String> {
        if self.rest().starts_with('(') {
            self.at += 1;
            Ok(Some(self.paren_text()?))
        } else {
            Ok(None)
        }
    }

    fn types(&mut self) -> Result<Vec<TypeInfo>, String> {
        self.expect('<')?;
        let mut out = Vec::new();
        if self.eat('>') {
            return Ok(out);
        }
        loop {
            out.push(self.ty()?);
            if self.eat('>') {
                return Ok(out);
            }
            self.expect(',')?;
        }
    }

    fn one(&mut self) -> Result<Box<TypeInfo>, String> {
        let mut v = self.types()?;
        match (v.pop(), v.is_empty()) {
            (Some(t), true) => Ok(Box::new(t)),
            _ => Err(self.fail("exactly one type argument")),
        }
    }

    fn two(&mut self) -> Result<(Box<TypeInfo>, Box<TypeInfo>), String> {
        let v = self.types()?;
        match <[TypeInfo; 2]>::try_from(v) {
            Ok([a, b]) => Ok((Box::new(a), Box::new(b))),
            Err(_) => Err(self.fail("exactly two type arguments")),
        }
    }

    fn ty(&mut self) -> Result<TypeInfo, String> {
        let start = self.at;
        let head = self.word()?.to_string();
        if self.rest().starts_with("[]") {
            self.at += 2;
            let spelled = format!("{head}[]");
            return ARRAYS
                .iter()
                .find(|(_, n)| *n == spelled)
                .map(|(e, _)| TypeInfo::PrimitiveArray { elem: *e })
                .ok_or_else(|| format!("unknown primitive array type '{spelled}'"));
        }
        if let Some((p, _)) = PRIMS.iter().find(|(_, n)| *n == head) {
            return Ok(TypeInfo::prim(*p));
        }
        let arg = self.paren_arg()?;
        let t = match head.as_str() {
            "Enum" => {
                self.expect('[')?;
                let mut constants = Vec::new();
                if !self.eat(']') {
                    loop {
                        constants.push(self.name()?);
                        if self.eat(']') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                TypeInfo::Enum {
                    class: need(arg, "Enum")?,
                    constants,
                }
            }
            "Pojo" => {
                self.expect('{')?;
                let mut fields = Vec::new();
                if !self.eat('}') {
                    loop {
                        let name = self.name()?;
                        self.expect(':')?;
                        let ty = self.ty()?;
                        fields.push(PojoField {
                            name,
                            declaring_class: None,
                            ty,
                        });
                        if self.eat('}') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                let mut subclasses = Vec::new();
                if self.eat('[') {
                    loop {
                        let c = self.word()?.to_string();
                        self.expect(':')?;
                        subclasses.push((c, self.ty()?));
                        if self.eat(']') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                TypeInfo::Pojo {
                    class: need(arg, "Pojo")?,
                    fields,
                    subclasses,
                }
            }
            "Tuple" => TypeInfo::Tuple {
                class: need(arg, "Tuple")?,
                fields: self.types()?,
            },
            h if h.starts_with("Tuple") && h[5..].parse::<u32>().is_ok() => {
                let fields = self.types()?;
                TypeInfo::Tuple {
                    class: format!("{JAVA_TUPLE}{}", &h[5..]),
                    fields,
                }
            }
            "Row" => TypeInfo::Row {
                supports_row_kind: arg.as_deref() != Some("no-kind"),
                fields: self.types()?,
            },
            "RowData" => self.row_data()?,
            "BinaryRowData" => TypeInfo::BinaryRowData {
                arity: num(arg, "BinaryRowData")?,
            },
            "TimestampData" => TypeInfo::TimestampData {
                precision: num(arg, "TimestampData")?,
            },
            "DecimalData" => {
                let a = need(arg, "DecimalData")?;
                let (p, s) = a.split_once(',').ok_or("DecimalData(precision, scale)")?;
                TypeInfo::DecimalData {
                    precision: p.trim().parse().map_err(|_| "DecimalData precision")?,
                    scale: s.trim().parse().map_err(|_| "DecimalData scale")?,
                }
            }
            "List" => TypeInfo::List { elem: self.one()? },
            "Set" => TypeInfo::Set { elem: self.one()? },
            "Map" => {
                let (key, value) = self.two()?;
                TypeInfo::Map { key, value }
            }
            "Array" => TypeInfo::GenericArray {
                component_class: need(arg, "Array")?,
                elem: self.one()?,
            },
            "Nullable" => TypeInfo::Nullable {
                padding: match arg {
                    Some(a) => a.parse().map_err(|_| "Nullable(padding)")?,
                    None => 0,
                },
                inner: self.one()?,
            },
            "Ttl" => TypeInfo::Ttl { inner: self.one()? },
            "Timer" => {
                let (key, namespace) = self.two()?;
                TypeInfo::Timer { key, namespace }
            }
            "VoidNamespace" => TypeInfo::VoidNamespace,
            "TimeWindow" => TypeInfo::TimeWindow,
            "GlobalWindow" => TypeInfo::GlobalWindow,
            "SqlTimeWindow" => TypeInfo::SqlTimeWindow,
            "CountWindow" => TypeInfo::CountWindow,
            "Avro" => {
                let schema = self.quoted()?;
                TypeInfo::Avro {
                    runtime_type: arg.filter(|a| !a.is_empty()),
                    schema,
                    parsed: None,
                }
            }
            "Either" => {
                let (left, right) = self.two()?;
                TypeInfo::Either { left, right }
            }
            "Raw" => TypeInfo::RawValue { inner: self.one()? },
            "StreamElement" => TypeInfo::StreamElement { inner: self.one()? },
            "Kryo" => TypeInfo::Kryo {
                class: need(arg, "Kryo")?,
            },
            "LinkedList" => TypeInfo::LinkedList {
                null_mask: arg.as_deref() == Some("null-mask"),
                elem: self.one()?,
            },
            "Sql" => {
                self.expect('<')?;
                let ty = self.sql()?;
                self.expect('>')?;
                TypeInfo::SqlData { ty }
            }
            "Null" => TypeInfo::NullMarker,
            "JavaSerialized" => TypeInfo::Java,
            "External" => TypeInfo::External { inner: self.one()? },
            "Composite" => TypeInfo::Composite {
                class: need(arg, "Composite")?,
                children: self.types()?,
            },
            "Opaque" => TypeInfo::Opaque {
                class_name: need(arg, "Opaque")?,
                snapshot: Vec::new(),
            },
            _ => {
                self.at = start;
                return Err(self.fail("a type name (see formats/compatibility.md)"));
            }
        };
        Ok(t)
    }

    /// `'...'` with `''` for a quote inside.
    fn quoted(&mut self) -> Result<String, String> {
        self.expect('\'')?;
        self.until_closing('\'', "a closing quote")
    }

    /// The text up to the closing `quote` (its opening one already read), a doubled `quote`
    /// standing for one inside.
    fn until_closing(&mut self, quote: char, expected: &str) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let c = self
                .rest()
                .chars()
                .next()
                .ok_or_else(|| self.fail(expected))?;
            self.at += c.len_utf8();
            if c != quote {
                out.push(c);
            } else if self.rest().starts_with(quote) {
                self.at += quote.len_utf8();
                out.push(quote);
            } else {
                return Ok(out);
            }
        }
    }

    fn row_data(&mut self) -> Result<TypeInfo, String> {
        self.expect('<')?;
        let mut fields = Vec::new();
        let mut names = Vec::new();
        if !self.eat('>') {
            loop {
                let (n, t) = self.sql_field(false)?;
                names.push(n);
                fields.push(t);
                if self.eat('>') {
                    break;
                }
                self.expect(',')?;
            }
        }
        let names = if names.iter().all(Option::is_some) && !names.is_empty() {
            Some(names.into_iter().flatten().collect())
        } else if names.iter().all(Option::is_none) {
            None
        } else {
            return Err(self.fail("names for all columns or for none"));
        };
        Ok(TypeInfo::RowData { fields, names })
    }

    /// `[name] TYPE`; the name is required inside `ROW<...>`.
    fn sql_field(&mut self, need_name: bool) -> Result<(Option<String>, SqlType), String> {
        let save = self.at;
        if self.peek() == Some('`') {
            let n = self.name()?;
            return Ok((Some(n), self.sql()?));
        }
        let w = self.word()?.to_string();
        let next_is_word = self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '`');
        let names_type = next_is_word && w != "INTERVAL" && !self.rest().starts_with("NOT ");
        if names_type || need_name {
            Ok((Some(w), self.sql()?))
        } else {
            self.at = save;
            Ok((None, self.sql()?))
        }
    }

    fn sql(&mut self) -> Result<SqlType, String> {
        let w = self.word()?.to_ascii_uppercase();
        let arg = self.paren_arg()?;
        let n = |what: &str| -> Result<u32, String> { num(arg.clone(), what) };
        let kind = match w.as_str() {
            "BOOLEAN" => SqlKind::Boolean,
            "TINYINT" => SqlKind::TinyInt,
            "SMALLINT" => SqlKind::SmallInt,
            "INT" | "INTEGER" => SqlKind::Integer,
            "BIGINT" => SqlKind::BigInt,
            "FLOAT" => SqlKind::Float,
            "DOUBLE" => SqlKind::Double,
            "DATE" => SqlKind::Date,
            "NULL" => SqlKind::Null,
            "TIME" => SqlKind::Time {
                precision: n("TIME")?,
            },
            "TIMESTAMP" => SqlKind::Timestamp {
                precision: n("TIMESTAMP")?,
            },
            "TIMESTAMP_LTZ" => SqlKind::TimestampLtz {
                precision: n("TIMESTAMP_LTZ")?,
            },
            "CHAR" => SqlKind::Char { length: n("CHAR")? },
            "VARCHAR" => SqlKind::VarChar {
                length: n("VARCHAR")?,
            },
            "STRING" => SqlKind::VarChar {
                length: i32::MAX as u32,
            },
            "BINARY" => SqlKind::Binary {
                length: n("BINARY")?,
            },
            "VARBINARY" => SqlKind::VarBinary {
                length: n("VARBINARY")?,
            },
            "BYTES" => SqlKind::VarBinary {
                length: i32::MAX as u32,
            },
            "DECIMAL" => {
                let a = need(arg, "DECIMAL")?;
                let (p, s) = a.split_once(',').ok_or("DECIMAL(precision, scale)")?;
                SqlKind::Decimal {
                    precision: p.trim().parse().map_err(|_| "DECIMAL precision")?,
                    scale: s.trim().parse().map_err(|_| "DECIMAL scale")?,
                }
            }
            "INTERVAL" => {
                let a = self.word()?.to_ascii_uppercase();
                let _to = self.word()?;
                let _b = self.word()?;
                if a == "YEAR" {
                    SqlKind::IntervalYearMonth
                } else {
                    SqlKind::IntervalDayTime
                }
            }
            "ARRAY" | "MULTISET" => {
                self.expect('<')?;
                let element = Box::new(self.sql()?);
                self.expect('>')?;
                if w == "ARRAY" {
                    SqlKind::Array { element }
                } else {
                    SqlKind::Multiset { element }
                }
            }
            "MAP" => {
                self.expect('<')?;
                let key = Box::new(self.sql()?);
                self.expect(',')?;
                let value = Box::new(self.sql()?);
                self.expect('>')?;
                SqlKind::Map { key, value }
            }
            "ROW" => {
                self.expect('<')?;
                let mut fields = Vec::new();
                if !self.eat('>') {
                    loop {
                        let (n, t) = self.sql_field(true)?;
                        fields.push((n.unwrap_or_default(), t));
                        if self.eat('>') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                SqlKind::Row { fields }
            }
            "RAW" => SqlKind::Raw {
                class: need(arg, "RAW")?.trim_matches('\'').to_string(),
            },
            _ => SqlKind::Other { type_root: w },
        };
        let mut nullable = true;
        let save = self.at;
        if self.word().is_ok_and(|x| x.eq_ignore_ascii_case("NOT"))
            && self.word().is_ok_and(|x| x.eq_ignore_ascii_case("NULL"))
        {
            nullable = false;
        } else {
            self.at = save;
        }
        Ok(SqlType { nullable, kind })
    }
}

fn need(arg: Option<String>, head: &str) -> Result<String, String> {
    arg.filter(|a| !a.is_empty())
        .ok_or_else(|| format!("{head}(...) needs its argument in parentheses"))
}

fn num(arg: Option<String>, head: &str) -> Result<u32, String> {
    need(arg, head)?
        .trim()
        .parse()
        .map_err(|_| format!("{head}(n) needs a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(s: &str) {
        let t = parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(render(&t), s);
    }

    #[test]
    fn round_trips() {
        round("Long");
        round("long[]");
        round("Enum(com.acme.Color)[RED, GREEN]");
        round("Pojo(com.acme.Event){id: Long, tags: List<String>, `odd name`: Integer}");
        round("Tuple2<Long, Map<String, Double>>");
        round("Tuple(scala.Tuple2)<Long, String>");
        round("Row(no-kind)<Long, String>");
        round("RowData<id BIGINT NOT NULL, name STRING, `TS` TIMESTAMP(3), d DECIMAL(10, 2)>");
        round("RowData<BIGINT, ROW<a INT, b ARRAY<STRING NOT NULL>>, MAP<STRING, BYTES>>");
        round("Ttl<Nullable(8)<Array(java.lang.String)<String>>>");
        round("Timer<Tuple1<Long>, VoidNamespace>");
        round("Avro(com.acme.User)'{\"type\":\"record\",\"doc\":\"it''s\"}'");
        round("Kryo(com.acme.Blob)");
        round("Either<Long, Sql<ARRAY<INT>>>");
        round("RowData<x INTERVAL DAY TO SECOND, y VARCHAR(10) NOT NULL>");
    }

    #[test]
    fn errors_name_the_place() {
        let e = parse("Map<String>").unwrap_err();
        assert!(e.contains("exactly two"), "{e}");
        let e = parse("Lon").unwrap_err();
        assert!(e.contains("character 0"), "{e}");
        assert!(parse("List<Long").is_err());
        assert!(parse("RowData<a INT, BIGINT>").is_err());
    }
}
