// Nested updates take paths inside documents; a top-level attribute (whose setter may also
// rewrite index keys) cannot be written through them.
use singletable::NestedUpdate;
use tests::design::User;

fn main() {
    let _ = User::update().set_at(User::fields().email(), "x@example.com".to_owned());
}
