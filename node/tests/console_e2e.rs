//! The web console end to end, in real headless Chromium, on a city and two of its counties
//! running in one process (QUIC on loopback between them):
//!
//! 1. the clerk of 兴庆区 signs in and uploads a vehicles file with two mistakes in one row: both
//!    are listed against that row and nothing is imported;
//! 2. she uploads the file without that row, adds the row corrected in the grid, sees the preview
//!    ready and submits;
//! 3. the city's reviewer returns the submission with a reason;
//! 4. the clerk sees the reason, corrects a price in the grid and submits again;
//! 5. the reviewer sees what changed and accepts both counties (西夏区 submitted through the core);
//! 6. the city's figures are final, and the drill-down reaches 兴庆区's signed submission with
//!    the clerk's name.
//!
//! A screenshot is taken at every step into `HUIZONG_SCREENSHOT_DIR` (or a temporary directory).
//! Skipped loudly without chromium, unless `HUIZONG_REQUIRE_BROWSER=1` (as CI sets it).

#[path = "support/browser.rs"]
mod browser;

use std::path::PathBuf;
use std::time::Duration;

use browser::{Browser, assert_png};
use node::clock::unix_ms;
use node::core::Actor;
use node::core::accounts::Role;
use node::demo::{DEMO_PASSWORD, DEMO_PERIOD, add_demo_account};
use node::import::{ImportTarget, Progress, parse_csv};
use node::local_tree;
use schemas::Ledger;
use topology::DivisionCode;

const CITY: &str = "640100000000";
const XINGQING: &str = "640104000000";
const XIXIA: &str = "640105000000";

/// A screenshot with text on it is tens of kilobytes; a blank one a few hundred bytes.
const SCREENSHOT_BYTES_MIN: usize = 4096;

fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).expect("a division code")
}

fn sample(county: &str, table: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-data/ningxia/2025")
        .join(county)
        .join(format!("{table}.csv"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// How long the tree may take to carry a submission or a decision between nodes.
const SYNC_WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_and_a_reviewer_take_a_submission_from_upload_to_final_figures() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let screenshot_dir = std::env::var_os("HUIZONG_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| scratch.path().join("screenshots"));
    let Some(mut browser) = Browser::start(&screenshot_dir).await else {
        return;
    };

    let topology = local_tree::ningxia_city_with_counties(2).expect("the small tree");
    let root = scratch.path().join("tree");
    let prepared = tokio::task::spawn_blocking(move || local_tree::prepare(&topology, &root))
        .await
        .expect("prepare")
        .expect("the tree is prepared");
    let tree = prepared.start(false).expect("the tree starts");
    let city = tree.node(code(CITY)).expect("the city").handle.clone();
    let county = tree.node(code(XINGQING)).expect("兴庆区").handle.clone();
    add_demo_account(&city, "yinchuan", "张伟", Role::Reviewer).expect("an account");
    add_demo_account(&county, "xingqing", "王芳", Role::Clerk).expect("an account");
    let city_console = tree
        .serve_console(code(CITY), "127.0.0.1:0")
        .await
        .expect("the city's console")
        .expect("a free port");
    let county_console = tree
        .serve_console(code(XINGQING), "127.0.0.1:0")
        .await
        .expect("the county's console")
        .expect("a free port");
    let city_url = city_console.url.trim_end_matches('/').to_owned();
    let county_url = county_console.url.trim_end_matches('/').to_owned();
    let period = DEMO_PERIOD.to_string();

    // 西夏区 submits its vehicles through the core, signed by its clerk.
    let xixia = tree.node(code(XIXIA)).expect("西夏区").handle.clone();
    let xixia_topology = tree.topology.clone();
    tokio::task::spawn_blocking(move || {
        let target = ImportTarget {
            ledger: Ledger::Vehicles,
            period: DEMO_PERIOD,
            table: None,
            topology: Some(&xixia_topology),
            allow_empty: false,
        };
        let mut records = Vec::new();
        for table in ["vehicles", "vehicle_quotas"] {
            let parsed = parse_csv(
                &format!("{table}.csv"),
                sample(XIXIA, table).as_bytes(),
                &target,
                &Progress::hidden(),
            )
            .expect("the sample parses");
            records.extend(parsed.records);
        }
        xixia.with_core(|core| {
            core.import_records(Ledger::Vehicles, DEMO_PERIOD, &records, unix_ms())
                .expect("imported");
            core.submit(
                Ledger::Vehicles,
                DEMO_PERIOD,
                &Actor::new("李娜").expect("a name"),
                unix_ms(),
            )
            .expect("西夏区 submits");
        });
    })
    .await
    .expect("西夏区's submission");

    // 1. The clerk signs in and uploads a file with two mistakes in its third row.
    browser.goto(&format!("{county_url}/login")).await;
    browser.fill("#login", "xingqing").await;
    browser.fill("#password", DEMO_PASSWORD).await;
    browser.screenshot("clerk-login").await;
    browser.click("#sign-in").await;
    browser
        .goto(&format!(
            "{county_url}/drafts/vehicles/{period}?table=vehicles"
        ))
        .await;
    let vehicles = sample(XINGQING, "vehicles");
    let lines: Vec<&str> = vehicles.lines().collect();
    let good_third = lines[2].to_owned();
    let mut bad_third: Vec<String> = good_third.split(',').map(str::to_owned).collect();
    // The columns are found by their headers, so that a column added to the table moves nothing.
    let column = |header: &str| {
        lines[0]
            .trim_start_matches('\u{feff}')
            .split(',')
            .position(|cell| cell == header)
            .expect("a column of the sample")
    };
    bad_third[column("车辆类别")] = "坦克".to_owned();
    bad_third[column("购置价格（元）")] = "十万".to_owned();
    let mut with_mistakes: Vec<String> = lines.iter().map(|line| (*line).to_owned()).collect();
    with_mistakes[2] = bad_third.join(",");
    let bad_file = scratch.path().join("兴庆区车辆.csv");
    std::fs::write(&bad_file, with_mistakes.join("\n") + "\n").expect("written");
    browser.upload("#upload-file", &bad_file).await;
    browser.click("#upload").await;
    let problems = browser.text_of("#problems").await;
    assert!(problems.contains("兴庆区车辆.csv"), "{problems}");
    assert!(
        problems.contains("车辆类别"),
        "the category is named: {problems}"
    );
    assert!(
        problems.contains("购置价格"),
        "the price is named: {problems}"
    );
    let source = browser.page_source().await;
    assert_eq!(
        source.matches("class=\"problem\" data-row=\"3\"").count(),
        2,
        "both mistakes are against row 3"
    );
    assert!(
        browser.text_of("h2").await.contains('0'),
        "nothing was imported"
    );
    browser.screenshot("upload-with-mistakes").await;

    // 2. The file without that row, then the row typed into the grid.
    let mut without: Vec<&str> = lines.clone();
    without.remove(2);
    let good_file = scratch.path().join("兴庆区车辆-改.csv");
    std::fs::write(&good_file, without.join("\n") + "\n").expect("written");
    browser.upload("#upload-file", &good_file).await;
    browser.click("#upload").await;
    assert!(browser.text_of("#done").await.len() > 1);
    let headers: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(headers[0], "号牌号码");
    let fields = [
        "plate",
        "vin",
        "institution_credit_code",
        "category",
        "body_type",
        "fuel_type",
        "domestic_brand",
        "displacement_l",
        "price_yuan",
        "acquisition_date",
        "acquisition_kind",
        "status",
    ];
    for (field, value) in fields.iter().zip(good_third.split(',')) {
        browser
            .fill(&format!("#new-row input[data-field=\"{field}\"]"), value)
            .await;
    }
    browser.screenshot("row-typed-in-grid").await;
    browser.click("#add-row").await;
    assert!(
        browser.text_of("#done").await.len() > 1,
        "the row was saved"
    );
    assert!(
        browser
            .page_source()
            .await
            .contains(good_third.split(',').next().unwrap())
    );
    let ready = browser.text_of("#ready").await;
    assert!(!ready.is_empty(), "the preview is ready to submit");
    browser.screenshot("preview-ready").await;
    browser.click("#submit").await;
    browser.screenshot("submitted").await;

    // 3. The reviewer returns it with a reason.
    let reason = "宁AC0001 的购置价格与发票不符，请核对";
    let mut reviewer = browser; // the same browser, another console
    reviewer.goto(&format!("{city_url}/login")).await;
    reviewer.fill("#login", "yinchuan").await;
    reviewer.fill("#password", DEMO_PASSWORD).await;
    reviewer.click("#sign-in").await;
    let review_path = format!("{city_url}/review/{XINGQING}/vehicles/{period}");
    wait_until(&mut reviewer, &review_path, "#return").await;
    reviewer.screenshot("review-first-submission").await;
    reviewer.fill("#return-reason-input", reason).await;
    reviewer.click("#return").await;
    let returned_row = reviewer.text_of(&format!("#row-{XINGQING}")).await;
    assert!(returned_row.contains(reason), "{returned_row}");
    reviewer.screenshot("returned").await;

    // 4. The clerk sees the reason, corrects the price and submits again.
    let mut clerk = reviewer;
    let draft_path = format!("{county_url}/drafts/vehicles/{period}?table=vehicles");
    wait_until(&mut clerk, &draft_path, "#return-reason").await;
    assert!(clerk.text_of("#return-reason").await.contains(reason));
    clerk.screenshot("clerk-sees-reason").await;
    let plate = good_third.split(',').next().expect("a plate").to_owned();
    let row = clerk
        .client()
        .execute(
            "return [...document.querySelectorAll('#grid tbody tr')].find(tr => \
             tr.querySelector('input[data-field=plate]')?.value === arguments[0])?.dataset.row;",
            vec![serde_json::Value::String(plate.clone())],
        )
        .await
        .expect("the row of the plate");
    let row = row.as_str().expect("a row number").to_owned();
    // Closed lists and yes/no read as the words of the template, not the stored slugs.
    let category = clerk
        .client()
        .execute(
            "return document.querySelector(arguments[0]).value;",
            vec![serde_json::Value::String(format!(
                "tr[data-row=\"{row}\"] input[data-field=\"category\"]"
            ))],
        )
        .await
        .expect("the category cell");
    assert_eq!(
        category.as_str(),
        good_third.split(',').nth(3),
        "the category reads as on the file"
    );
    clerk
        .fill(
            &format!("tr[data-row=\"{row}\"] input[data-field=\"price_yuan\"]"),
            "123456",
        )
        .await;
    clerk
        .click(&format!("tr[data-row=\"{row}\"] button.save"))
        .await;
    assert!(clerk.text_of("#done").await.len() > 1);
    clerk.click("#submit").await;
    clerk.screenshot("resubmitted").await;

    // 5. The reviewer sees the change and accepts both counties.
    let mut reviewer = clerk;
    wait_until_text(&mut reviewer, &review_path, "h1 + p", "2").await;
    let changes = reviewer.page_source().await;
    assert!(changes.contains("123456"), "the changed price is shown");
    reviewer.screenshot("review-second-submission").await;
    reviewer.click("#accept").await;
    let xixia_review = format!("{city_url}/review/{XIXIA}/vehicles/{period}");
    wait_until(&mut reviewer, &xixia_review, "#accept").await;
    reviewer.click("#accept").await;
    reviewer.screenshot("both-accepted").await;

    // 6. The city's figures are final; the drill-down reaches the clerk's signed submission.
    let figures_path = format!("{city_url}/figures/vehicles/{period}");
    wait_until(&mut reviewer, &figures_path, "#final").await;
    reviewer.screenshot("figures-final").await;
    reviewer.click("a[href*=\"/explain/\"]").await;
    let chain = reviewer.text_of("#chain").await;
    assert!(chain.contains("兴庆区"), "{chain}");
    assert!(
        chain.contains("王芳"),
        "the clerk's name is on her submission: {chain}"
    );
    assert!(chain.contains("李娜"), "{chain}");
    reviewer.screenshot("drill-down").await;

    reviewer.close().await;
    tree.shutdown().await.expect("the tree stops");
    let shots: Vec<_> = std::fs::read_dir(&screenshot_dir)
        .expect("the screenshots")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    assert!(shots.len() >= 12, "{shots:?}");
    for shot in shots {
        assert_png(&shot, SCREENSHOT_BYTES_MIN);
    }
}

/// Reloads `url` until `css` is on the page (the tree carries submissions and decisions between
/// nodes in the background).
async fn wait_until(browser: &mut Browser, url: &str, css: &str) {
    wait_until_text(browser, url, css, "").await;
}

/// Reloads `url` until `css` is on the page and its text contains `text`.
async fn wait_until_text(browser: &mut Browser, url: &str, css: &str, text: &str) {
    let deadline = std::time::Instant::now() + SYNC_WAIT;
    loop {
        browser.goto(url).await;
        let found = browser
            .client()
            .find_all(fantoccini::Locator::Css(css))
            .await
            .expect("finding elements");
        for element in found {
            if element.text().await.unwrap_or_default().contains(text) {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css:?} with {text:?} did not appear on {url} within {SYNC_WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
