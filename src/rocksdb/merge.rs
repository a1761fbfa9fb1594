//! merged view (todo)
pub struct MergedView;
