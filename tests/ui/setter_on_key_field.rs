// Key fields have no update setters: a primary key never changes.
use tests::design::User;

fn main() {
    let _ = User::update().set_user_id("mallory");
}
