//! Shared rendering: tables and byte counts.

use comfy_table::{Cell, CellAlignment, LineStyle, Table, TableStyle};

/// A rule under the header only: compact, and still readable when piped.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction(' '));

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(STYLE);
    t.set_header(header.iter().map(Cell::new));
    t
}

/// Right-aligns the given columns.
pub fn right(t: &mut Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// 1536 → "1.5 KiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "-".to_string(), |v| v.to_string())
}

pub fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn notes(notes: &[String]) {
    for n in notes {
        println!("note: {n}");
    }
}

/// A horizontal bar of `width` cells for `value` out of `max` (eighth-cell resolution).
pub fn bar(value: u64, max: u64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if max == 0 || width == 0 {
        return String::new();
    }
    let eighths = ((value as u128 * width as u128 * 8) / max as u128) as usize;
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(PARTS[eighths % 8]);
    }
    s
}

/// A one-line histogram of `values` squeezed into at most `width` columns (each column sums
/// a run of neighbouring values), scaled to the largest column.
pub fn sparkline(values: &[u64], width: usize) -> String {
    const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let per = values.len().div_ceil(width);
    let cols: Vec<u64> = values.chunks(per).map(|c| c.iter().sum()).collect();
    let max = cols.iter().copied().max().unwrap_or(0);
    cols.iter()
        .map(|&v| {
            if max == 0 || v == 0 {
                LEVELS[0]
            } else {
                LEVELS[1 + ((v as u128 * 7) / max as u128) as usize]
            }
        })
        .collect()
}
