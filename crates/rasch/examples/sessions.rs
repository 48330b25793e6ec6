//! User activity sessions: clicks of the same user less than 30 minutes apart belong to one
//! session (event-time session windows); each session reports its span and number of clicks.
//!
//! ```text
//! cargo run --release --example sessions
//! ```

use rasch::prelude::*;
use std::time::Duration;

const MINUTE: i64 = 60_000;

fn main() -> rasch::Result<()> {
    let env = StreamEnv::from_args();
    // (user, minute of the click)
    let clicks = vec![("ann", 0), ("bob", 3), ("ann", 10), ("ann", 25), ("bob", 50), ("ann", 90), ("bob", 70), ("ann", 100)];
    env.from_collection(clicks.into_iter().map(|(u, m)| (u.to_string(), m * MINUTE)).collect())
        .assign_event_time(WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_secs(3600)), |c, _| c.1)
        .key_by(|c| c.0.clone())
        .window(EventTimeSessionWindows::with_gap(Duration::from_secs(30 * 60)))
        .process_fn(|user, ctx, clicks, out| {
            let w = ctx.window();
            out.collect(format!("{user}: session {}–{} min, {} clicks", w.start / MINUTE, w.end / MINUTE, clicks.len()));
            Ok(())
        })
        .print();
    env.execute("Sessions")?;
    Ok(())
}
