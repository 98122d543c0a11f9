//! The scaling bench's synthetic schema (`benches/scaling/schema.rs`) stays a valid schema
//! without warnings, so the bench measures generated code rather than failing on its input.

#[path = "../benches/scaling/schema.rs"]
mod schema;

#[test]
fn synthetic_schema_checks_clean() {
    for entities in [1, 10] {
        let text = schema::synthetic_schema(entities);
        let checked = codegen::check_str(format!("scaling-{entities}.yaml"), &text);
        assert!(
            checked.diagnostics.is_empty(),
            "{}",
            checked.render(codegen::Style::Plain)
        );
        assert!(checked.model.is_some(), "a clean schema is modelled");
    }
}
