//! The local vulnerability database: OSV advisories imported from zip exports, directories or
//! single files into an indexed SQLite file, offline and incrementally (an advisory is
//! replaced when its `modified` time or its content changed, kept otherwise), and the lookup
//! of the advisories that name one package.

use crate::osv::{self, Advisory, Affected};
use crate::version::ecosystem_base;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("vulnerability database {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("vulnerability database {path}: cannot create its directory: {source}")]
    Dir { path: PathBuf, source: std::io::Error },
    #[error("vulnerability database {path}: stored advisory {id} is unreadable: {message}")]
    Corrupt { path: PathBuf, id: String, message: String },
}

/// One advisory that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportError {
    /// The file, or `zip!entry` inside an archive.
    pub file: String,
    /// JSON path inside the advisory (`$` for the whole file).
    pub path: String,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub files: usize,
    pub added: usize,
    pub replaced: usize,
    pub unchanged: usize,
    /// Advisories carrying `withdrawn` (stored, never matched).
    pub withdrawn: usize,
    pub errors: Vec<ImportError>,
    /// Advisories in the database after the import.
    pub total: usize,
}

/// An advisory naming a package, with what matching needs.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub published: Option<String>,
    pub modified: String,
    pub cvss: Vec<osv::Cvss>,
    pub references: Vec<osv::Reference>,
    pub affected: Affected,
}

pub struct VulnDb {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS advisory (
    id TEXT PRIMARY KEY,
    modified TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published TEXT,
    withdrawn TEXT,
    summary TEXT,
    aliases TEXT NOT NULL,
    references_json TEXT NOT NULL,
    source TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS affected (
    advisory_id TEXT NOT NULL REFERENCES advisory(id) ON DELETE CASCADE,
    ecosystem TEXT NOT NULL,
    ecosystem_base TEXT NOT NULL,
    name_key TEXT NOT NULL,
    cvss TEXT NOT NULL,
    entry TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS affected_package ON affected(ecosystem_base, name_key);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected(advisory_id);
CREATE TABLE IF NOT EXISTS alias (
    alias TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisory(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS alias_alias ON alias(alias);
CREATE INDEX IF NOT EXISTS alias_advisory ON alias(advisory_id);
";

/// The key a package name is looked up by: PyPI names normalised as PEP 503 says (case and
/// runs of `-`, `_`, `.` do not matter), every other ecosystem's names as they are.
pub fn name_key(ecosystem: &str, name: &str) -> String {
    if ecosystem_base(ecosystem) == "PyPI" {
        let mut out = String::with_capacity(name.len());
        let mut sep = false;
        for c in name.trim().chars() {
            if matches!(c, '-' | '_' | '.') {
                sep = true;
            } else {
                if sep && !out.is_empty() {
                    out.push('-');
                }
                sep = false;
                out.extend(c.to_lowercase());
            }
        }
        out
    } else {
        name.trim().to_string()
    }
}

impl VulnDb {
    /// Open (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<VulnDb, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::Dir { path: path.to_path_buf(), source })?;
        }
        let sql = |source| DbError::Sqlite { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(sql)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;").map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        Ok(VulnDb { conn, path: path.to_path_buf() })
    }

    fn sql(&self, source: rusqlite::Error) -> DbError {
        DbError::Sqlite { path: self.path.clone(), source }
    }

    /// Import OSV advisories from zip archives, directories (every `*.json` below) or files.
    /// Malformed advisories are reported and skipped; everything else is imported in one
    /// transaction, so an interrupted import leaves the database as it was.
    pub fn import(&mut self, sources: &[PathBuf]) -> Result<ImportReport, DbError> {
        let mut report = ImportReport::default();
        let tx = self.conn.transaction().map_err(|source| DbError::Sqlite { path: self.path.clone(), source })?;
        {
            let mut importer = Importer::new(&tx).map_err(|source| DbError::Sqlite { path: self.path.clone(), source })?;
            for src in sources {
                for_each_document(src, &mut report, &mut |name, bytes, report| {
                    importer.one(name, bytes, report).map_err(|source| DbError::Sqlite { path: self.path.clone(), source })
                })?;
            }
        }
        tx.commit().map_err(|source| DbError::Sqlite { path: self.path.clone(), source })?;
        report.total = self.count()?;
        Ok(report)
    }

    /// Advisories stored.
    pub fn count(&self) -> Result<usize, DbError> {
        self.conn.query_row("SELECT COUNT(*) FROM advisory", [], |r| r.get::<_, i64>(0)).map(|n| n as usize).map_err(|e| self.sql(e))
    }

    /// The advisories (not withdrawn) with an affected entry for this package. An ecosystem
    /// with a release (`Debian:12`) matches entries of that release (`Debian:12`,
    /// `Debian:12:…`) and release-less ones; without a release it matches every release.
    pub fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, DbError> {
        let base = ecosystem_base(ecosystem);
        let key = name_key(ecosystem, name);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.aliases, a.summary, a.published, a.modified, a.references_json, f.ecosystem, f.cvss, f.entry
                 FROM affected f JOIN advisory a ON a.id = f.advisory_id
                 WHERE f.ecosystem_base = ?1 AND f.name_key = ?2 AND a.withdrawn IS NULL
                 ORDER BY a.id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![base, key], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, aliases, summary, published, modified, refs, eco, cvss, entry) = row.map_err(|e| self.sql(e))?;
            if !release_matches(ecosystem, &eco) {
                continue;
            }
            let corrupt = |m: serde_json::Error| DbError::Corrupt { path: self.path.clone(), id: id.clone(), message: m.to_string() };
            let aliases: Vec<String> = serde_json::from_str(&aliases).map_err(corrupt)?;
            let references: Vec<osv::Reference> = serde_json::from_str(&refs).map_err(corrupt)?;
            let cvss: Vec<osv::Cvss> =
                serde_json::from_str::<Vec<StoredCvss>>(&cvss).map_err(corrupt)?.into_iter().map(Into::into).collect();
            let affected: Affected = serde_json::from_str(&entry).map_err(corrupt)?;
            out.push(Candidate { id, aliases, summary, published, modified, cvss, references, affected });
        }
        Ok(out)
    }

    /// Every advisory id with its affected entries, for scans that do not use the index
    /// (the benchmark's baseline).
    pub fn all_affected(&self) -> Result<Vec<(String, Affected)>, DbError> {
        let mut stmt = self
            .conn
            .prepare("SELECT f.advisory_id, f.entry FROM affected f JOIN advisory a ON a.id = f.advisory_id WHERE a.withdrawn IS NULL")
            .map_err(|e| self.sql(e))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, entry) = row.map_err(|e| self.sql(e))?;
            let a = serde_json::from_str(&entry).map_err(|m| DbError::Corrupt {
                path: self.path.clone(),
                id: id.clone(),
                message: m.to_string(),
            })?;
            out.push((id, a));
        }
        Ok(out)
    }

    /// The full stored record of one advisory, by id or alias.
    pub fn advisory(&self, id_or_alias: &str) -> Result<Option<Advisory>, DbError> {
        let record: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT id, record FROM advisory WHERE id = ?1 UNION ALL
                 SELECT a.id, a.record FROM alias x JOIN advisory a ON a.id = x.advisory_id WHERE x.alias = ?1 LIMIT 1",
                params![id_or_alias],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        match record {
            None => Ok(None),
            Some((id, rec)) => {
                serde_json::from_str(&rec).map(Some).map_err(|m| DbError::Corrupt { path: self.path.clone(), id, message: m.to_string() })
            }
        }
    }
}

fn release_matches(package_ecosystem: &str, advisory_ecosystem: &str) -> bool {
    if package_ecosystem == advisory_ecosystem || !package_ecosystem.contains(':') || !advisory_ecosystem.contains(':') {
        return true;
    }
    advisory_ecosystem.strip_prefix(package_ecosystem).is_some_and(|rest| rest.starts_with(':'))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCvss {
    kind: String,
    vector: String,
    base_score: Option<f64>,
}

impl From<StoredCvss> for osv::Cvss {
    fn from(s: StoredCvss) -> osv::Cvss {
        osv::Cvss { kind: s.kind, vector: s.vector, base_score: s.base_score }
    }
}

struct Importer<'c> {
    existing: rusqlite::CachedStatement<'c>,
    delete: rusqlite::CachedStatement<'c>,
    insert: rusqlite::CachedStatement<'c>,
    insert_affected: rusqlite::CachedStatement<'c>,
    insert_alias: rusqlite::CachedStatement<'c>,
}

impl<'c> Importer<'c> {
    fn new(conn: &'c Connection) -> rusqlite::Result<Importer<'c>> {
        Ok(Importer {
            existing: conn.prepare_cached("SELECT modified, content_hash FROM advisory WHERE id = ?1")?,
            delete: conn.prepare_cached("DELETE FROM advisory WHERE id = ?1")?,
            insert: conn.prepare_cached(
                "INSERT INTO advisory (id, modified, content_hash, published, withdrawn, summary, aliases, references_json, source, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?,
            insert_affected: conn.prepare_cached(
                "INSERT INTO affected (advisory_id, ecosystem, ecosystem_base, name_key, cvss, entry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            insert_alias: conn.prepare_cached("INSERT INTO alias (alias, advisory_id) VALUES (?1, ?2)")?,
        })
    }

    fn one(&mut self, name: &str, bytes: &[u8], report: &mut ImportReport) -> rusqlite::Result<()> {
        report.files += 1;
        let adv = match osv::parse(bytes) {
            Ok(a) => a,
            Err(e) => {
                report.errors.push(ImportError { file: name.to_string(), path: e.path, message: e.message });
                return Ok(());
            }
        };
        let hash: String = Sha256::digest(bytes).iter().take(16).map(|b| format!("{b:02x}")).collect();
        if adv.withdrawn.is_some() {
            report.withdrawn += 1;
        }
        let existing: Option<(String, String)> = self.existing.query_row(params![adv.id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        match existing {
            Some((m, h)) if m == adv.modified && h == hash => {
                report.unchanged += 1;
                return Ok(());
            }
            Some(_) => {
                self.delete.execute(params![adv.id])?;
                report.replaced += 1;
            }
            None => report.added += 1,
        }
        self.insert.execute(params![
            adv.id,
            adv.modified,
            hash,
            adv.published,
            adv.withdrawn,
            adv.summary,
            json(&adv.aliases),
            json(&adv.references),
            name,
            json(&adv),
        ])?;
        for a in &adv.affected {
            let cvss: Vec<StoredCvss> = osv::cvss(&adv, Some(a))
                .into_iter()
                .map(|c| StoredCvss { kind: c.kind, vector: c.vector, base_score: c.base_score })
                .collect();
            self.insert_affected.execute(params![
                adv.id,
                a.package.ecosystem,
                ecosystem_base(&a.package.ecosystem),
                name_key(&a.package.ecosystem, &a.package.name),
                json(&cvss),
                json(a),
            ])?;
        }
        for alias in &adv.aliases {
            self.insert_alias.execute(params![alias, adv.id])?;
        }
        Ok(())
    }
}

/// A stored column's JSON (the values are koban's own types, whose serialisation cannot fail).
fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

/// What is done with one document: its name (file or `zip!entry`) and bytes.
type DocumentFn<'f> = dyn FnMut(&str, &[u8], &mut ImportReport) -> Result<(), DbError> + 'f;

/// Call `f` with every JSON document of a source: a zip's `*.json` entries, a directory's
/// `*.json` files (recursively, sorted), or one file. Unreadable files are import errors.
fn for_each_document(src: &Path, report: &mut ImportReport, f: &mut DocumentFn) -> Result<(), DbError> {
    let unreadable = |report: &mut ImportReport, file: String, message: String| {
        report.errors.push(ImportError { file, path: "$".into(), message });
    };
    if src.is_dir() {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(src)
            .into_iter()
            .filter_map(|e| match e {
                Ok(e) => Some(e),
                Err(err) => {
                    unreadable(report, src.display().to_string(), err.to_string());
                    None
                }
            })
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json"))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        for p in files {
            match std::fs::read(&p) {
                Ok(bytes) => f(&p.display().to_string(), &bytes, report)?,
                Err(e) => unreadable(report, p.display().to_string(), e.to_string()),
            }
        }
        return Ok(());
    }
    let bytes = match std::fs::read(src) {
        Ok(b) => b,
        Err(e) => {
            unreadable(report, src.display().to_string(), e.to_string());
            return Ok(());
        }
    };
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
            Ok(a) => a,
            Err(e) => {
                unreadable(report, src.display().to_string(), format!("not a readable zip archive: {e}"));
                return Ok(());
            }
        };
        for i in 0..archive.len() {
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    unreadable(report, format!("{}!#{i}", src.display()), e.to_string());
                    continue;
                }
            };
            let entry_name = match entry.name() {
                Ok(n) => n.to_string(),
                Err(e) => {
                    unreadable(report, format!("{}!#{i}", src.display()), e.to_string());
                    continue;
                }
            };
            if !entry.is_file() || !entry_name.ends_with(".json") {
                continue;
            }
            let name = format!("{}!{entry_name}", src.display());
            let mut buf = Vec::with_capacity(entry.size() as usize);
            match entry.read_to_end(&mut buf) {
                Ok(_) => f(&name, &buf, report)?,
                Err(e) => unreadable(report, name, e.to_string()),
            }
        }
        return Ok(());
    }
    f(&src.display().to_string(), &bytes, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_are_normalised() {
        assert_eq!(name_key("PyPI", "Django_REST.framework"), "django-rest-framework");
        assert_eq!(name_key("PyPI", "zope.interface"), "zope-interface");
        assert_eq!(name_key("npm", "@Scope/Pkg"), "@Scope/Pkg");
    }

    #[test]
    fn releases() {
        assert!(release_matches("Debian:12", "Debian:12"));
        assert!(!release_matches("Debian:12", "Debian:11"));
        assert!(release_matches("Debian", "Debian:11"));
        assert!(release_matches("Ubuntu:22.04", "Ubuntu:22.04:LTS"));
        assert!(!release_matches("Ubuntu:22.04", "Ubuntu:Pro:22.04:LTS"));
        assert!(release_matches("crates.io", "crates.io"));
    }
}
