//! Generates the task tracker's Rust from the repository's `schema.yaml` into `$OUT_DIR`
//! (the checked-in `generated.rs` is the same code, for reading).

fn main() {
    codegen::compile("../schema.yaml").unwrap_or_else(|e| e.exit());
}
