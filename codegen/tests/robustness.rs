//! Feeds thousands of mutated versions of the example schema to the checker: deleted,
//! duplicated and re-indented lines, swapped and replaced scalars, truncations, random bytes
//! and deep nesting. The checker must never panic, and must either succeed (with a model) or
//! report errors that each carry a location.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// A small deterministic generator, so failures reproduce from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const WORDS: &[&str] = &[
    "string",
    "integer",
    "list<",
    "set<float>",
    "map<User>",
    "null",
    "~",
    "true",
    "-1",
    "1e400",
    "{",
    "}",
    "[",
    "]",
    ":",
    "- ",
    "\"",
    "'",
    "&a",
    "*a",
    "!!binary",
    "{user_id}",
    "USER#{",
    "primary",
    "gsi1",
    "inverse",
    "local: true",
    "version: 2",
    "entities",
    "Order",
    "User",
    "#",
    "\t",
    "\u{0}",
    "é",
    "\u{10FFFF}",
    "? complex",
    "<<: *a",
    "%YAML 1.2",
    "---",
    "...",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for _ in 0..=rng.below(3) {
        let n = lines.len().max(1);
        match rng.below(9) {
            0 if !lines.is_empty() => {
                lines.remove(rng.below(n));
            }
            1 if !lines.is_empty() => {
                let l = lines[rng.below(n)].clone();
                lines.insert(rng.below(n), l);
            }
            2 if !lines.is_empty() => {
                let i = rng.below(n);
                let indent = " ".repeat(rng.below(8));
                lines[i] = format!("{indent}{}", lines[i].trim_start());
            }
            3 if lines.len() > 1 => {
                // Swap a scalar between two lines.
                let (a, b) = (rng.below(n), rng.below(n));
                let take = |l: &str| l.rsplit(": ").next().unwrap_or("").to_owned();
                let (va, vb) = (take(&lines[a]), take(&lines[b]));
                if !va.is_empty() && !vb.is_empty() {
                    lines[a] = lines[a].replacen(&va, &vb, 1);
                    lines[b] = lines[b].replacen(&vb, &va, 1);
                }
            }
            4 if !lines.is_empty() => {
                let i = rng.below(n);
                let word = WORDS[rng.below(WORDS.len())];
                let line = &lines[i];
                let cut = line
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(rng.below(line.chars().count() + 1))
                    .unwrap_or(line.len());
                lines[i] = format!("{}{word}{}", &line[..cut], &line[cut..]);
            }
            5 => {
                let joined = lines.join("\n");
                let mut cut = rng.below(joined.len() + 1);
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines = joined[..cut].lines().map(str::to_owned).collect();
            }
            6 => {
                let bytes: String = (0..rng.below(12))
                    .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
                    .collect();
                lines.insert(rng.below(n), bytes);
            }
            7 => {
                let depth = 1 + rng.below(400);
                let nest = if rng.below(2) == 0 {
                    format!("deep: {}{}", "[".repeat(depth), "]".repeat(depth))
                } else {
                    format!("deep: {}x{}", "{a: ".repeat(depth), "}".repeat(depth))
                };
                lines.insert(rng.below(n), nest);
            }
            _ if !lines.is_empty() => {
                let i = rng.below(n);
                if let Some((k, _)) = lines[i].split_once(": ") {
                    lines[i] = format!("{k}: {}", WORDS[rng.below(WORDS.len())]);
                }
            }
            _ => {}
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_schemas_never_panic_and_errors_are_located() {
    let base =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.yaml")).unwrap();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let (mut ok, mut failed) = (0, 0);
    for case in 0..4000 {
        let text = mutate(&mut rng, &base);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let checked = codegen::check_str("schema.yaml", &text);
            // Render some of them too: rendering must not panic either.
            if case % 16 == 0 {
                let _ = checked.render(codegen::Style::Plain);
                let _ = checked.to_json();
            }
            // A schema that validates must also generate: emitters must not panic either.
            if let Some(model) = &checked.model {
                codegen::render_model(model, "schema.yaml").expect("generated code parses");
            }
            checked
        }));
        let checked = match result {
            Ok(c) => c,
            Err(_) => panic!("case {case} panicked on:\n{text}"),
        };
        if checked.has_errors() {
            failed += 1;
            for d in &checked.diagnostics {
                let located = d.location.is_some()
                    || checked.source.positions.find(&d.path, d.anchor).is_some();
                assert!(
                    located || d.code() == "empty-schema",
                    "case {case}: `{}` ({}) has no location in:\n{text}",
                    d.code(),
                    d.message
                );
            }
        } else {
            ok += 1;
            assert!(
                checked.model.is_some(),
                "case {case}: valid but no model:\n{text}"
            );
        }
    }
    // The mutations must exercise both outcomes.
    assert!(ok > 50 && failed > 1000, "ok {ok}, failed {failed}");
}

#[test]
fn pathological_inputs() {
    for text in [
        "",
        "\u{0}",
        "version: 1\n",
        "[]",
        "- - - -",
        "version: 1\nentities: ~\n",
        "version: 1\nentities: { A: { attributes: {}, keys: {} } }\n",
        "version: 1\ntable: { delimiter: \"\" }\nentities: {}\n",
        &"a: [".repeat(10_000),
        &format!("x: {}", "\"".repeat(3)),
    ] {
        let checked = codegen::check_str("s.yaml", text);
        let _ = checked.render(codegen::Style::Plain);
        assert!(checked.has_errors() || checked.model.is_some(), "{text:?}");
        if let Some(model) = &checked.model {
            codegen::render_model(model, "s.yaml").unwrap();
        }
    }
}
