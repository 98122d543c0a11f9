// `auto` and `version` attributes are written by the runtime, never by a setter.
use tests::design::User;

fn main() {
    let _ = User::update().set_created_at(singletable::__private::chrono::Utc::now());
    let _ = User::update().set_version(3);
}
