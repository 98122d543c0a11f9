//! Generates the task tracker's Rust from the repository's `schema.yaml` into `$OUT_DIR`
//! (the checked-in `generated.rs` is the same code, for reading), and the released version's
//! (`schema-history/v1.yaml`) for `example-app migrate`, which writes items in that layout
//! before migrating them.

fn main() {
    codegen::compile("../schema.yaml").unwrap_or_else(|e| e.exit());
    codegen::Builder::new()
        .schema("schema-history/v1.yaml")
        .out_file("tracker_v1.rs")
        .compile()
        .unwrap_or_else(|e| e.exit());
}
