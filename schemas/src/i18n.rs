//! The language people read: Chinese first, English on request.
//!
//! Every text a clerk, reviewer or statistician reads lives in the message catalogues of the
//! workspace, one YAML file per language (`locales/zh-CN.yml`, `locales/en.yml`), compiled into
//! the binary by `rust-i18n` and looked up with its `t!` macro. The language is chosen once at
//! start-up ([`Language::set_current`]); a server answering people in different languages passes
//! it per call (`t!("key", locale = language.code())`). A third language is one more file and one
//! more variant here.
//!
//! Error types of this crate have `localized(locale)`, the message in one language of the
//! catalogues, and a `Display` that gives it in the language in force, so a message is put into
//! words when it is shown. Texts built when a value is parsed or a rule is checked (a
//! [`crate::records::RecordError`]'s rule, a [`crate::returns::Finding`]'s message) are put into
//! words in the language in force at that moment.

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

    /// Whether this language's catalogue has a text for `key` itself, without falling back to
    /// Chinese: for tests that every message has its words in every language.
    pub fn has_text(self, key: &str) -> bool {
        crate::_RUST_I18N_BACKEND
            .translate(self.code(), key)
            .is_some()
    }

    /// Runs `work` with this language in force on the calling thread only: a server answering
    /// people in different languages (the web console) puts each request's texts into its
    /// reader's words without touching the language of other threads.
    pub fn scope<T>(self, work: impl FnOnce() -> T) -> T {
        struct Restore(Option<Language>);
        impl Drop for Restore {
            fn drop(&mut self) {
                THREAD_LANGUAGE.with(|language| language.set(self.0));
            }
        }
        let _restore = Restore(THREAD_LANGUAGE.with(|language| language.replace(Some(self))));
        work()
    }

    /// The language texts are looked up in when none is given: the calling thread's
    /// ([`Language::scope`]), else Chinese until another is set.
    pub fn current() -> Language {
        if let Some(language) = THREAD_LANGUAGE.with(std::cell::Cell::get) {
            return language;
        }
        match CURRENT.load(Ordering::Relaxed) {
            value if value == Language::English as u8 => Language::English,
            _ => Language::Chinese,
        }
    }
}

/// The language in force, as a `Language` discriminant. rust-i18n's own global locale starts as
/// English; this one starts as Chinese, and [`t!`](crate::t) looks texts up in it.
static CURRENT: AtomicU8 = AtomicU8::new(Language::Chinese as u8);

thread_local! {
    /// The language of the work running on this thread, when it differs from the process's
    /// ([`Language::scope`]).
    static THREAD_LANGUAGE: std::cell::Cell<Option<Language>> = const { std::cell::Cell::new(None) };
}

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

/// Implements `Display` through the type's `localized(locale)` in the language in force.
macro_rules! display_in_current_language {
    ($($type:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $type {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(&self.localized($crate::Language::current().code()))
            }
        }
    )+};
}
pub(crate) use display_in_current_language;

/// A text as a message quotes it: control characters, quotes and backslashes escaped, so that a
/// stray tab or line break shows; the catalogue puts the quotation marks around it.
pub(crate) fn shown(text: &str) -> String {
    text.escape_debug().to_string()
}

/// Whether a locale is Chinese, for the names that the types carry themselves in both languages.
pub(crate) fn is_chinese(locale: &str) -> bool {
    locale.starts_with("zh")
}

/// How a message names a value that has a Chinese name and a slug: `电力（electricity）` in
/// Chinese, the slug in English.
pub(crate) fn named(name_zh: &str, slug: &str, locale: &str) -> String {
    if is_chinese(locale) {
        format!("{name_zh}（{slug}）")
    } else {
        slug.to_owned()
    }
}

/// The language in force, as a locale code for `t!`.
pub(crate) fn current_locale() -> String {
    Language::current().code().to_owned()
}

/// A language name that is not one of the catalogues.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownLanguage {
    /// What was given.
    pub given: String,
}

impl UnknownLanguage {
    /// What was given and which languages there are, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        rust_i18n::t!(
            "schemas.unknown_language",
            locale = locale,
            given = shown(&self.given)
        )
        .into_owned()
    }
}

display_in_current_language!(UnknownLanguage);

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
    fn a_scoped_language_holds_on_its_thread_only() {
        let outside = Language::current();
        Language::English.scope(|| {
            assert_eq!(Language::current(), Language::English);
            let other = std::thread::spawn(Language::current).join().unwrap();
            assert_eq!(
                other, outside,
                "another thread keeps the process's language"
            );
            Language::Chinese.scope(|| assert_eq!(Language::current(), Language::Chinese));
            assert_eq!(
                Language::current(),
                Language::English,
                "nested scopes restore"
            );
        });
        assert_eq!(Language::current(), outside);
    }

    #[test]
    fn languages_parse_from_what_people_type() {
        assert_eq!("zh".parse(), Ok(Language::Chinese));
        assert_eq!("zh_CN".parse(), Ok(Language::Chinese));
        assert_eq!("EN".parse(), Ok(Language::English));
        assert!("fr".parse::<Language>().is_err());
    }

    #[test]
    fn texts_are_found_per_language_without_falling_back() {
        for language in Language::ALL {
            assert!(language.has_text("common.unit.m2"));
            assert!(!language.has_text("schemas.no_such_key"));
        }
    }

    #[test]
    fn representative_errors_read_in_chinese_by_default() {
        use crate::period::Period;
        use crate::records::{CreditCode, Plate};

        let credit_code = CreditCode::parse("12640104MB0000001A").unwrap_err();
        assert_eq!(
            credit_code.localized("zh-CN"),
            "不是有效的统一社会信用代码：按前 17 位算出的校验码应为“Q”，而不是“A”；请核对代码是否抄错"
        );
        assert_eq!(
            credit_code.localized("en"),
            "must be a valid unified social credit code: its check character should be 'Q', not 'A'"
        );
        let plate = Plate::parse("京A1234").unwrap_err();
        assert_eq!(
            plate.localized("zh-CN"),
            "应为 7 或 8 个字符的车牌号，如 宁A12345 或新能源车的 宁AD12345（现有 6 个字符）"
        );
        let plate = Plate::parse("XA12345").unwrap_err();
        assert!(plate.localized("zh-CN").contains("省份简称"), "{plate:?}");
        let period = Period::parse("2025-13").unwrap_err();
        assert_eq!(
            period.localized("zh-CN"),
            "期间“2025-13”不对：月份应为 01 至 12（应写成 YYYY、YYYY-Qn 或 YYYY-MM，年份 2000-2100）"
        );
        assert_eq!(
            period.localized("en"),
            "period \"2025-13\" is not valid: the month must be 01 to 12 (expected YYYY, YYYY-Qn or \
             YYYY-MM, years 2000-2100)"
        );
        // The fallback is Chinese: a language the catalogues lack reads Chinese too.
        assert_eq!(period.localized("fr"), period.localized("zh-CN"));
        let stored = crate::DocumentError::WrongType {
            table: crate::Table::Vehicles,
            record_id: "宁A12345".to_owned(),
            field: "domestic_brand",
            expected: crate::document::ExpectedType::Boolean,
            found: "整数 1".to_owned(),
        };
        assert_eq!(
            stored.localized("zh-CN"),
            "vehicles 记录“宁A12345”的字段 domestic_brand 应为布尔值，实为整数 1"
        );
        assert_eq!(
            stored.localized("en"),
            "vehicles record \"宁A12345\" field domestic_brand must be a boolean, but is 整数 1"
        );
    }

    #[test]
    fn the_catalogues_answer_in_the_language_asked() {
        assert_eq!(rust_i18n::t!("common.unit.m2", locale = "zh-CN"), "平方米");
        assert_eq!(rust_i18n::t!("common.unit.m2", locale = "en"), "m²");
    }
}
