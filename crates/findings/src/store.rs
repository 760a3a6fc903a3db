//! The findings store: a SQLite file keeping every finding once (deduplicated by its stable
//! id, with `count`, `first_seen` and `last_seen`), its lifecycle status — `ACTIVE`,
//! `SUPPRESSED` (a person decided to hide it), `CLOSED` (fixed or gone) — and the history of
//! status changes. Every write is one transaction in WAL mode with full sync, so killing koban
//! mid-run never corrupts the file or loses findings already stored.

use crate::criteria::Criteria;
use crate::Finding;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("findings store {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("findings store {path}: cannot create its directory: {source}")]
    Dir { path: PathBuf, source: std::io::Error },
    #[error("findings store {path}: finding {id} is unreadable: {message}")]
    Corrupt { path: PathBuf, id: String, message: String },
    #[error("no finding {0} in the store")]
    NotFound(String),
    #[error("suppression rule {name}: {message}")]
    Criteria { name: String, message: String },
}

/// A finding's lifecycle status, named as Amazon Inspector names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Active,
    Suppressed,
    /// Hidden as GuardDuty archives: by hand (`findings archive`) or by a suppression rule.
    Archived,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "ACTIVE",
            Status::Suppressed => "SUPPRESSED",
            Status::Archived => "ARCHIVED",
            Status::Closed => "CLOSED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s.to_ascii_uppercase().as_str() {
            "ACTIVE" => Some(Status::Active),
            "SUPPRESSED" => Some(Status::Suppressed),
            "ARCHIVED" => Some(Status::Archived),
            "CLOSED" => Some(Status::Closed),
            _ => None,
        }
    }
}

/// A finding as stored, with its lifecycle.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    #[serde(flatten)]
    pub finding: Finding,
    pub status: Status,
    /// Why the status was last changed (the suppression reason, "package fixed", …).
    pub status_reason: Option<String>,
    pub updated_at: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
}

/// One status change of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub at: String,
    /// `None` when the finding was first stored.
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub finding_type: Option<String>,
    pub resource: Option<String>,
    /// Minimum severity value (GuardDuty scale).
    pub min_severity: Option<f32>,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS finding (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    resource TEXT NOT NULL,
    severity REAL NOT NULL,
    finding TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    updated_at TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS finding_resource ON finding(resource, type, status);
CREATE INDEX IF NOT EXISTS finding_status ON finding(status, severity);
CREATE TABLE IF NOT EXISTS history (
    finding_id TEXT NOT NULL,
    at TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS history_finding ON history(finding_id);
CREATE TABLE IF NOT EXISTS suppression_rule (
    name TEXT PRIMARY KEY,
    criteria TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inventory_capture (
    resource TEXT PRIMARY KEY,
    captured_at TEXT NOT NULL
);
";

/// The current time as RFC 3339 UTC (`2024-05-01T12:00:00Z`).
pub fn now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    rfc3339(secs as i64)
}

/// Seconds since the Unix epoch as RFC 3339 UTC (the civil-from-days algorithm).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

impl Store {
    /// Open (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir { path: path.to_path_buf(), source })?;
        }
        let sql = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(sql)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;").map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        Ok(Store { conn, path: path.to_path_buf() })
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite { path: self.path.clone(), source }
    }

    /// Record one run's findings in one transaction: new ids are stored `ACTIVE`; known ids
    /// have their content refreshed, `count` incremented and `last_seen` set; a `CLOSED`
    /// finding seen again is reopened (`ACTIVE`), a `SUPPRESSED` one stays suppressed.
    /// Returns the stored findings in the order given.
    pub fn record(&mut self, findings: &[Finding], at: &str) -> Result<Vec<Stored>, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut get = tx.prepare_cached("SELECT status FROM finding WHERE id = ?1").map_err(sql)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO finding (id, type, source, resource, severity, finding, status, status_reason, updated_at, count, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ACTIVE', NULL, ?7, 1, ?7, ?7)",
                )
                .map_err(sql)?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE finding SET type = ?2, source = ?3, resource = ?4, severity = ?5, finding = ?6, count = count + 1, last_seen = ?7,
                     status = CASE WHEN status = 'CLOSED' THEN 'ACTIVE' ELSE status END,
                     status_reason = CASE WHEN status = 'CLOSED' THEN 'seen again' ELSE status_reason END,
                     updated_at = CASE WHEN status = 'CLOSED' THEN ?7 ELSE updated_at END
                     WHERE id = ?1",
                )
                .map_err(sql)?;
            let mut history = tx
                .prepare_cached("INSERT INTO history (finding_id, at, from_status, to_status, reason) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(sql)?;
            for f in findings {
                let body = serde_json::to_string(f).map_err(|e| StoreError::Corrupt {
                    path: path.clone(),
                    id: f.id.clone(),
                    message: e.to_string(),
                })?;
                let args = params![f.id, f.finding_type, f.source, f.resource, f.severity.value as f64, body, at];
                match get.query_row(params![f.id], |r| r.get::<_, String>(0)).optional().map_err(sql)? {
                    None => {
                        insert.execute(args).map_err(sql)?;
                        history.execute(params![f.id, at, None::<String>, "ACTIVE", "first seen"]).map_err(sql)?;
                    }
                    Some(status) => {
                        update.execute(args).map_err(sql)?;
                        if status == "CLOSED" {
                            history.execute(params![f.id, at, status, "ACTIVE", "seen again"]).map_err(sql)?;
                        }
                    }
                }
            }
            archive_by_rules(&tx, findings, at).map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        let mut out = Vec::with_capacity(findings.len());
        for f in findings {
            out.push(self.get(&f.id)?.ok_or_else(|| StoreError::NotFound(f.id.clone()))?);
        }
        Ok(out)
    }

    /// Close the `ACTIVE` or `SUPPRESSED` findings of one type on one resource that are not in
    /// `keep` (e.g. package vulnerabilities whose package a newer inventory shows fixed or
    /// gone). Returns the ids closed.
    pub fn close_missing(
        &mut self,
        finding_type: &str,
        resource: &str,
        keep: &[&str],
        reason: &str,
        at: &str,
    ) -> Result<Vec<String>, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(sql)?;
        let mut closed = Vec::new();
        {
            let mut open = tx
                .prepare_cached("SELECT id, status FROM finding WHERE type = ?1 AND resource = ?2 AND status != 'CLOSED'")
                .map_err(sql)?;
            let rows: Vec<(String, String)> = open
                .query_map(params![finding_type, resource], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sql)?
                .collect::<Result<_, _>>()
                .map_err(sql)?;
            for (id, status) in rows {
                if keep.contains(&id.as_str()) {
                    continue;
                }
                tx.execute(
                    "UPDATE finding SET status = 'CLOSED', status_reason = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, reason, at],
                )
                .map_err(sql)?;
                tx.execute(
                    "INSERT INTO history (finding_id, at, from_status, to_status, reason) VALUES (?1, ?2, ?3, 'CLOSED', ?4)",
                    params![id, at, status, reason],
                )
                .map_err(sql)?;
                closed.push(id);
            }
        }
        tx.commit().map_err(sql)?;
        Ok(closed)
    }

    /// The capture time of the newest inventory recorded for a resource.
    pub fn inventory_captured(&self, resource: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT captured_at FROM inventory_capture WHERE resource = ?1", params![resource], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// Remember the capture time of a resource's inventory (kept only if newer).
    pub fn set_inventory_captured(&mut self, resource: &str, at: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO inventory_capture (resource, captured_at) VALUES (?1, ?2)
                 ON CONFLICT(resource) DO UPDATE SET captured_at = excluded.captured_at WHERE excluded.captured_at > captured_at",
                params![resource, at],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }

    /// Set a finding's status by hand (`suppress`, `close`, or `ACTIVE` to reopen).
    pub fn set_status(&mut self, id: &str, status: Status, reason: Option<&str>, at: &str) -> Result<Stored, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(sql)?;
        let from: Option<String> =
            tx.query_row("SELECT status FROM finding WHERE id = ?1", params![id], |r| r.get(0)).optional().map_err(sql)?;
        let Some(from) = from else {
            return Err(StoreError::NotFound(id.to_string()));
        };
        tx.execute(
            "UPDATE finding SET status = ?2, status_reason = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, status.as_str(), reason, at],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO history (finding_id, at, from_status, to_status, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, at, from, status.as_str(), reason],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.get(id)?.ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    /// One finding by id (or by a unique id prefix of at least 8 characters).
    pub fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM finding WHERE id = ?1")).map_err(|e| self.sql(e))?;
        if let Some(s) = stmt.query_row(params![id], row).optional().map_err(|e| self.sql(e))? {
            return self.decode(s).map(Some);
        }
        if id.len() < 8 {
            return Ok(None);
        }
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM finding WHERE id LIKE ?1 || '%' LIMIT 2")).map_err(|e| self.sql(e))?;
        let rows: Vec<RawRow> =
            stmt.query_map(params![id], row).map_err(|e| self.sql(e))?.collect::<Result<_, _>>().map_err(|e| self.sql(e))?;
        match rows.len() {
            1 => rows.into_iter().next().map(|r| self.decode(r)).transpose(),
            _ => Ok(None),
        }
    }

    /// The findings matching a filter, most severe first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Stored>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM finding
                 WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR type = ?2) AND (?3 IS NULL OR resource = ?3) AND (?4 IS NULL OR severity >= ?4)
                 ORDER BY severity DESC, resource, id"
            ))
            .map_err(|e| self.sql(e))?;
        let rows: Vec<RawRow> = stmt
            .query_map(
                params![filter.status.map(Status::as_str), filter.finding_type, filter.resource, filter.min_severity.map(f64::from)],
                row,
            )
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        rows.into_iter().map(|r| self.decode(r)).collect()
    }

    /// Status changes of one finding, oldest first.
    pub fn history(&self, id: &str) -> Result<Vec<StatusChange>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT at, from_status, to_status, reason FROM history WHERE finding_id = ?1 ORDER BY rowid")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![id], |r| Ok(StatusChange { at: r.get(0)?, from: r.get(1)?, to: r.get(2)?, reason: r.get(3)? }))
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// SQLite's own consistency check (`ok` when the file is sound).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| self.sql(e))
    }

    /// Add (or replace) a suppression rule: findings matching its GuardDuty-style criteria are
    /// archived when recorded, and the ACTIVE ones already stored are archived now. Returns
    /// the ids archived now.
    pub fn add_suppression_rule(
        &mut self,
        name: &str,
        criteria: &serde_json::Value,
        reason: Option<&str>,
        at: &str,
    ) -> Result<Vec<String>, StoreError> {
        let compiled =
            Criteria::from_value(criteria).map_err(|e| StoreError::Criteria { name: name.to_string(), message: e.to_string() })?;
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO suppression_rule (name, criteria, reason, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET criteria = excluded.criteria, reason = excluded.reason, created_at = excluded.created_at",
            params![name, criteria.to_string(), reason, at],
        )
        .map_err(sql)?;
        let active: Vec<(String, String)> = {
            let mut q = tx.prepare("SELECT id, finding FROM finding WHERE status = 'ACTIVE'").map_err(sql)?;
            let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(sql)?;
            rows.collect::<Result<_, _>>().map_err(sql)?
        };
        let mut archived = vec![];
        let why = format!("suppression rule {name}");
        for (id, body) in active {
            let Ok(f) = serde_json::from_str::<Finding>(&body) else { continue };
            if compiled.matches(&f) {
                tx.execute(
                    "UPDATE finding SET status = 'ARCHIVED', status_reason = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, why, at],
                )
                .map_err(sql)?;
                tx.execute(
                    "INSERT INTO history (finding_id, at, from_status, to_status, reason) VALUES (?1, ?2, 'ACTIVE', 'ARCHIVED', ?3)",
                    params![id, at, why],
                )
                .map_err(sql)?;
                archived.push(id);
            }
        }
        tx.commit().map_err(sql)?;
        Ok(archived)
    }

    /// The suppression rules: (name, criteria, reason, created_at).
    pub fn suppression_rules(&self) -> Result<Vec<SuppressionRule>, StoreError> {
        let mut q =
            self.conn.prepare("SELECT name, criteria, reason, created_at FROM suppression_rule ORDER BY name").map_err(|e| self.sql(e))?;
        let rows = q
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?)))
            .map_err(|e| self.sql(e))?;
        let mut out = vec![];
        for row in rows {
            let (name, criteria, reason, created_at) = row.map_err(|e| self.sql(e))?;
            out.push(SuppressionRule {
                name,
                criteria: serde_json::from_str(&criteria).unwrap_or(serde_json::Value::Null),
                reason,
                created_at,
            });
        }
        Ok(out)
    }

    /// Delete a suppression rule (the findings it archived stay archived). False when unknown.
    pub fn delete_suppression_rule(&mut self, name: &str) -> Result<bool, StoreError> {
        self.conn.execute("DELETE FROM suppression_rule WHERE name = ?1", params![name]).map(|n| n > 0).map_err(|e| self.sql(e))
    }

    fn decode(&self, r: RawRow) -> Result<Stored, StoreError> {
        let finding: Finding = serde_json::from_str(&r.body).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            id: r.id.clone(),
            message: e.to_string(),
        })?;
        let status = Status::parse(&r.status).ok_or_else(|| StoreError::Corrupt {
            path: self.path.clone(),
            id: r.id.clone(),
            message: format!("status {:?}", r.status),
        })?;
        Ok(Stored {
            finding,
            status,
            status_reason: r.status_reason,
            updated_at: r.updated_at,
            count: r.count.max(0) as u64,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
        })
    }
}

/// A suppression rule as stored.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressionRule {
    pub name: String,
    pub criteria: serde_json::Value,
    pub reason: Option<String>,
    pub created_at: String,
}

/// Archive the ACTIVE findings of this batch that a suppression rule matches.
fn archive_by_rules(tx: &rusqlite::Transaction, findings: &[Finding], at: &str) -> rusqlite::Result<()> {
    let rules: Vec<(String, Criteria)> = {
        let mut q = tx.prepare_cached("SELECT name, criteria FROM suppression_rule ORDER BY name")?;
        let rows = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut v = vec![];
        for row in rows {
            let (name, text) = row?;
            if let Ok(c) = Criteria::parse(&text) {
                v.push((name, c));
            }
        }
        v
    };
    if rules.is_empty() {
        return Ok(());
    }
    for f in findings {
        let Some((name, _)) = rules.iter().find(|(_, c)| c.matches(f)) else { continue };
        let why = format!("suppression rule {name}");
        let n = tx.execute(
            "UPDATE finding SET status = 'ARCHIVED', status_reason = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'ACTIVE'",
            params![f.id, why, at],
        )?;
        if n > 0 {
            tx.execute(
                "INSERT INTO history (finding_id, at, from_status, to_status, reason) VALUES (?1, ?2, 'ACTIVE', 'ARCHIVED', ?3)",
                params![f.id, at, why],
            )?;
        }
    }
    Ok(())
}

const COLUMNS: &str = "id, finding, status, status_reason, updated_at, count, first_seen, last_seen";

struct RawRow {
    id: String,
    body: String,
    status: String,
    status_reason: Option<String>,
    updated_at: String,
    count: i64,
    first_seen: String,
    last_seen: String,
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: r.get(0)?,
        body: r.get(1)?,
        status: r.get(2)?,
        status_reason: r.get(3)?,
        updated_at: r.get(4)?,
        count: r.get(5)?,
        first_seen: r.get(6)?,
        last_seen: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn finding(resource: &str, fact: &str) -> Finding {
        Finding::new(
            "PACKAGE_VULNERABILITY",
            "test",
            Severity::new(7.5),
            resource,
            &[fact],
            format!("{fact} on {resource}"),
            "d".into(),
            serde_json::json!({"x": 1}),
            "r",
        )
    }

    #[test]
    fn dedupe_lifecycle_and_history() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("f.db")).unwrap();
        let a = finding("i-1", "A");
        let b = finding("i-1", "B");
        let first = s.record(&[a.clone(), b.clone()], "2024-01-01T00:00:00Z").unwrap();
        assert!(first.iter().all(|x| x.status == Status::Active && x.count == 1));
        let again = s.record(std::slice::from_ref(&a), "2024-01-02T00:00:00Z").unwrap();
        assert_eq!(
            (again[0].count, again[0].first_seen.as_str(), again[0].last_seen.as_str()),
            (2, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
        );
        // B is no longer reported on i-1: closed.
        let closed =
            s.close_missing("PACKAGE_VULNERABILITY", "i-1", &[a.id.as_str()], "package fixed or removed", "2024-01-02T00:00:00Z").unwrap();
        assert_eq!(closed, vec![b.id.clone()]);
        assert_eq!(s.get(&b.id).unwrap().unwrap().status, Status::Closed);
        // Suppressed stays suppressed when seen again; closed reopens.
        s.set_status(&a.id, Status::Suppressed, Some("accepted risk"), "2024-01-03T00:00:00Z").unwrap();
        let seen = s.record(&[a.clone(), b.clone()], "2024-01-04T00:00:00Z").unwrap();
        assert_eq!((seen[0].status, seen[1].status), (Status::Suppressed, Status::Active));
        let h: Vec<String> = s.history(&b.id).unwrap().into_iter().map(|x| x.to).collect();
        assert_eq!(h, ["ACTIVE", "CLOSED", "ACTIVE"]);
        let active = s.list(&Filter { status: Some(Status::Active), ..Filter::default() }).unwrap();
        assert_eq!(active.len(), 1);
        assert_eq!(s.get(&a.id[..10]).unwrap().unwrap().finding.id, a.id);
        assert!(matches!(s.set_status("nope", Status::Closed, None, "t"), Err(StoreError::NotFound(_))));
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn inventory_capture_times_only_move_forward() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("f.db")).unwrap();
        s.set_inventory_captured("i-1", "2024-02-01T00:00:00Z").unwrap();
        s.set_inventory_captured("i-1", "2024-01-01T00:00:00Z").unwrap();
        assert_eq!(s.inventory_captured("i-1").unwrap().as_deref(), Some("2024-02-01T00:00:00Z"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
