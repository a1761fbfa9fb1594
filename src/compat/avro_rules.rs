//! Avro schema resolution as Flink's `AvroSerializerSnapshot#resolveSchemaCompatibility` applies
//! it: equal schemas are compatible as is; otherwise Avro's reader/writer check (reader = the new
//! schema, writer = the old one, `SchemaCompatibility.checkReaderWriterCompatibility`) decides
//! between "after migration" and "incompatible". Implemented here over the JSON schemas.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// Named types of one schema, by full name.
struct Names<'a> {
    by_name: HashMap<String, &'a Value>,
}

fn full_name(v: &Value, ns: &str) -> Option<String> {
    let name = v.get("name")?.as_str()?;
    if name.contains('.') {
        return Some(name.to_string());
    }
    let ns = v.get("namespace").and_then(Value::as_str).unwrap_or(ns);
    Some(if ns.is_empty() {
        name.to_string()
    } else {
        format!("{ns}.{name}")
    })
}

fn short(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

impl<'a> Names<'a> {
    fn of(root: &'a Value) -> Self {
        let mut n = Names {
            by_name: HashMap::new(),
        };
        n.walk(root, "");
        n
    }

    fn walk(&mut self, v: &'a Value, ns: &str) {
        match v {
            Value::Array(branches) => branches.iter().for_each(|b| self.walk(b, ns)),
            Value::Object(o) => {
                let mut inner_ns = ns.to_string();
                if let Some(full) = full_name(v, ns) {
                    inner_ns = full
                        .rsplit_once('.')
                        .map_or(String::new(), |(a, _)| a.into());
                    self.by_name.insert(full, v);
                }
                if let Some(Value::Array(fields)) = o.get("fields") {
                    for f in fields {
                        if let Some(t) = f.get("type") {
                            self.walk(t, &inner_ns);
                        }
                    }
                }
                for k in ["items", "values"] {
                    if let Some(t) = o.get(k) {
                        self.walk(t, &inner_ns);
                    }
                }
            }
            _ => {}
        }
    }

    /// Follows a reference by name to its definition.
    fn deref<'b>(&self, v: &'b Value) -> &'b Value
    where
        'a: 'b,
    {
        if let Value::String(s) = v
            && !is_primitive(s)
        {
            if let Some(d) = self.by_name.get(s) {
                return d;
            }
            if let Some((_, d)) = self.by_name.iter().find(|(k, _)| short(k) == s) {
                return d;
            }
        }
        v
    }
}

fn is_primitive(s: &str) -> bool {
    matches!(
        s,
        "null" | "boolean" | "int" | "long" | "float" | "double" | "bytes" | "string"
    )
}

fn type_name(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(_) => "union".into(),
        Value::Object(o) => o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
        _ => "?".into(),
    }
}

/// `Ok(())` when data written with `writer` can be read with `reader`; else the first reason.
pub fn reader_can_read(reader: &str, writer: &str) -> Result<(), String> {
    let r: Value = serde_json::from_str(reader).map_err(|e| format!("new Avro schema: {e}"))?;
    let w: Value = serde_json::from_str(writer).map_err(|e| format!("old Avro schema: {e}"))?;
    let rn = Names::of(&r);
    let wn = Names::of(&w);
    let mut seen = HashSet::new();
    Check {
        rn: &rn,
        wn: &wn,
        seen: &mut seen,
    }
    .check(&r, &w, "")
}

/// Whether two schema texts are the same schema (JSON equality, not text).
pub fn same_schema(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

struct Check<'n, 'a> {
    rn: &'n Names<'a>,
    wn: &'n Names<'a>,
    seen: &'n mut HashSet<(String, String)>,
}

impl Check<'_, '_> {
    fn check(&mut self, r: &Value, w: &Value, path: &str) -> Result<(), String> {
        let r = self.rn.deref(r);
        let w = self.wn.deref(w);
        let at = if path.is_empty() {
            String::new()
        } else {
            format!(" at {path}")
        };
        if let Value::Array(wb) = w {
            for b in wb {
                self.check(r, b, path)?;
            }
            return Ok(());
        }
        if let Value::Array(rb) = r {
            for b in rb {
                let mut probe = Check {
                    rn: self.rn,
                    wn: self.wn,
                    seen: &mut self.seen.clone(),
                };
                if probe.check(b, w, path).is_ok() {
                    return Ok(());
                }
            }
            return Err(format!(
                "old type {} matches no branch of the new union{at}",
                type_name(w)
            ));
        }
        let (rt, wt) = (type_name(r), type_name(w));
        let promotable = matches!(
            (wt.as_str(), rt.as_str()),
            ("int", "long" | "float" | "double")
                | ("long", "float" | "double")
                | ("float", "double")
                | ("string", "bytes")
                | ("bytes", "string")
        );
        if rt != wt {
            if promotable {
                return Ok(());
            }
            return Err(format!("type {wt} cannot be read as {rt}{at}"));
        }
        match rt.as_str() {
            "record" | "error" => self.record(r, w, path),
            "enum" => {
                let syms = |v: &Value| -> Vec<String> {
                    v.get("symbols")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let rs = syms(r);
                let missing: Vec<String> =
                    syms(w).into_iter().filter(|s| !rs.contains(s)).collect();
                if !missing.is_empty() && r.get("default").is_none() {
                    return Err(format!(
                        "enum symbols {} removed without a default{at}",
                        missing.join(", ")
                    ));
                }
                Ok(())
            }
            "fixed" => {
                if r.get("size") != w.get("size") {
                    return Err(format!("fixed size changed{at}"));
                }
                Ok(())
            }
            "array" => match (r.get("items"), w.get("items")) {
                (Some(a), Some(b)) => self.check(a, b, &format!("{path}[]")),
                _ => Ok(()),
            },
            "map" => match (r.get("values"), w.get("values")) {
                (Some(a), Some(b)) => self.check(a, b, &format!("{path}{{}}")),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn record(&mut self, r: &Value, w: &Value, path: &str) -> Result<(), String> {
        let rname = full_name(r, "").unwrap_or_default();
        let wname = full_name(w, "").unwrap_or_default();
        let aliases: Vec<&str> = r
            .get("aliases")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if short(&rname) != short(&wname) && !aliases.iter().any(|a| short(a) == short(&wname)) {
            return Err(format!("record {wname} is now {rname}"));
        }
        if !self.seen.insert((rname.clone(), wname)) {
            return Ok(()); // recursive type: already being checked
        }
        let fields = |v: &Value| -> Vec<Value> {
            v.get("fields")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let wf = fields(w);
        for f in fields(r) {
            let name = f.get("name").and_then(Value::as_str).unwrap_or("");
            let faliases: Vec<&str> = f
                .get("aliases")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let old = wf.iter().find(|x| {
                x.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n == name || faliases.contains(&n))
            });
            let fpath = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            match old {
                Some(o) => {
                    let (Some(rt), Some(wt)) = (f.get("type"), o.get("type")) else {
                        continue;
                    };
                    self.check(rt, wt, &fpath)?;
                }
                None if f.get("default").is_some() => {}
                None => {
                    return Err(format!(
                        "new field {fpath} has no default and the old schema lacks it"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"type":"record","name":"User","namespace":"acme","fields":[
        {"name":"id","type":"int"},{"name":"name","type":"string"}]}"#;

    #[test]
    fn evolution_rules() {
        // Removing a field, adding one with a default, promoting int to long: readable.
        let v2 = r#"{"type":"record","name":"User","namespace":"acme","fields":[
            {"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null}]}"#;
        assert_eq!(reader_can_read(v2, V1), Ok(()));
        // A new field without a default: not readable.
        let v3 = r#"{"type":"record","name":"User","namespace":"acme","fields":[
            {"name":"id","type":"int"},{"name":"age","type":"int"}]}"#;
        assert!(reader_can_read(v3, V1).unwrap_err().contains("age"));
        // Narrowing long to int: not readable.
        assert!(reader_can_read(V1, v2).is_err());
        // Widening a field into a union holding the old type.
        let v4 = r#"{"type":"record","name":"User","namespace":"acme","fields":[
            {"name":"id","type":["null","int"]},{"name":"name","type":"string"}]}"#;
        assert_eq!(reader_can_read(v4, V1), Ok(()));
        assert!(same_schema(V1, &V1.replace(' ', "")));
    }

    #[test]
    fn enums_and_recursion() {
        let e1 = r#"{"type":"enum","name":"C","symbols":["A","B"]}"#;
        let e2 = r#"{"type":"enum","name":"C","symbols":["A"]}"#;
        assert!(reader_can_read(e2, e1).is_err());
        assert_eq!(reader_can_read(e1, e2), Ok(()));
        let list = r#"{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},
            {"name":"next","type":["null","Node"]}]}"#;
        assert_eq!(reader_can_read(list, list), Ok(()));
    }
}
