//! Rolling maximum per key: the hottest reading per sensor so far, with `max_by`.
//!
//! ```text
//! cargo run --release --example rolling_max
//! ```

use rasch::prelude::*;

fn main() -> rasch::Result<()> {
    let env = StreamEnv::from_args();
    env.set_parallelism(2);
    // (sensor, temperature) readings generated deterministically.
    env.datagen(Some(20), None, |i| (format!("sensor-{}", i % 3), 20.0 + ((i * 7919) % 17) as f64))
        .key_by_ref(|(sensor, _)| sensor)
        .max_by(1)
        .print();
    env.execute("Rolling Max")?;
    Ok(())
}
