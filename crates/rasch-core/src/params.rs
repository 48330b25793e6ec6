//! Job parameters from the command line: Flink's `ParameterTool` for Rasch job programs.
//!
//! Accepted shapes (like Flink's `ParameterTool.fromArgs`, plus `--key=value`):
//!
//! * `--key value` or `-key value`: `get("key") == Some("value")`;
//! * `--key=value` or `-key=value`: the same (the value may be empty or contain `=`);
//! * `--flag` followed by another key or by nothing: `has("flag")` is true, `get("flag")` is
//!   `None` (Flink stores such keys with the value `__NO_VALUE_KEY`, see [`NO_VALUE_KEY`]);
//! * a negative number is a value, not a key: `--offset -5` gives `"-5"`.
//!
//! A repeated key keeps its last value. Any other argument (a positional argument, an empty key
//! such as `--` or `-`) is an error naming the argument and its 1-based position.

use std::collections::BTreeMap;
use std::str::FromStr;

/// The value Flink's `ParameterTool` records for a key given without a value; [`Params::to_map`]
/// uses it for such keys.
pub const NO_VALUE_KEY: &str = "__NO_VALUE_KEY";

/// Why job parameters could not be parsed or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// An argument where a `--key` was expected (e.g. a positional argument).
    #[error("argument {position} '{arg}' is not a --key: expected --key value")]
    NotAKey {
        /// 1-based position among the arguments (not counting the program name).
        position: usize,
        /// The offending argument.
        arg: String,
    },
    /// An argument of only dashes (or `--=value`), which names no key.
    #[error("argument {position} '{arg}' has an empty key name: expected --key value")]
    EmptyKey {
        /// 1-based position among the arguments (not counting the program name).
        position: usize,
        /// The offending argument.
        arg: String,
    },
    /// A required parameter is absent.
    #[error("missing required parameter --{key}")]
    Missing {
        /// The parameter's name, without dashes.
        key: String,
    },
    /// A parameter that needs a value was given as a bare flag.
    #[error("parameter --{key} was given without a value")]
    NoValue {
        /// The parameter's name, without dashes.
        key: String,
    },
    /// A parameter's value does not parse as the requested type.
    #[error("parameter --{key} has value '{value}', which is not a valid {target}")]
    Parse {
        /// The parameter's name, without dashes.
        key: String,
        /// The value that failed to parse.
        value: String,
        /// The requested type, from `std::any::type_name`.
        target: &'static str,
    },
}

/// Parsed `--key value` job parameters (Flink's `ParameterTool`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Key (without dashes) to value; `None` for a flag given without a value.
    values: BTreeMap<String, Option<String>>,
}

/// Whether `s` is a number (so `-5` after a key is its value, not the next key).
fn is_number(s: &str) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let starts_numeric = unsigned.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.');
    starts_numeric && s.parse::<f64>().is_ok()
}

/// The key of an argument shaped `--key` or `-key`, or `None` if it has no leading dash.
fn strip_dashes(arg: &str) -> Option<&str> {
    arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))
}

impl Params {
    /// Parses the process's command line (`std::env::args`, skipping the program name).
    ///
    /// # Errors
    ///
    /// [`ParamsError::NotAKey`] or [`ParamsError::EmptyKey`] for a malformed argument.
    ///
    /// # Panics
    ///
    /// If an argument is not valid Unicode (as `std::env::args` does).
    pub fn from_args() -> Result<Self, ParamsError> {
        Self::from_iter(std::env::args().skip(1))
    }

    /// Parses the given arguments (without a program name).
    ///
    /// # Errors
    ///
    /// [`ParamsError::NotAKey`] or [`ParamsError::EmptyKey`] for a malformed argument.
    // Fallible, so it cannot be `FromIterator::from_iter`; the name mirrors Flink's `fromArgs`.
    #[allow(clippy::should_implement_trait)]
    pub fn from_iter<I, S>(args: I) -> Result<Self, ParamsError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        let mut values = BTreeMap::new();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            let position = i + 1;
            let Some(rest) = strip_dashes(arg) else {
                return Err(ParamsError::NotAKey { position, arg: arg.clone() });
            };
            let empty_key = || ParamsError::EmptyKey { position, arg: arg.clone() };
            i += 1;
            if let Some((key, value)) = rest.split_once('=') {
                if key.is_empty() {
                    return Err(empty_key());
                }
                values.insert(key.to_owned(), Some(value.to_owned()));
                continue;
            }
            if rest.is_empty() {
                return Err(empty_key());
            }
            let value = match args.get(i) {
                Some(next) if is_number(next) || !next.starts_with('-') => {
                    i += 1;
                    Some(next.clone())
                }
                _ => None,
            };
            values.insert(rest.to_owned(), value);
        }
        Ok(Self { values })
    }

    /// The value of `key` (given without dashes); `None` if absent or given without a value.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.as_deref())
    }

    /// The value of `key` parsed as `T` (the default's type), or `default` if the key is absent
    /// — Flink's `getInt(key, default)` and friends in one:
    ///
    /// ```
    /// # use rasch_core::Params;
    /// let params = Params::from_iter(["--count", "5"])?;
    /// assert_eq!(params.get_or("count", 100_000)?, 5);
    /// assert_eq!(params.get_or("rate", 0.5)?, 0.5);
    /// assert_eq!(params.get_or("host", "localhost".to_string())?, "localhost");
    /// # Ok::<(), rasch_core::params::ParamsError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ParamsError::Parse`] (naming key, value and type) if the value does not parse, and
    /// [`ParamsError::NoValue`] if the key was given as a bare flag.
    pub fn get_or<T: FromStr>(&self, key: &str, default: T) -> Result<T, ParamsError> {
        Ok(self.get_parsed(key)?.unwrap_or(default))
    }

    /// Whether `key` was given, with or without a value.
    #[must_use]
    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// The value of `key` parsed as `T`; the key must be present
    /// (`params.required::<String>("output")?`).
    ///
    /// # Errors
    ///
    /// [`ParamsError::Missing`] if absent, [`ParamsError::NoValue`] if given as a bare flag,
    /// [`ParamsError::Parse`] if the value does not parse.
    pub fn required<T: FromStr>(&self, key: &str) -> Result<T, ParamsError> {
        self.get_parsed(key)?.ok_or_else(|| ParamsError::Missing { key: key.to_owned() })
    }

    /// The value of `key` parsed as `T`; `Ok(None)` if the key is absent.
    ///
    /// # Errors
    ///
    /// [`ParamsError::Parse`] (naming key, value and type) if the value does not parse, and
    /// [`ParamsError::NoValue`] if the key was given as a bare flag (use [`Params::has`] for
    /// flags).
    pub fn get_parsed<T: FromStr>(&self, key: &str) -> Result<Option<T>, ParamsError> {
        match self.values.get(key) {
            None => Ok(None),
            Some(None) => Err(ParamsError::NoValue { key: key.to_owned() }),
            Some(Some(v)) => v.parse().map(Some).map_err(|_| ParamsError::Parse {
                key: key.to_owned(),
                value: v.clone(),
                target: std::any::type_name::<T>(),
            }),
        }
    }

    /// All keys given, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// All parameters as a map; keys given without a value map to [`NO_VALUE_KEY`], as in Flink.
    #[must_use]
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.values.iter().map(|(k, v)| (k.clone(), v.clone().unwrap_or_else(|| NO_VALUE_KEY.to_owned()))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Params, ParamsError> {
        Params::from_iter(args.iter().copied())
    }

    #[test]
    fn key_value_shapes() {
        let p = parse(&["--input", "in.txt", "-output", "out.txt", "--mode=fast", "-x=a=b"]).unwrap();
        assert_eq!(p.get("input"), Some("in.txt"));
        assert_eq!(p.get("output"), Some("out.txt"));
        assert_eq!(p.get("mode"), Some("fast"));
        assert_eq!(p.get("x"), Some("a=b"));
        assert_eq!(p.get("missing"), None);
        assert_eq!(p.keys().collect::<Vec<_>>(), ["input", "mode", "output", "x"]);
    }

    #[test]
    fn empty_input_and_from_string() {
        let p = Params::from_iter(Vec::<String>::new()).unwrap();
        assert_eq!(p.keys().count(), 0);
        let p = Params::from_iter(vec![String::from("--a"), String::from("1")]).unwrap();
        assert_eq!(p.get("a"), Some("1"));
    }

    #[test]
    fn flags_without_values() {
        let p = parse(&["--verbose", "--input", "x", "-q"]).unwrap();
        assert!(p.has("verbose"));
        assert_eq!(p.get("verbose"), None);
        assert!(p.has("q"));
        assert_eq!(p.get("q"), None);
        assert_eq!(p.get("input"), Some("x"));
        assert!(!p.has("other"));
        assert_eq!(p.get_or("verbose", "d".to_string()), Err(ParamsError::NoValue { key: "verbose".into() }), "a flag has no value");
        let m = p.to_map();
        assert_eq!(m["verbose"], NO_VALUE_KEY);
        assert_eq!(m["input"], "x");
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn empty_value_with_equals() {
        let p = parse(&["--empty=", "--b", ""]).unwrap();
        assert_eq!(p.get("empty"), Some(""));
        assert_eq!(p.get("b"), Some(""));
    }

    #[test]
    fn negative_numbers_are_values() {
        let p = parse(&["--offset", "-5", "--ratio", "-0.25", "--exp", "-1e3", "--last", "-flag"]).unwrap();
        assert_eq!(p.get("offset"), Some("-5"));
        assert_eq!(p.get_parsed::<i32>("offset").unwrap(), Some(-5));
        assert_eq!(p.get("ratio"), Some("-0.25"));
        assert_eq!(p.get_parsed::<f64>("exp").unwrap(), Some(-1000.0));
        // A dash followed by a non-number is the next key.
        assert_eq!(p.get("last"), None);
        assert!(p.has("flag"));
        // "-inf" is not treated as a number: it is a key.
        let p = parse(&["--a", "-inf"]).unwrap();
        assert!(p.has("inf"));
        assert_eq!(p.get("a"), None);
    }

    #[test]
    fn repeated_key_keeps_last_value() {
        let p = parse(&["--a", "1", "--a", "2"]).unwrap();
        assert_eq!(p.get("a"), Some("2"));
    }

    #[test]
    fn positional_arguments_are_errors() {
        let e = parse(&["--a", "1", "foo"]).unwrap_err();
        assert_eq!(e, ParamsError::NotAKey { position: 3, arg: "foo".into() });
        assert_eq!(e.to_string(), "argument 3 'foo' is not a --key: expected --key value");
        let e = parse(&["foo"]).unwrap_err();
        assert_eq!(e.to_string(), "argument 1 'foo' is not a --key: expected --key value");
        // A value followed by a second value.
        let e = parse(&["--a", "1", "2"]).unwrap_err();
        assert_eq!(e, ParamsError::NotAKey { position: 3, arg: "2".into() });
    }

    #[test]
    fn empty_keys_are_errors() {
        for (args, pos, arg) in [(&["--"][..], 1, "--"), (&["--a", "1", "-"][..], 3, "-"), (&["--=x"][..], 1, "--=x")] {
            let e = parse(args).unwrap_err();
            assert_eq!(e, ParamsError::EmptyKey { position: pos, arg: arg.into() });
            assert!(e.to_string().contains("empty key"), "{e}");
        }
    }

    #[test]
    fn get_or_and_required() {
        let p = parse(&["--input", "in", "--flag"]).unwrap();
        assert_eq!(p.get_or("input", "d".to_string()).unwrap(), "in");
        assert_eq!(p.get_or("output", "d".to_string()).unwrap(), "d");
        assert_eq!(p.required::<String>("input").unwrap(), "in");
        let e = p.required::<String>("output").unwrap_err();
        assert_eq!(e.to_string(), "missing required parameter --output");
        let e = p.required::<u32>("flag").unwrap_err();
        assert_eq!(e, ParamsError::NoValue { key: "flag".into() });
        assert_eq!(e.to_string(), "parameter --flag was given without a value");
    }

    #[test]
    fn parsed_values() {
        let p = parse(&["--n", "42", "--bad", "x1", "--on", "true", "--flag"]).unwrap();
        assert_eq!(p.get_parsed::<u32>("n").unwrap(), Some(42));
        assert_eq!(p.get_parsed::<bool>("on").unwrap(), Some(true));
        assert_eq!(p.get_parsed::<u32>("absent").unwrap(), None);
        assert_eq!(p.get_or("absent", 7u32).unwrap(), 7);
        assert_eq!(p.get_or("n", 7u32).unwrap(), 42);
        assert_eq!(p.required::<u64>("n").unwrap(), 42);
        let e = p.get_parsed::<u32>("bad").unwrap_err();
        assert_eq!(e, ParamsError::Parse { key: "bad".into(), value: "x1".into(), target: "u32" });
        assert_eq!(e.to_string(), "parameter --bad has value 'x1', which is not a valid u32");
        assert!(p.get_or("bad", 1u32).is_err());
        assert_eq!(p.required::<u32>("bad").unwrap_err(), ParamsError::Parse { key: "bad".into(), value: "x1".into(), target: "u32" });
        assert_eq!(p.get_parsed::<u32>("flag").unwrap_err(), ParamsError::NoValue { key: "flag".into() });
    }

    #[test]
    fn errors_are_std_errors() {
        fn takes_error(_: &dyn std::error::Error) {}
        takes_error(&ParamsError::Missing { key: "k".into() });
    }
}
