//! Certificate numbers from blocks reserved in the database. Reserving a number alone cost a
//! statement and a commit (a WAL flush) per certificate; a block is reserved in one statement and
//! handed out from memory. Numbers stay unique and are never reused — every process holds its own
//! blocks, and the counter row only moves up — but a block's unused numbers are gaps once the
//! process stops, and two processes interleave their blocks. The block grows (up to
//! [`MAX_BLOCK`]) while blocks run out within a second of each other and shrinks back to one in a
//! quiet office, so a restart leaves few gaps where numbers are scarce.

use crate::db::{self, DbError};
use crate::domain::lg_code::LgCode;
use deadpool_postgres::Pool;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The largest block reserved at once.
pub const MAX_BLOCK: i64 = 64;
/// Blocks used up faster than this grow; slower ones shrink.
const BUSY: Duration = Duration::from_secs(1);

/// A series' reserved numbers not yet handed out.
#[derive(Debug)]
struct Block {
    next: i64,
    last: i64,
    size: i64,
    reserved_at: Instant,
}

/// Hands out certificate numbers per municipality and fiscal year of issue.
#[derive(Default)]
pub struct Numbering {
    series: Mutex<HashMap<(LgCode, i32), Block>>,
}

impl Numbering {
    /// The next number of `lg_code`'s series for `fiscal_year`, reserving a block when the
    /// current one is used up.
    pub async fn next(
        &self,
        pool: &Pool,
        lg_code: LgCode,
        fiscal_year: i32,
    ) -> Result<i64, DbError> {
        let mut series = self.series.lock().await;
        let block = series.entry((lg_code, fiscal_year)).or_insert(Block {
            next: 1,
            last: 0,
            size: 0,
            reserved_at: Instant::now(),
        });
        if block.next > block.last {
            let size = next_size(block.size, block.reserved_at.elapsed());
            let client = pool.get().await?;
            let last = db::issuance::reserve_numbers(&client, lg_code, fiscal_year, size).await?;
            *block = Block {
                next: last - size + 1,
                last,
                size,
                reserved_at: Instant::now(),
            };
        }
        let number = block.next;
        block.next += 1;
        Ok(number)
    }
}

impl Numbering {
    /// The next number when the current block has one left and no block is being reserved;
    /// `None` sends the caller to [`Numbering::next`]. It never waits and never reaches the
    /// database, so a rendering job takes its number the moment its page is known to print.
    pub fn next_reserved(&self, lg_code: LgCode, fiscal_year: i32) -> Option<i64> {
        let mut series = self.series.try_lock().ok()?;
        let block = series.get_mut(&(lg_code, fiscal_year))?;
        (block.next <= block.last).then(|| {
            block.next += 1;
            block.next - 1
        })
    }
}

/// The next block's size after one of `size` lasted `lasted`.
fn next_size(size: i64, lasted: Duration) -> i64 {
    if lasted < BUSY {
        (size * 2).clamp(1, MAX_BLOCK)
    } else {
        (size / 2).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_grow_while_busy_and_shrink_when_quiet() {
        let fast = Duration::from_millis(10);
        let slow = Duration::from_secs(5);
        for (size, lasted, expected) in [
            (0, fast, 1),
            (1, fast, 2),
            (32, fast, 64),
            (64, fast, 64),
            (64, slow, 32),
            (1, slow, 1),
            (0, slow, 1),
        ] {
            assert_eq!(
                next_size(size, lasted),
                expected,
                "{size} lasting {lasted:?}"
            );
        }
    }
}
