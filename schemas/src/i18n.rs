//! The language people read: Chinese first, English on request.
//!
//! Every text a clerk, reviewer or statistician reads lives in the message catalogues of the
//! workspace, one YAML file per language (`locales/zh-CN.yml`, `locales/en.yml`), compiled into
//! the binary by `rust-i18n` and looked up with its `t!` macro. The language is chosen once at
//! start-up ([`Language::set_current`]); a server answering people in different languages passes
//! it per call (`t!("key", locale = language.code())`). A third language is one more file and one
//! more variant here.

use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};

/// A language the catalogues hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    /// Simplified Chinese, the default whatever the system locale.
    #[default]
    #[serde(rename = "zh-CN")]
    Chinese,
    /// English, by `--lang en` or `HUIZONG_LANG=en`.
    #[serde(rename = "en")]
    English,
}

impl Language {
    /// Every language, the default first.
    pub const ALL: [Language; 2] = [Language::Chinese, Language::English];

    /// The catalogue's name for the language (the file `locales/<code>.yml`).
    pub fn code(self) -> &'static str {
        match self {
            Language::Chinese => "zh-CN",
            Language::English => "en",
        }
    }

    /// Makes this the language of every text looked up without an explicit one.
    pub fn set_current(self) {
        CURRENT.store(self as u8, Ordering::Relaxed);
        rust_i18n::set_locale(self.code());
    }

    /// The language texts are looked up in when none is given: Chinese until another is set.
    pub fn current() -> Language {
        match CURRENT.load(Ordering::Relaxed) {
            value if value == Language::English as u8 => Language::English,
            _ => Language::Chinese,
        }
    }
}

/// The language in force, as a `Language` discriminant. rust-i18n's own global locale starts as
/// English; this one starts as Chinese, and [`t!`](crate::t) looks texts up in it.
static CURRENT: AtomicU8 = AtomicU8::new(Language::Chinese as u8);

/// Looks a text up in the catalogues in the language in force ([`Language::current`], Chinese
/// unless `--lang en` or `HUIZONG_LANG=en` chose English): `t!("section.key", name = value)`.
/// The calling crate declares the catalogues with `rust_i18n::i18n!`.
#[macro_export]
macro_rules! t {
    ($key:expr $(,)?) => {
        rust_i18n::t!($key, locale = $crate::Language::current().code())
    };
    ($key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        rust_i18n::t!($key, locale = $crate::Language::current().code(), $($name = $value),+)
    };
}

/// A language name that is not one of the catalogues.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {given:?}: zh (中文) or en (English)")]
pub struct UnknownLanguage {
    /// What was given.
    pub given: String,
}

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// `zh`, `zh-CN`, `zh_CN`, `cn`, `中文` for Chinese; `en`, `en-US`, `english` for English.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normal = text.trim().to_ascii_lowercase().replace('_', "-");
        match normal.as_str() {
            "zh" | "zh-cn" | "zh-hans" | "cn" | "chinese" | "中文" => Ok(Language::Chinese),
            "en" | "en-us" | "en-gb" | "english" => Ok(Language::English),
            _ => Err(UnknownLanguage {
                given: text.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_what_people_type() {
        assert_eq!("zh".parse(), Ok(Language::Chinese));
        assert_eq!("zh_CN".parse(), Ok(Language::Chinese));
        assert_eq!("EN".parse(), Ok(Language::English));
        assert!("fr".parse::<Language>().is_err());
    }

    #[test]
    fn the_catalogues_answer_in_the_language_asked() {
        assert_eq!(rust_i18n::t!("common.unit.m2", locale = "zh-CN"), "平方米");
        assert_eq!(rust_i18n::t!("common.unit.m2", locale = "en"), "m²");
    }
}
