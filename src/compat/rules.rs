//! Serializer compatibility, old snapshot against new, as Flink resolves it on restore
//! (`TypeSerializerSchemaCompatibility`): one rule per serializer family, composites combined
//! as `CompositeTypeSerializerUtil#constructIntermediateCompatibilityResult` does. Each rule and
//! the Flink class it mirrors: `formats/compatibility.md`.

use std::fmt;

use serde::Serialize;

use crate::types::{SqlType, TypeInfo};

use super::avro_rules;

/// Flink's four results, plus what cannot be known offline. Ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compat {
    AsIs,
    /// A new serializer instance is built from the old snapshot (e.g. enum constants added);
    /// restores like "as is".
    Reconfigured,
    Migration,
    /// The rule lives in job code (custom serializer) or in data this tool cannot see.
    Undecidable,
    Incompatible,
}

/// What comparing two type trees found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub compat: Compat,
    /// Why it is not "as is", one line per finding, each naming where in the type.
    pub reasons: Vec<String>,
    /// Caveats that do not change the result (e.g. Kryo cannot see class changes).
    pub caveats: Vec<String>,
}

impl Outcome {
    pub fn as_is() -> Self {
        Outcome {
            compat: Compat::AsIs,
            reasons: Vec::new(),
            caveats: Vec::new(),
        }
    }

    pub fn add(&mut self, c: Compat, reason: impl Into<String>) {
        self.compat = self.compat.max(c);
        self.reasons.push(reason.into());
    }

    fn caveat(&mut self, s: String) {
        if !self.caveats.contains(&s) {
            self.caveats.push(s);
        }
    }
}

/// What rules depend on outside the types.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// Flink 2.0+ (`TtlAwareSerializer`): switching TTL on or off migrates the values instead
    /// of failing.
    pub ttl_migrates: bool,
}

/// Resolves `new` against `old` (Flink: `newSnapshot.resolveSchemaCompatibility(oldSnapshot)`).
pub fn resolve(old: &TypeInfo, new: &TypeInfo, ctx: Context) -> Outcome {
    let mut out = Outcome::as_is();
    walk(old, new, "", ctx, &mut out);
    out
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

fn sub(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_string()
    } else {
        format!("{path}.{part}")
    }
}

fn walk(old: &TypeInfo, new: &TypeInfo, path: &str, ctx: Context, out: &mut Outcome) {
    use TypeInfo as T;
    let p = at(path);
    match (old, new) {
        (T::Ttl { inner: o }, T::Ttl { inner: n }) => walk(o, n, path, ctx, out),
        (T::Ttl { inner: o }, n) => ttl_switch(o, n, path, false, ctx, out),
        (o, T::Ttl { inner: n }) => ttl_switch(o, n, path, true, ctx, out),
        (T::Primitive { ty: a }, T::Primitive { ty: b }) => {
            if a != b {
                out.add(
                    Compat::Incompatible,
                    format!("{p}type changed from {a} to {b} (a different serializer class)"),
                );
            }
        }
        (T::PrimitiveArray { elem: a }, T::PrimitiveArray { elem: b }) => {
            changed(out, &p, "array type", a, b);
        }
        (
            T::Enum {
                class: c1,
                constants: k1,
            },
            T::Enum {
                class: c2,
                constants: k2,
            },
        ) => {
            if changed(out, &p, "enum class", c1, c2) {
                return;
            }
            if let Some(gone) = k1.iter().find(|k| !k2.contains(k)) {
                out.add(
                    Compat::Incompatible,
                    format!("{p}enum constant {gone} was removed"),
                );
            } else if k1 != k2 {
                out.add(
                    Compat::Reconfigured,
                    format!("{p}enum constants added or reordered (old ordinals are kept)"),
                );
            }
        }
        (
            T::Pojo {
                class: c1,
                fields: f1,
                subclasses: s1,
            },
            T::Pojo {
                class: c2,
                fields: f2,
                subclasses: s2,
            },
        ) => {
            if changed(out, &p, "POJO class", c1, c2) {
                return;
            }
            let removed: Vec<&str> = f1
                .iter()
                .filter(|f| !f2.iter().any(|g| g.name == f.name))
                .map(|f| f.name.as_str())
                .collect();
            let added: Vec<&str> = f2
                .iter()
                .filter(|f| !f1.iter().any(|g| g.name == f.name))
                .map(|f| f.name.as_str())
                .collect();
            for f in f1 {
                if let Some(g) = f2.iter().find(|g| g.name == f.name) {
                    walk(&f.ty, &g.ty, &sub(path, &f.name), ctx, out);
                }
            }
            if !removed.is_empty() {
                out.add(
                    Compat::Migration,
                    format!("{p}POJO fields removed: {}", removed.join(", ")),
                );
            }
            if !added.is_empty() {
                out.add(
                    Compat::Migration,
                    format!("{p}POJO fields added: {}", added.join(", ")),
                );
            }
            let names1: Vec<&String> = s1.iter().map(|(c, _)| c).collect();
            let names2: Vec<&String> = s2.iter().map(|(c, _)| c).collect();
            for (c, t) in s1 {
                if let Some((_, u)) = s2.iter().find(|(d, _)| d == c) {
                    walk(t, u, &sub(path, &format!("<{c}>")), ctx, out);
                }
            }
            if names1 != names2 {
                out.add(
                    Compat::Reconfigured,
                    format!("{p}registered POJO subclasses changed"),
                );
            }
        }
        (T::Tuple { fields: a, .. }, T::Tuple { fields: b, .. }) => {
            children(a, b, path, "f", ctx, out, "tuple arity")
        }
        (
            T::Row {
                fields: a,
                supports_row_kind: k1,
            },
            T::Row {
                fields: b,
                supports_row_kind: k2,
            },
        ) => {
            children(a, b, path, "f", ctx, out, "row arity");
            if k1 != k2 {
                out.add(
                    Compat::Migration,
                    format!("{p}row kind support changed (RowSerializer legacy mode)"),
                );
            }
        }
        (T::RowData { fields: a, names }, T::RowData { fields: b, .. }) => {
            row_data(a, b, names.as_deref(), &p, out)
        }
        (T::BinaryRowData { arity: a }, T::BinaryRowData { arity: b }) => {
            changed(out, &p, "binary row arity", a, b);
        }
        (T::TimestampData { precision: a }, T::TimestampData { precision: b }) => {
            changed(out, &p, "timestamp precision", a, b);
        }
        (
            T::DecimalData {
                precision: a,
                scale: s,
            },
            T::DecimalData {
                precision: b,
                scale: t,
            },
        ) => {
            if (a, s) != (b, t) {
                out.add(
                    Compat::Incompatible,
                    format!("{p}DECIMAL({a}, {s}) changed to DECIMAL({b}, {t})"),
                );
            }
        }
        (T::List { elem: a }, T::List { elem: b })
        | (T::Set { elem: a }, T::Set { elem: b })
        | (T::LinkedList { elem: a, .. }, T::LinkedList { elem: b, .. }) => {
            walk(a, b, &sub(path, "element"), ctx, out)
        }
        (T::Map { key: k1, value: v1 }, T::Map { key: k2, value: v2 }) => {
            walk(k1, k2, &sub(path, "key"), ctx, out);
            walk(v1, v2, &sub(path, "value"), ctx, out);
        }
        (
            T::GenericArray {
                component_class: c1,
                elem: a,
            },
            T::GenericArray {
                component_class: c2,
                elem: b,
            },
        ) => {
            changed(out, &p, "array component class", c1, c2);
            walk(a, b, &sub(path, "element"), ctx, out);
        }
        (
            T::Nullable {
                inner: a,
                padding: x,
            },
            T::Nullable {
                inner: b,
                padding: y,
            },
        ) => {
            changed(out, &p, "null padding length", x, y);
            walk(a, b, path, ctx, out);
        }
        (
            T::Timer {
                key: k1,
                namespace: n1,
            },
            T::Timer {
                key: k2,
                namespace: n2,
            },
        ) => {
            walk(k1, k2, &sub(path, "key"), ctx, out);
            walk(n1, n2, &sub(path, "namespace"), ctx, out);
        }
        (
            T::Either {
                left: l1,
                right: r1,
            },
            T::Either {
                left: l2,
                right: r2,
            },
        ) => {
            walk(l1, l2, &sub(path, "left"), ctx, out);
            walk(r1, r2, &sub(path, "right"), ctx, out);
        }
        (T::RawValue { inner: a }, T::RawValue { inner: b })
        | (T::StreamElement { inner: a }, T::StreamElement { inner: b })
        | (T::External { inner: a }, T::External { inner: b }) => walk(a, b, path, ctx, out),
        (T::SqlData { ty: a }, T::SqlData { ty: b }) => {
            changed(out, &p, "SQL type", a, b);
        }
        (
            T::Avro {
                schema: a,
                runtime_type: ra,
                ..
            },
            T::Avro {
                schema: b,
                runtime_type: rb,
                ..
            },
        ) => {
            if avro_rules::same_schema(a, b) {
                return;
            }
            match avro_rules::reader_can_read(b, a) {
                Ok(()) => out.add(
                    Compat::Migration,
                    format!(
                        "{p}Avro schema evolved; the old records are readable with the new schema"
                    ),
                ),
                Err(why) => out.add(
                    Compat::Incompatible,
                    format!("{p}Avro schema change is not readable: {why}"),
                ),
            }
            if ra != rb {
                out.caveat(format!(
                    "{p}Avro runtime class changed from {} to {}",
                    ra.as_deref().unwrap_or("GenericRecord"),
                    rb.as_deref().unwrap_or("GenericRecord")
                ));
            }
        }
        (T::Kryo { class: a }, T::Kryo { class: b }) => {
            if !changed(out, &p, "Kryo type", a, b) {
                out.caveat(format!(
                    "{p}{a} is serialized with Kryo: Flink compares only the class and the Kryo \
                     registrations, so a change inside the class shows only when values are read"
                ));
            }
        }
        (
            T::Composite {
                class: c1,
                children: a,
            },
            T::Composite {
                class: c2,
                children: b,
            },
        ) => {
            if !changed(out, &p, "serializer", c1, c2) {
                children(a, b, path, "arg", ctx, out, "nested serializer count");
            }
        }
        (
            T::Opaque {
                class_name: c1,
                snapshot: s1,
            },
            T::Opaque {
                class_name: c2,
                snapshot: s2,
            },
        ) => {
            if c1 == c2 && s1 == s2 {
                out.caveat(format!(
                    "{p}custom serializer {c1}: its snapshot is unchanged; its own compatibility \
                     check was not run"
                ));
            } else {
                out.add(
                    Compat::Undecidable,
                    format!(
                        "{p}custom serializer {c1}{}: its compatibility rule is job code, not \
                         readable offline",
                        if c1 == c2 {
                            String::new()
                        } else {
                            format!(" (now {c2})")
                        }
                    ),
                );
            }
        }
        (o @ T::Opaque { .. }, n) | (o, n @ T::Opaque { .. }) => out.add(
            Compat::Undecidable,
            format!("{p}serializer changed from {o} to {n}; one side is a custom serializer"),
        ),
        (a, b) if same_leaf(a, b) => {}
        (a, b) => out.add(
            Compat::Incompatible,
            format!("{p}serializer changed from {a} to {b}"),
        ),
    }
}

/// A setting of the serializer that must stay the same: when `old` and `new` differ, adds
/// "`what` changed from `old` to `new`" as incompatible. True if they differ.
fn changed<V: PartialEq + fmt::Display + ?Sized>(
    out: &mut Outcome,
    p: &str,
    what: &str,
    old: &V,
    new: &V,
) -> bool {
    let differ = old != new;
    if differ {
        out.add(
            Compat::Incompatible,
            format!("{p}{what} changed from {old} to {new}"),
        );
    }
    differ
}

/// Parameterless serializers compared by kind.
fn same_leaf(a: &TypeInfo, b: &TypeInfo) -> bool {
    use TypeInfo as T;
    matches!(
        (a, b),
        (T::VoidNamespace, T::VoidNamespace)
            | (T::TimeWindow, T::TimeWindow)
            | (T::GlobalWindow, T::GlobalWindow)
            | (T::SqlTimeWindow, T::SqlTimeWindow)
            | (T::CountWindow, T::CountWindow)
            | (T::NullMarker, T::NullMarker)
            | (T::Java, T::Java)
    )
}

fn children(
    a: &[TypeInfo],
    b: &[TypeInfo],
    path: &str,
    part: &str,
    ctx: Context,
    out: &mut Outcome,
    what: &str,
) {
    if a.len() != b.len() {
        out.add(
            Compat::Incompatible,
            format!("{}{what} changed from {} to {}", at(path), a.len(), b.len()),
        );
        return;
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        walk(x, y, &sub(path, &format!("{part}{i}")), ctx, out);
    }
}

fn row_data(a: &[SqlType], b: &[SqlType], names: Option<&[String]>, p: &str, out: &mut Outcome) {
    if a.len() != b.len() {
        out.add(
            Compat::Incompatible,
            format!(
                "{p}RowData column count changed from {} to {} (SQL state has no schema evolution)",
                a.len(),
                b.len()
            ),
        );
        return;
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x != y {
            let col = names
                .and_then(|n| n.get(i))
                .map_or_else(|| format!("#{i}"), |n| format!("#{i} ({n})"));
            out.add(
                Compat::Incompatible,
                format!("{p}RowData column {col} changed from {x} to {y} (SQL state has no schema evolution)"),
            );
        }
    }
}

fn ttl_switch(
    old: &TypeInfo,
    new: &TypeInfo,
    path: &str,
    enabled: bool,
    ctx: Context,
    out: &mut Outcome,
) {
    let p = at(path);
    let what = if enabled {
        "switched on"
    } else {
        "switched off"
    };
    if ctx.ttl_migrates {
        walk(old, new, path, ctx, out);
        out.add(
            Compat::Migration,
            format!("{p}state TTL {what}: Flink 2.0+ rewrites the values (TtlAwareSerializer)"),
        );
    } else {
        out.add(
            Compat::Incompatible,
            format!(
                "{p}state TTL {what}: before Flink 2.0 the TTL wrapper makes the serializers \
                 incompatible"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::typexpr::parse;

    fn check(old: &str, new: &str) -> Outcome {
        let o = parse(old).unwrap();
        let n = parse(new).unwrap();
        resolve(&o, &n, Context::default())
    }

    #[test]
    fn simple_types() {
        assert_eq!(check("Long", "Long").compat, Compat::AsIs);
        let r = check("Integer", "Long");
        assert_eq!(r.compat, Compat::Incompatible);
        assert!(r.reasons[0].contains("Integer to Long"));
    }

    #[test]
    fn pojo_fields() {
        let v1 = "Pojo(a.E){id: Long, name: String}";
        assert_eq!(check(v1, v1).compat, Compat::AsIs);
        let r = check(v1, "Pojo(a.E){id: Long, name: String, email: String}");
        assert_eq!(r.compat, Compat::Migration);
        assert!(r.reasons[0].contains("added: email"));
        let r = check(v1, "Pojo(a.E){id: Long}");
        assert_eq!(r.compat, Compat::Migration);
        assert!(r.reasons[0].contains("removed: name"));
        let r = check(v1, "Pojo(a.E){id: Integer, name: String}");
        assert_eq!(r.compat, Compat::Incompatible);
        assert!(r.reasons[0].starts_with("id: "));
        assert_eq!(
            check(v1, "Pojo(a.F){id: Long, name: String}").compat,
            Compat::Incompatible
        );
    }

    #[test]
    fn composites_and_arity() {
        assert_eq!(
            check("Tuple2<Long, Long>", "Tuple3<Long, Long, Long>").compat,
            Compat::Incompatible
        );
        assert_eq!(
            check(
                "Map<String, Pojo(a.E){x: Long}>",
                "Map<String, Pojo(a.E){x: Long, y: Long}>"
            )
            .compat,
            Compat::Migration
        );
        assert_eq!(
            check("List<Long>", "Set<Long>").compat,
            Compat::Incompatible
        );
        assert_eq!(
            check("Row<Long>", "Row(no-kind)<Long>").compat,
            Compat::Migration
        );
        assert_eq!(
            check("Nullable<Long>", "Nullable(8)<Long>").compat,
            Compat::Incompatible
        );
    }

    #[test]
    fn enums() {
        assert_eq!(
            check("Enum(a.C)[A, B]", "Enum(a.C)[A, B, C]").compat,
            Compat::Reconfigured
        );
        assert_eq!(
            check("Enum(a.C)[A, B]", "Enum(a.C)[A]").compat,
            Compat::Incompatible
        );
    }

    #[test]
    fn row_data_has_no_evolution() {
        let r = check("RowData<a BIGINT, b STRING>", "RowData<a BIGINT, b INT>");
        assert_eq!(r.compat, Compat::Incompatible);
        assert!(r.reasons[0].contains("#1 (b)"), "{:?}", r.reasons);
        assert_eq!(
            check("RowData<a BIGINT>", "RowData<a BIGINT NOT NULL>").compat,
            Compat::Incompatible
        );
        assert_eq!(
            check("RowData<a BIGINT>", "RowData<a BIGINT, b INT>").compat,
            Compat::Incompatible
        );
    }

    #[test]
    fn ttl_depends_on_flink_version() {
        assert_eq!(check("Ttl<Long>", "Long").compat, Compat::Incompatible);
        assert_eq!(check("Long", "Ttl<Long>").compat, Compat::Incompatible);
        let two = Context { ttl_migrates: true };
        let r = resolve(&parse("Long").unwrap(), &parse("Ttl<Long>").unwrap(), two);
        assert_eq!(r.compat, Compat::Migration);
        let r = resolve(
            &parse("Integer").unwrap(),
            &parse("Ttl<Long>").unwrap(),
            two,
        );
        assert_eq!(r.compat, Compat::Incompatible);
    }

    #[test]
    fn kryo_and_custom() {
        let r = check("Kryo(a.B)", "Kryo(a.B)");
        assert_eq!(r.compat, Compat::AsIs);
        assert_eq!(r.caveats.len(), 1);
        assert_eq!(check("Kryo(a.B)", "Kryo(a.C)").compat, Compat::Incompatible);
        assert_eq!(
            check("Kryo(a.B)", "Pojo(a.B){x: Long}").compat,
            Compat::Incompatible
        );
        assert_eq!(check("Opaque(a.S)", "Opaque(a.S)").compat, Compat::AsIs);
        assert_eq!(
            check("Opaque(a.S)", "Opaque(a.T)").compat,
            Compat::Undecidable
        );
        assert_eq!(check("Opaque(a.S)", "Long").compat, Compat::Undecidable);
    }

    #[test]
    fn avro() {
        let v1 = r#"Avro(a.U)'{"type":"record","name":"U","fields":[{"name":"id","type":"int"}]}'"#;
        let v2 =
            r#"Avro(a.U)'{"type":"record","name":"U","fields":[{"name":"id","type":"long"}]}'"#;
        assert_eq!(check(v1, v1).compat, Compat::AsIs);
        assert_eq!(check(v1, v2).compat, Compat::Migration);
        assert_eq!(check(v2, v1).compat, Compat::Incompatible);
    }
}
