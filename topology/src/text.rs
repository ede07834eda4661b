//! How the crate's refusals are put into words: every message a root operator reads comes from the
//! workspace's message catalogues (`locales/<language>.yml`, section `topology`), Chinese first.
//!
//! Each error type has `localized(locale)`, the message in one language of the catalogues (`"zh-CN"`
//! or `"en"`), and its `Display` gives the message in the language in force
//! ([`rust_i18n::locale`], chosen once at start-up). Nested errors are put into words in the same
//! language as the error that holds them.

/// Implements `Display` through the type's `localized(locale)` in the language in force.
macro_rules! display_in_current_language {
    ($($type:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $type {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(&self.localized(&rust_i18n::locale()))
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

/// Whether a locale is Chinese, for the few words (level names) that the types carry themselves.
pub(crate) fn is_chinese(locale: &str) -> bool {
    locale.starts_with("zh")
}

/// Joins parts of a message with the list separator of the language (`、` or `, `).
pub(crate) fn join(parts: impl IntoIterator<Item = String>, locale: &str) -> String {
    let separator = rust_i18n::t!("topology.list_separator", locale = locale);
    parts.into_iter().collect::<Vec<_>>().join(&separator)
}

#[cfg(test)]
mod tests {
    use crate::address::NodeAddress;
    use crate::code::DivisionCode;
    use crate::error::{KeyRole, Location, TopologyError};

    #[test]
    fn refusals_read_in_chinese_by_default_and_in_english_on_request() {
        let code_error = DivisionCode::parse("6401040000").unwrap_err();
        assert_eq!(
            code_error.localized("zh-CN"),
            "行政区划代码“6401040000”应为 12 位数字（现有 10 个字符）；县级代码为 6 位时，后面补 6 个 0"
        );
        assert_eq!(
            code_error.localized("en"),
            "division code \"6401040000\" must be exactly 12 digits (it has 10 characters)"
        );

        let address_error = NodeAddress::parse("10.0.0.7").unwrap_err();
        assert!(
            address_error.localized("zh-CN").contains("缺少端口"),
            "{address_error:?}"
        );

        let code = DivisionCode::parse("640104000000").unwrap();
        let error = TopologyError::KeyListedTwice {
            location: Location {
                origin: "topology.toml".to_owned(),
                line: Some(12),
            },
            code,
            key: "KEY".to_owned(),
            first: KeyRole::Current,
            second: KeyRole::Revoked,
        };
        assert_eq!(
            error.localized("zh-CN"),
            "topology.toml:12：节点 640104000000 把密钥 KEY 列了两次（作为现用密钥和已吊销密钥）"
        );
        assert_eq!(
            error.localized("en"),
            "topology.toml:12: node 640104000000 lists key KEY twice (as the current key and as a \
             revoked key)"
        );
    }

    #[test]
    fn quoted_texts_show_what_cannot_be_seen() {
        assert_eq!(super::shown("a\tb"), "a\\tb");
        assert_eq!(super::shown("宁夏"), "宁夏");
    }
}
