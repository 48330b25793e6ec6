//! Side outputs: route malformed lines to a separate stream instead of failing the job.
//!
//! ```text
//! cargo run --release --example side_outputs
//! ```

use rasch::prelude::*;

#[derive(Clone)]
struct ParseOrReject {
    rejected: OutputTag<String>,
}

impl ProcessFunction<String, (String, i64)> for ParseOrReject {
    fn process_element(&mut self, line: String, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, (String, i64)>) -> rasch::Result<()> {
        match line.split_once(',').and_then(|(k, v)| v.trim().parse::<i64>().ok().map(|v| (k.to_string(), v))) {
            Some(pair) => out.collect(pair),
            None => ctx.output(&self.rejected, line)?,
        }
        Ok(())
    }
}

fn main() -> rasch::Result<()> {
    let env = StreamEnv::from_args();
    let rejected = OutputTag::<String>::new("rejected");
    let lines = vec!["apples,3", "pears,x", "apples,4", "no comma", "pears,5"];
    let parsed = env
        .from_collection(lines.into_iter().map(String::from).collect())
        .process(ParseOrReject { rejected: rejected.clone() })
        .name("Parse");
    parsed.key_by_ref(|(fruit, _)| fruit).sum(1).print_with_identifier("total");
    parsed.get_side_output(&rejected).print_with_identifier("rejected");
    env.execute("Side Outputs")?;
    Ok(())
}
