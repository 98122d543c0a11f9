// Only optional attributes can be removed: a required one would leave an undecodable item.
use tests::design::User;

fn main() {
    let _ = User::update().remove_email();
}
