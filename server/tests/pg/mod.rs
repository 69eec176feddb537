//! A PostgreSQL database of a test's own in the throwaway cluster `scripts/test.sh` starts
//! (`scripts/postgres-up.sh`), so runs never see each other's rows. Not skipped when the
//! cluster is absent: every storage suite must run against PostgreSQL too.
#![allow(dead_code)] // each test file uses what it needs

/// The cluster's connection string.
pub fn cluster_url() -> String {
    std::env::var("ZAILAI_TEST_POSTGRES").expect(
        "ZAILAI_TEST_POSTGRES is not set: run scripts/test.sh, or eval \"$(bash scripts/postgres-up.sh)\" first",
    )
}

/// A new empty database named after `name`, the process and the time: its connection string.
pub async fn fresh_database(name: &str) -> String {
    create_database(name, |db| vec![format!("CREATE DATABASE {db}")]).await
}

/// A new database made by the first of `statements(db)` the cluster accepts (one may ask for
/// a collation the cluster lacks): its connection string.
pub async fn create_database(name: &str, statements: impl Fn(&str) -> Vec<String>) -> String {
    let url = cluster_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let db = format!("zailai_{name}_{}_{nanos}", std::process::id());
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test cluster");
    tokio::spawn(connection);
    let mut refused = Vec::new();
    for sql in statements(&db) {
        match admin.batch_execute(&sql).await {
            Ok(()) => return format!("{url} dbname={db}"),
            Err(e) => refused.push(format!("{sql}: {e}")),
        }
    }
    panic!("cannot create database {db}: {refused:?}")
}
