//! The office space ledger of a node's own level: buildings of the organs and their service units,
//! their space by category and status, the rooms of the main compounds, a few disposals and the
//! rental income of let space.
//!
//! Buildings go round the users in turn; each building's floor area is added to its user's, which
//! the energy ledger reports later. Space is carved out of each category in use into the other
//! statuses, so the parts always add up; rooms fill at most 98.5% of the office space in use, and
//! their areas stay within the rank limits except for the planted rooms.

use schemas::Table;
use schemas::standards::{RoomRank, room_limits};
use topology::Level;

use super::{Institution, Node, Random, Tables, YEAR, amount, optional, round1, to_f64, when};

/// The region's own level: 89 party and government bodies received office use-right certificates.
const REGION_CERTIFIED_BODIES: usize = 89;

/// Most rooms listed in one building: more than any office building has.
const ROOMS_PER_BUILDING_MAX: usize = 2_000;

/// How a room's rank is drawn, from the highest rank down: most rooms are the staff's. A level with
/// five ranks (a city's, a county's) takes the last five; a province has seven.
const RANK_WEIGHTS: [u64; 7] = [1, 4, 9, 12, 14, 20, 40];

/// Deliberate warnings: rooms over the rank limit (node, count).
const PLANTED_ROOMS_OVER_LIMIT: [(&str, usize); 4] = [
    ("640000000000", 2),
    ("640300000000", 1),
    ("640122000000", 1),
    ("640402000000", 1),
];
/// Deliberate warning: a grade-D (dangerous) building still in use.
const PLANTED_DANGEROUS_BUILDING: &str = "640424000000";

/// Streets of the addresses.
const ROADS: &str = "政府街 人民路 文化街 解放路 北京路 长城路 新华街 民族街";

/// Space of one category and status of a building: (category, status, floor m²).
type Part = (&'static str, &'static str, f64);

/// Moves a `share` of a category's space in use to another status; returns the floor area moved.
fn carve(parts: &mut Vec<Part>, category: &'static str, status: &'static str, share: f64) -> f64 {
    let in_use = parts
        .iter_mut()
        .find(|part| (part.0, part.1) == (category, "in_use"));
    let in_use = in_use.expect("every building has this category in use");
    let carved = round1(in_use.2 * share);
    in_use.2 = round1(in_use.2 - carved);
    parts.push((category, status, carved));
    carved
}

/// The office space ledger; adds each building's floor area to its user's.
pub(super) fn generate(node: &mut Node, institutions: &mut [Institution], tables: &mut Tables) {
    const OWNERSHIPS: [&str; 4] = ["owned_in_use", "owned_lent_out", "rented", "borrowed"];
    let users: Vec<usize> = (0..institutions.len())
        .filter(|&index| matches!(institutions[index].type_code, "01" | "026"))
        .collect();
    let ranks = room_limits().ranks().iter();
    let ranks: Vec<&RoomRank> = ranks
        .filter(|rank| rank.level == node.scale.standard)
        .collect();
    let weights = &RANK_WEIGHTS[RANK_WEIGHTS.len() - ranks.len()..];
    let planted = PLANTED_ROOMS_OVER_LIMIT
        .iter()
        .find(|(code, _)| node.is(code));
    let mut rooms_over_limit = planted.map_or(0, |(_, count)| *count);
    // The region disposes of space in three buildings this year, a city or county in one; the
    // last building is partly let. Every file must hold a record: the import refuses empty ones.
    let region = node.entry.level <= Level::Region;
    let mut disposals_left = if region { 3 } else { 1 };
    let room_buildings = node.scale.buildings / 12 + 2;
    let dangerous_node = node.is(PLANTED_DANGEROUS_BUILDING);
    let (division, place) = &node.location;
    let random = &mut node.random;
    for index in 0..node.scale.buildings {
        let user = &mut institutions[users[index % users.len()]];
        let id = format!("B{}{:03}", node.code6, index + 1);
        let (low, high) = node.scale.building_floor_m2;
        let floor = round1(random.uniform(low, high));
        user.floor_area_m2 += floor;
        let certified = region && index < REGION_CERTIFIED_BODIES;
        let dangerous = dangerous_node && index == 1;
        let last_chance = index + disposals_left + 1 >= node.scale.buildings;
        let lets = index + 1 == node.scale.buildings;
        let disposes = index >= room_buildings && !dangerous && !lets && disposals_left > 0;
        let disposes = disposes && (random.percent(30) || last_chance);
        let ownership_weights = [[70, 12, 12, 6], [88, 12, 0, 0]][usize::from(certified)];
        let ownership = match (disposes, lets) {
            (true, _) => "owned_in_use",
            (false, true) => "owned_lent_out",
            (false, false) => OWNERSHIPS[random.weighted(&ownership_weights)],
        };
        let owned = ownership.starts_with("owned");
        let registration = match (owned, certified || random.percent(95)) {
            (true, true) => "registered",
            (true, false) => "in_progress",
            (false, _) => "unregistered",
        };
        // At the region's own level, the 89 bodies' certificates are the ones issued so far.
        let issued = registration == "registered" && (certified || !region);
        let certificate = issued.then(|| format!("宁机房使字第{id}号"));
        let certificate = certificate.unwrap_or_default();
        let (built, worn) = (random.between(1986, 2021), random.percent(25));
        let build_year = if dangerous { 1979 } else { built };
        let grade = match (dangerous, worn || built < 1998) {
            (true, _) => "d",
            (false, true) => "b",
            (false, false) => "a",
        };
        let address = format!("{place}{}{}号", random.word(ROADS), random.between(1, 300));
        let land = optional(when(owned, floor * random.uniform(0.2, 0.6)), 1);
        let name = match index / users.len() {
            0 => format!("{}办公楼", user.name),
            round => format!("{}{}号楼", user.name, round + 1),
        };
        let (code, floor_text) = (&user.credit_code, amount(floor, 1));
        let line = format!(
            "{id},{name},{code},{division},{address},{land},{floor_text},{build_year},\
             {ownership},{registration},{certificate},{grade}"
        );
        tables.row(Table::Buildings, line);

        // Space by category, carved into statuses; categories fill 90-97% of the floor area.
        let shares = [
            ("office", random.uniform(0.40, 0.48)),
            ("service", random.uniform(0.16, 0.24)),
            ("equipment", random.uniform(0.05, 0.08)),
            ("ancillary", random.uniform(0.08, 0.14)),
            ("technical", random.maybe(15, 0.08, 0.15)),
        ];
        let total: f64 = shares.iter().map(|(_, share)| share).sum();
        let fill = random.uniform(0.90, 0.97) / total;
        let mut parts: Vec<Part> = Vec::new();
        for (category, share) in shares.into_iter().filter(|(_, share)| *share > 0.0) {
            parts.push((category, "in_use", round1(floor * fill * share)));
        }
        if random.percent(15) {
            carve(&mut parts, "office", "idle", random.uniform(0.08, 0.25));
        }
        let lends = ownership == "owned_lent_out" && random.percent(60);
        if lends {
            carve(&mut parts, "office", "lent_out", random.uniform(0.15, 0.3));
        }
        let mut rented_floor = 0.0;
        if ownership == "owned_lent_out" && (!lends || lets || random.percent(40)) {
            let fraction = random.uniform(0.4, 0.8);
            rented_floor = carve(&mut parts, "ancillary", "rented_out", fraction);
        }
        let mut disposed_floor = 0.0;
        if disposes {
            disposals_left -= 1;
            disposed_floor = carve(&mut parts, "office", "disposed", random.uniform(0.1, 0.25));
        }
        let usable_ratio = random.uniform(0.62, 0.72);
        let mut office_usable = 0.0;
        for (category, status, part_floor) in parts {
            let usable = round1(part_floor * usable_ratio);
            if (category, status) == ("office", "in_use") {
                office_usable = usable;
            }
            let (usable, part_floor) = (amount(usable, 1), amount(part_floor, 1));
            let line = format!("{id},{category},{status},{usable},{part_floor}");
            tables.row(Table::OfficeSpaces, line);
        }

        // The rooms of the main compounds fill at most 98.5% of the office space in use. They draw
        // from a stream of their own, seeded by one draw of the node's, so that how many rooms the
        // rank limits let in does not shift the draws of everything generated after them.
        let mut used = 0.0;
        let mut room_random = Random(random.next());
        for number in 0..ROOMS_PER_BUILDING_MAX * usize::from(index < room_buildings) {
            let random = &mut room_random;
            let over = rooms_over_limit > 0 && number % 9 == 8;
            let rank = ranks[if over { 2 } else { random.weighted(weights) }];
            let limit = to_f64(rank.limit_m2_per_person);
            let occupants = match limit {
                _ if over || limit >= 18.0 => 1,
                _ if limit >= 12.0 => random.between(1, 2),
                _ => random.between(2, 4),
            };
            let (low, high) = if over { (1.12, 1.3) } else { (0.72, 0.98) };
            let area = round1(occupants as f64 * limit * random.uniform(low, high));
            if used + area > office_usable * 0.985 {
                break;
            }
            used += area;
            rooms_over_limit -= usize::from(over);
            let room = format!("{}{:02}", 1 + number / 24, 1 + number % 24);
            let (rank, area) = (&rank.slug, amount(area, 1));
            tables.row(
                Table::OfficeRooms,
                format!("{id},{room},{rank},{occupants},{area}"),
            );
        }
        if disposed_floor > 0.0 {
            let method = ["sale", "swap", "transfer"][random.weighted(&[30, 20, 50])];
            let income = disposed_floor * random.uniform(2_500.0, 4_500.0);
            let income = optional(when(method == "sale", income), 2);
            let date = format!(
                "{YEAR}-{:02}-{:02}",
                random.between(3, 11),
                random.between(1, 28)
            );
            let number = tables.len(Table::SpaceDisposals) + 1;
            let disposal = format!("CZ{}{YEAR}{number:02}", node.code6);
            let floor = amount(disposed_floor, 1);
            let line = format!("{disposal},{id},{method},{floor},{date},{income}");
            tables.row(Table::SpaceDisposals, line);
        }
        let rent_per_m2 = random.uniform(10.0, 24.0);
        for month in (1..=12).filter(|_| rented_floor > 0.0) {
            let (floor, income) = (
                amount(rented_floor, 1),
                amount(rented_floor * rent_per_m2, 2),
            );
            tables.row(
                Table::RentalIncome,
                format!("{id},{YEAR}-{month:02},{floor},{income}"),
            );
        }
    }
    assert_eq!(rooms_over_limit, 0, "{}: the planted rooms fit", node.code6);
}
