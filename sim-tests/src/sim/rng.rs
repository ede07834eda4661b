//! The simulator's only source of randomness: SplitMix64 from one seed. Every random choice of a
//! run (latencies, losses, crash times, the clerks' timing) is drawn from one stream in event
//! order, so a seed replays the run exactly.

/// A small, fast, reproducible generator (SplitMix64; Steele, Lea and Flood 2014).
#[derive(Debug, Clone)]
pub struct SimRng {
    state: u64,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low + 1)
    }

    /// An index below `n` (which must not be zero).
    pub fn index(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }

    /// A new generator for a separate purpose, so adding draws in one place does not shift
    /// every other choice of the run.
    pub fn fork(&mut self) -> SimRng {
        SimRng::new(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_values_and_another_seed_others() {
        let draws = |seed| {
            let mut rng = SimRng::new(seed);
            (0..8).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
    }

    #[test]
    fn between_stays_in_range_and_reaches_both_ends() {
        let mut rng = SimRng::new(1);
        let values: Vec<u64> = (0..1_000).map(|_| rng.between(3, 5)).collect();
        assert!(values.iter().all(|value| (3..=5).contains(value)));
        assert!(values.contains(&3) && values.contains(&5));
    }
}
