//! The closed lists of the ledgers: energy carriers, vehicle categories, fuel types, vehicle statuses
//! and ownership of buildings.
//!
//! Each kind has a slug (stored in documents, used in figure names and JSON) and a Chinese name (used
//! on forms). Imported cells may hold either; documents must hold the slug.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::field::{Choice, ChoiceList};

/// A text that is not one of the names of a closed list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownName {
    /// What kind of value was expected, such as "energy carrier".
    pub kind: &'static str,
    /// The text that was given.
    pub value: String,
    /// The accepted names, Chinese name and slug of each, for the message.
    pub accepted: String,
}

impl UnknownName {
    /// The rule the text broke, phrased to follow the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        rust_i18n::t!(
            "schemas.choice.unknown",
            locale = locale,
            accepted = self.accepted
        )
        .into_owned()
    }
}

crate::i18n::display_in_current_language!(UnknownName);

/// Declares a closed list with a slug and a Chinese name per variant, and the conversions from and to
/// text that every such list shares.
macro_rules! named_kind {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($kind:literal) {
            $( $(#[$variant_meta:meta])* $variant:ident = ($slug:literal, $name_zh:literal, $name_en:literal), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $slug)] $variant, )+
        }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in documents and used in figure names and JSON.
            pub fn slug(self) -> &'static str {
                match self {
                    $($name::$variant => $slug,)+
                }
            }

            /// The Chinese name used on forms.
            pub fn name_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $name_zh,)+
                }
            }

            /// The English name used in reports.
            pub fn name_en(self) -> &'static str {
                match self {
                    $($name::$variant => $name_en,)+
                }
            }

            /// The name in a language: Chinese or English.
            pub fn name_in(self, language: $crate::Language) -> &'static str {
                match language {
                    $crate::Language::Chinese => self.name_zh(),
                    $crate::Language::English => self.name_en(),
                }
            }

            /// The value whose slug is exactly `text`, as documents store it.
            pub fn from_slug(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.slug() == text)
            }

            /// The list as a field of a table offers it (see [`crate::records::field`]).
            pub const CHOICES: ChoiceList = ChoiceList {
                kind: $kind,
                choices: || {
                    const OPTIONS: &[Choice] = &[$(Choice { slug: $slug, name_zh: $name_zh },)+];
                    OPTIONS
                },
            };
        }

        impl FromStr for $name {
            type Err = UnknownName;

            /// Accepts the slug (in any letter case) or the Chinese name, ignoring surrounding white
            /// space.
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                let trimmed = text.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| {
                        value.slug().eq_ignore_ascii_case(trimmed) || value.name_zh() == trimmed
                    })
                    .ok_or_else(|| UnknownName {
                        kind: $kind,
                        value: text.to_owned(),
                        accepted: Self::ALL
                            .iter()
                            .map(|value| format!("{} ({})", value.name_zh(), value.slug()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.slug())
            }
        }
    };
}

named_kind! {
    /// An energy or resource carrier of the public-institution consumption statistics.
    pub enum Carrier ("energy carrier") {
        /// Electricity bought from the grid, in kWh.
        Electricity = ("electricity", "电力", "electricity"),
        /// Water, in m³.
        Water = ("water", "水", "water"),
        /// Natural gas, in m³.
        NaturalGas = ("natural_gas", "天然气", "natural gas"),
        /// Coal, in tonnes.
        Coal = ("coal", "煤炭", "coal"),
        /// Gasoline, in litres.
        Gasoline = ("gasoline", "汽油", "gasoline"),
        /// Diesel, in litres.
        Diesel = ("diesel", "柴油", "diesel"),
        /// Liquefied petroleum gas, in kg.
        Lpg = ("lpg", "液化石油气", "liquefied petroleum gas"),
        /// Metered heat, in GJ.
        Heat = ("heat", "热力", "heat"),
        /// Electricity generated by the institution's own solar panels, in kWh: reported, not
        /// counted as consumption.
        SolarPv = ("solar_pv", "光伏发电", "solar generation"),
        /// Other energy, already converted to tonnes of standard coal (tce).
        Other = ("other", "其他", "other energy"),
    }
}

impl Carrier {
    /// Whether the carrier is energy consumed, and so converts to standard coal: water is a resource,
    /// not energy, and solar generation is reported but not counted as consumption.
    pub fn is_counted_as_consumption(self) -> bool {
        !matches!(self, Carrier::Water | Carrier::SolarPv)
    }

    /// The unit a record's quantity of this carrier is written in.
    pub fn unit(self) -> &'static str {
        match self {
            Carrier::Electricity | Carrier::SolarPv => "kWh",
            Carrier::Water | Carrier::NaturalGas => "m3",
            Carrier::Coal => "t",
            Carrier::Gasoline | Carrier::Diesel => "L",
            Carrier::Lpg => "kg",
            Carrier::Heat => "GJ",
            Carrier::Other => "tce",
        }
    }
}

named_kind! {
    /// The use category of an official vehicle (党政机关公务用车管理办法, 2017).
    pub enum VehicleCategory ("vehicle category") {
        /// 机要通信: confidential communications.
        ConfidentialCommunications = ("confidential_communications", "机要通信", "confidential communications"),
        /// 应急保障: emergency support.
        Emergency = ("emergency", "应急保障", "emergency support"),
        /// 执法执勤: law enforcement and duty.
        LawEnforcement = ("law_enforcement", "执法执勤", "law enforcement"),
        /// 特种专业技术: special technical work.
        SpecialTechnical = ("special_technical", "特种专业技术", "special technical"),
        /// 其他: any other official use.
        Other = ("other", "其他", "other"),
    }
}

named_kind! {
    /// What drives a vehicle.
    pub enum FuelType ("fuel type") {
        /// An internal-combustion engine (燃油).
        Ice = ("ice", "燃油", "internal combustion"),
        /// A battery electric vehicle (纯电动).
        Bev = ("bev", "纯电动", "battery electric"),
        /// A plug-in hybrid electric vehicle (插电式混合动力).
        Phev = ("phev", "插电式混合动力", "plug-in hybrid"),
    }
}

impl FuelType {
    /// Whether the vehicle counts as new energy (新能源) in the purchase share.
    pub fn is_new_energy(self) -> bool {
        matches!(self, FuelType::Bev | FuelType::Phev)
    }
}

named_kind! {
    /// The body type of an official vehicle (车型), which sets which caps apply to it: the caps of
    /// the 2017 rules are those of sedans and small passenger cars, with higher ones for buses in
    /// some categories (see [`crate::standards::VehicleCaps::cap`]).
    pub enum BodyType ("vehicle body type") {
        /// 轿车: a sedan.
        Sedan = ("sedan", "轿车", "sedan"),
        /// 越野车: an off-road vehicle or SUV, a small passenger car other than a sedan.
        Suv = ("suv", "越野车", "SUV"),
        /// 多用途乘用车: a multi-purpose vehicle (MPV), a small passenger car other than a sedan.
        Mpv = ("mpv", "多用途乘用车", "MPV"),
        /// 中型客车: a medium bus.
        MediumBus = ("medium_bus", "中型客车", "medium bus"),
        /// 大型客车: a large bus.
        LargeBus = ("large_bus", "大型客车", "large bus"),
        /// 其他: any other body (a truck, a special-purpose vehicle).
        Other = ("other", "其他", "other"),
    }
}

named_kind! {
    /// How a vehicle came to the body (取得方式): bought, or transferred in from another body, which
    /// is not a purchase and does not count in the new purchases.
    pub enum AcquisitionKind ("acquisition kind") {
        /// 购置: bought new (or replaced) by the body.
        Purchase = ("purchase", "购置", "purchase"),
        /// 调入: transferred in from another body (调入 or 划转).
        TransferIn = ("transfer_in", "调入", "transfer in"),
    }
}

named_kind! {
    /// Whether a vehicle is in service.
    pub enum VehicleStatus ("vehicle status") {
        /// 在用: in service.
        InService = ("in_service", "在用", "in service"),
        /// 闲置: kept but not used.
        Idle = ("idle", "闲置", "idle"),
        /// 已处置: auctioned, bought back or scrapped; kept in the ledger for the record.
        Disposed = ("disposed", "已处置", "disposed of"),
    }
}

named_kind! {
    /// Who owns a building and who uses it.
    pub enum Ownership ("ownership") {
        /// 自有自用: owned and used by the body itself.
        OwnedInUse = ("owned_in_use", "自有自用", "owned and used"),
        /// 自有出租出借: owned but let or lent out.
        OwnedLentOut = ("owned_lent_out", "自有出租出借", "owned, let or lent out"),
        /// 租用: used but rented.
        Rented = ("rented", "租用", "rented"),
        /// 借用: used but borrowed.
        Borrowed = ("borrowed", "借用", "borrowed"),
    }
}

named_kind! {
    /// Whether a building's ownership has been registered (权属统一登记).
    pub enum Registration ("registration status") {
        /// 已登记: registered.
        Registered = ("registered", "已登记", "registered"),
        /// 登记中: registration under way.
        InProgress = ("in_progress", "登记中", "registration in progress"),
        /// 未登记: not registered.
        Unregistered = ("unregistered", "未登记", "not registered"),
    }
}

named_kind! {
    /// A building's safety grade, A (sound) to D (dangerous, 危楼).
    pub enum SafetyGrade ("safety grade") {
        /// A级: sound.
        A = ("a", "A级", "grade A"),
        /// B级: minor defects.
        B = ("b", "B级", "grade B"),
        /// C级: partly dangerous.
        C = ("c", "C级", "grade C"),
        /// D级: dangerous building (危楼).
        D = ("d", "D级", "grade D (dangerous)"),
    }
}

named_kind! {
    /// A category of office space (党政机关办公用房建设标准, 2014).
    pub enum SpaceCategory ("space category") {
        /// 办公室用房: offices.
        Office = ("office", "办公室用房", "offices"),
        /// 服务用房: meeting rooms, archives, canteens.
        Service = ("service", "服务用房", "service rooms"),
        /// 设备用房: plant, server and switch rooms.
        Equipment = ("equipment", "设备用房", "equipment rooms"),
        /// 附属用房: garages, guard rooms; reported in floor area.
        Ancillary = ("ancillary", "附属用房", "ancillary space"),
        /// 技术业务用房: technical-business space, reported separately.
        Technical = ("technical", "技术业务用房", "technical-business space"),
    }
}

impl SpaceCategory {
    /// Whether the category is part of the basic office usable area (offices, service and
    /// equipment rooms).
    pub fn is_basic(self) -> bool {
        matches!(
            self,
            SpaceCategory::Office | SpaceCategory::Service | SpaceCategory::Equipment
        )
    }
}

named_kind! {
    /// What office space is used for at the moment.
    pub enum SpaceStatus ("space status") {
        /// 在用: in use by the body.
        InUse = ("in_use", "在用", "in use"),
        /// 闲置: idle.
        Idle = ("idle", "闲置", "idle"),
        /// 出借: lent out.
        LentOut = ("lent_out", "出借", "lent out"),
        /// 出租: rented out.
        RentedOut = ("rented_out", "出租", "rented out"),
        /// 已处置: disposed of, kept for the record.
        Disposed = ("disposed", "已处置", "disposed of"),
    }
}

named_kind! {
    /// How office space was disposed of.
    pub enum SpaceDisposalMethod ("disposal method") {
        /// 出售: sold.
        Sale = ("sale", "出售", "sale"),
        /// 置换: swapped.
        Swap = ("swap", "置换", "swap"),
        /// 划转: transferred to another body.
        Transfer = ("transfer", "划转", "transfer"),
    }
}

named_kind! {
    /// How a vehicle was disposed of.
    pub enum VehicleDisposalMethod ("vehicle disposal method") {
        /// 拍卖: auctioned.
        Auction = ("auction", "拍卖", "auction"),
        /// 厂家回购: bought back by the manufacturer.
        BuyBack = ("buy_back", "厂家回购", "manufacturer buy-back"),
        /// 报废: scrapped.
        Scrap = ("scrap", "报废", "scrapping"),
    }
}

named_kind! {
    /// The type of a public institution (公共机构类型代码).
    pub enum InstitutionType ("institution type") {
        /// 01 国家机关: state organ.
        StateOrgan = ("01", "国家机关", "state organ"),
        /// 021 教育: education.
        Education = ("021", "教育", "education"),
        /// 022 科技: science.
        Science = ("022", "科技", "science"),
        /// 023 文化: culture.
        Culture = ("023", "文化", "culture"),
        /// 024 卫生: health.
        Health = ("024", "卫生", "health"),
        /// 025 体育: sport.
        Sport = ("025", "体育", "sport"),
        /// 026 其他事业单位: other public service units.
        OtherServiceUnit = ("026", "其他事业单位", "other public service unit"),
        /// 03 社会团体: social organisation.
        SocialOrganisation = ("03", "社会团体", "social organisation"),
    }
}

named_kind! {
    /// A category of sorted waste.
    pub enum WasteCategory ("waste category") {
        /// 可回收物: recyclable.
        Recyclable = ("recyclable", "可回收物", "recyclable"),
        /// 厨余垃圾: kitchen waste.
        Kitchen = ("kitchen", "厨余垃圾", "kitchen waste"),
        /// 有害垃圾: hazardous waste.
        Hazardous = ("hazardous", "有害垃圾", "hazardous waste"),
        /// 其他垃圾: other waste.
        Other = ("other", "其他垃圾", "other waste"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_parse_from_slugs_and_chinese_names() {
        let chinese = [
            "电力",
            "水",
            "天然气",
            "煤炭",
            "汽油",
            "柴油",
            "液化石油气",
            "热力",
            "光伏发电",
            "其他",
        ];
        for (carrier, name) in Carrier::ALL.iter().zip(chinese) {
            assert_eq!(name.parse::<Carrier>().unwrap(), *carrier);
            assert_eq!(carrier.slug().parse::<Carrier>().unwrap(), *carrier);
            assert_eq!(Carrier::from_slug(carrier.slug()), Some(*carrier));
        }
        assert_eq!("LPG".parse::<Carrier>().unwrap(), Carrier::Lpg);
        assert_eq!(Carrier::from_slug("LPG"), None);
        let error = "steam".parse::<Carrier>().unwrap_err();
        assert_eq!(error.kind, "energy carrier");
        assert!(error.to_string().contains("电力 (electricity)"));
    }

    #[test]
    fn every_carrier_has_a_unit() {
        let units: Vec<&str> = Carrier::ALL.iter().map(|carrier| carrier.unit()).collect();
        assert_eq!(
            units,
            ["kWh", "m3", "m3", "t", "L", "L", "kg", "GJ", "kWh", "tce"]
        );
    }

    #[test]
    fn serde_uses_the_slugs() {
        for category in VehicleCategory::ALL {
            let json = format!("{:?}", category.slug());
            let parsed: VehicleCategory = from_toml_value(&json);
            assert_eq!(parsed, *category);
        }
    }

    /// Deserializes a quoted slug through the `toml` crate's value deserializer, the only serde
    /// format among this crate's dependencies.
    fn from_toml_value<T: serde::de::DeserializeOwned>(quoted: &str) -> T {
        #[derive(Deserialize)]
        struct Wrapper<T> {
            value: T,
        }
        let wrapper: Wrapper<T> = toml::from_str(&format!("value = {quoted}")).unwrap();
        wrapper.value
    }
}
