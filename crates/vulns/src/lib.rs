//! Package vulnerabilities for koban: what is installed where (SSM Inventory, CycloneDX and SPDX
//! SBOMs, lock files), version ordering per ecosystem, an offline OSV vulnerability database in
//! SQLite, matching, and Inspector-style findings scored by how the resource can be reached.
//! It knows nothing of file formats of the network twin, nor of the command line.

pub mod db;
pub mod export;
pub mod inventory;
pub mod matcher;
pub mod osv;
pub mod report;
pub mod score;
pub mod version;
