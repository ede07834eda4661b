//! The browser harness against a page of its own: real headless Chromium loads a form from a small
//! axum server on loopback, a name in Chinese is typed and a file chosen, the form is sent, and the
//! answer, an alert and the screenshots are checked. It proves the harness before the console's
//! own end-to-end test relies on it, and that Chinese renders (the screenshots show it).
//!
//! Skipped with a loud message when chromium or chromedriver is missing, unless
//! `HUIZONG_REQUIRE_BROWSER=1`. `HUIZONG_SCREENSHOT_DIR` keeps the screenshots in that directory
//! instead of a temporary one, to look at them.

#[path = "support/browser.rs"]
mod browser;

use std::path::PathBuf;

use axum::Router;
use axum::extract::Multipart;
use axum::response::Html;
use axum::routing::{get, post};
use browser::{Browser, assert_png};

/// A screenshot of a page with text on it is tens of kilobytes; a failed or blank capture is a few
/// hundred bytes.
const SCREENSHOT_BYTES_MIN: usize = 1024;

const FORM_PAGE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>登记</title></head>
<body>
<h1>人口登记</h1>
<form method="post" action="/echo" enctype="multipart/form-data">
  <p><label>姓名 <input id="name" name="name" type="text"></label></p>
  <p><label>名单文件 <input id="file" name="file" type="file"></label></p>
  <p><button id="submit" type="submit">提交</button></p>
</form>
</body>
</html>
"#;

/// The form's page at `/`, and at `/echo` what was sent: the name and the chosen file's name and
/// size.
fn router() -> Router {
    Router::new()
        .route("/", get(|| async { Html(FORM_PAGE) }))
        .route("/echo", post(echo))
}

async fn echo(mut multipart: Multipart) -> Html<String> {
    let mut name = String::new();
    let mut file = String::from("（无文件）");
    while let Some(field) = multipart.next_field().await.expect("a multipart field") {
        match field.name() {
            Some("name") => name = field.text().await.expect("the name"),
            Some("file") => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let n_bytes = field.bytes().await.expect("the file").len();
                file = format!("{file_name}：{n_bytes} 字节");
            }
            _ => {}
        }
    }
    Html(format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>已登记</title></head>
<body>
<p id="greeting">你好，{}</p>
<p id="file">{}</p>
<button id="save" type="button" onclick="alert('已保存')">保存</button>
</body>
</html>
"#,
        escape_html(&name),
        escape_html(&file)
    ))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn chromium_fills_a_form_in_chinese_uploads_a_file_and_shows_the_answer() {
    let scratch = tempfile::tempdir().unwrap();
    let screenshot_dir = std::env::var_os("HUIZONG_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| scratch.path().join("screenshots"));
    let Some(mut browser) = Browser::start(&screenshot_dir).await else {
        return;
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router()).await });

    let upload = scratch.path().join("名单.csv");
    let upload_content = "姓名,年龄\n张三,30\n";
    std::fs::write(&upload, upload_content).unwrap();

    browser.goto(&format!("http://{address}/")).await;
    browser.fill("#name", "张三").await;
    browser.upload("#file", &upload).await;
    let form_screenshot = browser.screenshot("form").await;
    browser.click("#submit").await;

    assert_eq!(browser.text_of("#greeting").await, "你好，张三");
    assert_eq!(
        browser.text_of("#file").await,
        format!("名单.csv：{} 字节", upload_content.len())
    );
    assert!(browser.current_url().await.ends_with("/echo"));
    assert!(browser.page_source().await.contains("你好，张三"));
    let answer_screenshot = browser.screenshot("answer").await;

    browser.click("#save").await;
    assert_eq!(browser.accept_alert().await, "已保存");
    browser.close().await;
    server.abort();

    assert_eq!(form_screenshot, screenshot_dir.join("01-form.png"));
    assert_eq!(answer_screenshot, screenshot_dir.join("02-answer.png"));
    assert_png(&form_screenshot, SCREENSHOT_BYTES_MIN);
    assert_png(&answer_screenshot, SCREENSHOT_BYTES_MIN);
}
