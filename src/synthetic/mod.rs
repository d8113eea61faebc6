//! TEMPORARY STUB — replaced by the generator.
use crate::domain::assessment::{Assessment, Payment};
use crate::domain::lg_code::LgCode;
use crate::domain::resident::{CardLink, Resident};
pub struct Municipality {
    pub lg_code: LgCode,
    pub prefecture_name: String,
    pub city_name: String,
}
pub struct SyntheticPerson {
    pub resident: Resident,
    pub card_links: Vec<CardLink>,
    pub assessments: Vec<Assessment>,
    pub payments: Vec<Payment>,
}
pub fn people(
    _seed: u64,
    _m: &Municipality,
    _n: usize,
    _y: i32,
) -> impl Iterator<Item = SyntheticPerson> {
    std::iter::empty()
}
