//! `Table::from_env` reaches DynamoDB through the standard aws-config settings.

mod common;

use common::{Account, TABLE};

#[tokio::test]
async fn from_env_uses_endpoint_region_and_credentials_from_the_environment() {
    let endpoint = singletable::test_util::endpoint().unwrap();
    // SAFETY: this test binary holds this one test, so nothing reads the environment
    // concurrently.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", &endpoint);
        std::env::set_var("AWS_REGION", "eu-west-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "local");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "local");
        std::env::remove_var("AWS_PROFILE");
    }
    let table = singletable::Table::from_env(format!("from-env-{}", std::process::id())).await;
    table.create_table(&TABLE).await.unwrap();
    table.put(&Account::sample("env")).await.unwrap();
    let got = table.get(Account::key("env")).await.unwrap();
    table.delete_table().await.unwrap();
    assert_eq!(got, Some(Account::sample("env")));
}
