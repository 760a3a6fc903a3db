//! Parameter values for templates, as the command line gives them: `Key=Value` pairs and
//! files in the AWS CLI shape (`[{"ParameterKey": …, "ParameterValue": …}]`, what
//! `aws cloudformation create-stack --parameters file://…` reads) or the CodePipeline
//! template-configuration shape (`{"Parameters": {"Key": "Value"}}`). `AWS::Region` and
//! `AWS::AccountId` may be given too, to place the stacks (default `us-east-1` and
//! `123456789012`, the account id AWS's documentation uses).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// Why a parameter value or file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ParameterError {
    #[error("--parameters {0:?}: expected Key=Value or file://path")]
    Malformed(String),
    #[error("{path}: cannot read parameters: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: malformed JSON: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: {field}: {message} (expected [{{\"ParameterKey\": …, \"ParameterValue\": …}}] or {{\"Parameters\": {{\"Key\": \"Value\"}}}})")]
    Shape { path: PathBuf, field: String, message: String },
}

/// Parameter values by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    pub values: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct CliParameter {
    #[serde(rename = "ParameterKey")]
    key: String,
    #[serde(rename = "ParameterValue", default)]
    value: Option<serde_json::Value>,
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Parameters {
    /// Read `--parameters` arguments in order (later values win).
    pub fn from_args(args: &[String]) -> Result<Parameters, ParameterError> {
        let mut p = Parameters::default();
        for a in args {
            if let Some(path) = a.strip_prefix("file://") {
                p.read_file(Path::new(path))?;
            } else {
                let (k, v) = a.split_once('=').filter(|(k, _)| !k.trim().is_empty()).ok_or_else(|| ParameterError::Malformed(a.clone()))?;
                p.values.insert(k.trim().to_string(), v.to_string());
            }
        }
        Ok(p)
    }

    /// Read a parameters file in the AWS CLI or CodePipeline shape.
    pub fn read_file(&mut self, path: &Path) -> Result<(), ParameterError> {
        let text = std::fs::read_to_string(path).map_err(|source| ParameterError::Read { path: path.to_path_buf(), source })?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| ParameterError::Syntax {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let shape = |e: serde_path_to_error::Error<serde_json::Error>, base: &str| ParameterError::Shape {
            path: path.to_path_buf(),
            field: format!("{base}{}", e.path()),
            message: e.inner().to_string(),
        };
        match &value {
            serde_json::Value::Array(_) => {
                let list: Vec<CliParameter> = serde_path_to_error::deserialize(&value).map_err(|e| shape(e, ""))?;
                for c in list {
                    if let Some(v) = c.value {
                        self.values.insert(c.key, scalar(&v));
                    }
                }
            }
            serde_json::Value::Object(o) if o.contains_key("Parameters") => {
                let map: BTreeMap<String, serde_json::Value> =
                    serde_path_to_error::deserialize(&o["Parameters"]).map_err(|e| shape(e, "Parameters."))?;
                for (k, v) in map {
                    self.values.insert(k, scalar(&v));
                }
            }
            _ => {
                return Err(ParameterError::Shape {
                    path: path.to_path_buf(),
                    field: ".".into(),
                    message: "neither a list of parameters nor an object with Parameters".into(),
                })
            }
        }
        Ok(())
    }

    /// The values one stack sees: every unqualified value, then the values given for that
    /// stack alone (`STACK/Key=Value`, STACK being the template's file name without its
    /// extension), which take precedence.
    pub fn for_stack(&self, stack: &str) -> Parameters {
        let mut values: BTreeMap<String, String> =
            self.values.iter().filter(|(k, _)| !k.contains('/')).map(|(k, v)| (k.clone(), v.clone())).collect();
        for (k, v) in &self.values {
            if let Some((s, key)) = k.split_once('/') {
                if s == stack {
                    values.insert(key.to_string(), v.clone());
                }
            }
        }
        Parameters { values }
    }

    pub fn region(&self) -> String {
        self.values.get("AWS::Region").cloned().unwrap_or_else(|| DEFAULT_REGION.into())
    }

    pub fn account(&self) -> String {
        self.values.get("AWS::AccountId").cloned().unwrap_or_else(|| DEFAULT_ACCOUNT.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_values_override_shared_ones() {
        let p = Parameters::from_args(&["AWS::Region=eu-west-1".into(), "AWS::AccountId=1".into(), "org/AWS::AccountId=5".into()])
            .unwrap_or_default();
        assert_eq!((p.for_stack("org").account(), p.for_stack("org").region()), ("5".to_string(), "eu-west-1".to_string()));
        assert_eq!(p.for_stack("prod").account(), "1");
        assert!(!p.for_stack("prod").values.contains_key("org/AWS::AccountId"));
    }

    #[test]
    fn reads_pairs_and_both_file_shapes() {
        let dir = std::env::temp_dir().join(format!("koban-params-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cli = dir.join("cli.json");
        std::fs::write(
            &cli,
            r#"[{"ParameterKey":"VpcCidr","ParameterValue":"10.0.0.0/16"},{"ParameterKey":"Old","UsePreviousValue":true}]"#,
        )
        .unwrap();
        let pipe = dir.join("pipe.json");
        std::fs::write(&pipe, r#"{"Parameters":{"Size":8,"Env":"prod"},"Tags":{"a":"b"}}"#).unwrap();
        let p =
            Parameters::from_args(&[format!("file://{}", cli.display()), format!("file://{}", pipe.display()), "Env=dev".into()]).unwrap();
        assert_eq!(p.values["VpcCidr"], "10.0.0.0/16");
        assert_eq!(p.values["Size"], "8");
        assert_eq!(p.values["Env"], "dev");
        assert!(!p.values.contains_key("Old"));
        assert!(matches!(Parameters::from_args(&["novalue".into()]), Err(ParameterError::Malformed(_))));
        std::fs::write(&pipe, "{\"Parameters\": [1]}").unwrap();
        let e = Parameters::from_args(&[format!("file://{}", pipe.display())]).unwrap_err().to_string();
        assert!(e.contains("pipe.json: Parameters."), "{e}");
        std::fs::write(&pipe, "{\"Parameters\": ").unwrap();
        let e = Parameters::from_args(&[format!("file://{}", pipe.display())]).unwrap_err().to_string();
        assert!(e.contains("pipe.json:1:"), "{e}");
        assert_eq!(p.region(), "us-east-1");
        std::fs::remove_dir_all(&dir).ok();
    }
}
