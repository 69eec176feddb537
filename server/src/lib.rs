//! The zailai server side: key files, storage backends, and (to come) the sync server.

pub mod keys;
pub mod store;
