//! Small functions and their tests; `halve_rounding_up` has a bug its test finds.

pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

pub fn halve_rounding_up(n: u32) -> u32 {
    n / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 3), 5);
    }

    #[test]
    fn halves_even() {
        assert_eq!(halve_rounding_up(8), 4);
    }

    #[test]
    fn halves_odd() {
        assert_eq!(halve_rounding_up(7), 4, "7 / 2 rounded up");
    }
}
