//! The shipped Ningxia tree: its shape, codes and names, and the questions the system asks of it.

mod common;

use common::code;
use topology::{Level, NINGXIA_TOML, ningxia};

#[test]
fn ningxia_has_one_region_five_cities_and_twenty_two_counties() {
    let tree = ningxia();
    assert_eq!(tree.len(), 28);
    assert_eq!(tree.version(), 1);
    assert!(!tree.is_signed());
    let count = |level| tree.iter().filter(|entry| entry.level == level).count();
    assert_eq!(count(Level::Region), 1);
    assert_eq!(count(Level::City), 5);
    assert_eq!(count(Level::County), 22);
    assert!(
        tree.iter()
            .all(|entry| entry.public_key.is_none() && entry.address.is_none())
    );

    let root = tree.root();
    assert_eq!(root.code, code("640000000000"));
    assert_eq!(root.name_zh, "宁夏回族自治区");
    assert_eq!(root.name_en, "Ningxia Hui Autonomous Region");
    assert_eq!(root.level, Level::Region);

    let cities: Vec<(&str, &str, usize)> = tree
        .children_of(root.code)
        .iter()
        .map(|&city| {
            let entry = tree.node(city).unwrap();
            (
                entry.code.as_str(),
                entry.name_zh.as_str(),
                tree.children_of(city).len(),
            )
        })
        .collect();
    assert_eq!(
        cities,
        vec![
            ("640100000000", "银川市", 6),
            ("640200000000", "石嘴山市", 3),
            ("640300000000", "吴忠市", 5),
            ("640400000000", "固原市", 5),
            ("640500000000", "中卫市", 3),
        ]
    );
    for (county, name_zh, name_en, city) in [
        (
            "640104000000",
            "兴庆区",
            "Xingqing District",
            "640100000000",
        ),
        ("640181000000", "灵武市", "Lingwu City", "640100000000"),
        ("640205000000", "惠农区", "Huinong District", "640200000000"),
        (
            "640303000000",
            "红寺堡区",
            "Hongsibu District",
            "640300000000",
        ),
        ("640425000000", "彭阳县", "Pengyang County", "640400000000"),
        ("640522000000", "海原县", "Haiyuan County", "640500000000"),
    ] {
        let entry = tree.node(code(county)).unwrap();
        assert_eq!(entry.name_zh, name_zh);
        assert_eq!(entry.name_en, name_en);
        assert_eq!(entry.level, Level::County);
        assert_eq!(entry.parent, Some(code(city)));
    }
    assert!(
        NINGXIA_TOML.starts_with('#'),
        "the template explains itself"
    );
}

#[test]
fn tree_questions_have_the_expected_answers() {
    let tree = ningxia();
    let region = code("640000000000");
    let yinchuan = code("640100000000");
    let xingqing = code("640104000000");
    let guyuan = code("640400000000");
    let unknown = code("650000000000");

    assert_eq!(tree.parent_of(xingqing), Some(yinchuan));
    assert_eq!(tree.parent_of(region), None);
    assert_eq!(tree.parent_of(unknown), None);
    assert_eq!(tree.children_of(xingqing), &[] as &[topology::DivisionCode]);
    assert_eq!(tree.children_of(unknown), &[] as &[topology::DivisionCode]);
    assert!(tree.is_in_subtree(region, xingqing));
    assert!(tree.is_in_subtree(yinchuan, xingqing));
    assert!(tree.is_in_subtree(xingqing, xingqing));
    assert!(!tree.is_in_subtree(guyuan, xingqing));
    assert!(!tree.is_in_subtree(xingqing, yinchuan));
    assert!(!tree.is_in_subtree(unknown, xingqing));
    assert_eq!(tree.child_toward(region, xingqing), Some(yinchuan));
    assert_eq!(tree.child_toward(yinchuan, xingqing), Some(xingqing));
    assert_eq!(tree.child_toward(xingqing, xingqing), None);
    assert_eq!(tree.child_toward(guyuan, xingqing), None);
    assert_eq!(tree.depth_of(region), Some(0));
    assert_eq!(tree.depth_of(yinchuan), Some(1));
    assert_eq!(tree.depth_of(xingqing), Some(2));
    assert_eq!(tree.depth_of(unknown), None);
    assert_eq!(tree.subtree(unknown), vec![]);
    let subtree = tree.subtree(yinchuan);
    assert_eq!(subtree.len(), 7);
    assert_eq!(subtree[0], yinchuan);
    assert_eq!(subtree[1], xingqing);
    let preorder: Vec<_> = tree.iter_preorder().map(|entry| entry.code).collect();
    assert_eq!(preorder, tree.subtree(region));
    let sorted: Vec<_> = tree.iter().map(|entry| entry.code).collect();
    assert!(sorted.windows(2).all(|pair| pair[0] < pair[1]));
}

#[test]
fn levels_order_by_depth_and_have_names() {
    assert!(
        Level::Nation < Level::Region
            && Level::Region < Level::City
            && Level::City < Level::County
            && Level::County < Level::Township
            && Level::Township < Level::Village
    );
    let slugs: Vec<&str> = Level::ALL.iter().map(|level| level.slug()).collect();
    assert_eq!(
        slugs,
        ["nation", "region", "city", "county", "township", "village"]
    );
    let names: Vec<&str> = Level::ALL.iter().map(|level| level.name_zh()).collect();
    assert_eq!(names, ["国家", "省级", "地级", "县级", "乡级", "村级"]);
    for level in Level::ALL {
        assert_eq!(level.slug().parse::<Level>(), Ok(level));
        assert_eq!(level.to_string(), level.slug());
    }
    assert!("province".parse::<Level>().is_err());
}
