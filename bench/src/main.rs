//! `rasch-bench`: benchmark programs for Rasch (release builds; not tests).
//!
//! ```text
//! rasch-bench passthrough     --records N --parallelism P [--string-payload]
//! rasch-bench filter-project  --records N --parallelism P
//! rasch-bench wordcount       --input FILE --output FILE --parallelism P [--execution-mode streaming]
//! rasch-bench gen-words       --output FILE --words N [--vocabulary V]
//! rasch-bench window-count    --records N --parallelism P [--input CSV] [--output FILE]
//! rasch-bench sliding-count   --records N --parallelism P [--input CSV] [--output FILE]
//! rasch-bench session-count   --records N --parallelism P [--input CSV] [--output FILE]
//! rasch-bench checkpoint      --keys K [--records N] [--parallelism P] [--interval-ms 1000] [--value-bytes 100] [--dir PATH]
//!                             [--backend hashmap|lsm] [--incremental] [--memory-budget 64mb]
//! rasch-bench state-engines --records N [--batch 1000] [--dir PATH]
//! rasch-bench net-exchange    [--records N] [--payload u64|words]
//! rasch-bench cep           [--records 5000000] [--keys 10000] [--within-ms 10000] [--parallelism 1] [--output FILE] [--watermark-interval-ms 200]
//! rasch-bench kafka           [--records 200000] [--value-bytes 100] [--parallelism 1]   (feature `kafka`)
//! rasch-bench nexmark         --query qN [--events 100000] [--parallelism 2] [--mode batch|streaming] [--nexmark-dir ../shared/nexmark] [--rasch PATH]
//! rasch-bench nexmark-datastream --query qN [--events 100000] [--parallelism 2] [--nexmark-dir ../shared/nexmark] [--example PATH]
//! ```
//! Each benchmark prints human-readable figures and, as its last line, one JSON object
//! `{"bench", "parallelism", "records", "seconds", "records_per_sec", ...}`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cep;
mod checkpoint;
mod engines;
#[cfg(feature = "kafka")]
mod kafka;
mod net;
mod nexmark;
mod report;
mod rows;
mod windows;
mod wordcount;

use rasch::Params;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((bench, rest)) = args.split_first() else {
        eprintln!(
            "usage: rasch-bench <passthrough|filter-project|wordcount|gen-words|window-count|sliding-count|session-count|checkpoint|state-engines|net-exchange|cep|kafka|nexmark|nexmark-datastream> [--flags]"
        );
        return ExitCode::from(2);
    };
    let params = match Params::from_iter(rest.iter().cloned()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rasch-bench {bench}: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = match bench.as_str() {
        "passthrough" => rows::passthrough(&params),
        "filter-project" => rows::filter_project(&params),
        "wordcount" => wordcount::wordcount(&params),
        "gen-words" => wordcount::generate(&params),
        "window-count" => windows::run(windows::Kind::Tumbling, &params),
        "sliding-count" => windows::run(windows::Kind::Sliding, &params),
        "session-count" => windows::run(windows::Kind::Session, &params),
        "checkpoint" => checkpoint::run(&params),
        "state-engines" => engines::run(&params),
        "net-exchange" => net::run_bench(&params),
        "cep" => cep::run(&params),
        "nexmark" => nexmark::run(&params),
        "nexmark-datastream" => nexmark::run_datastream(&params),
        #[cfg(feature = "kafka")]
        "kafka" => kafka::run(&params),
        #[cfg(not(feature = "kafka"))]
        "kafka" => Err("built without the `kafka` feature: cargo run --release -p rasch-bench --features kafka -- kafka".into()),
        other => Err(format!(
            "unknown benchmark '{other}': expected passthrough, filter-project, wordcount, gen-words, window-count, sliding-count, session-count, checkpoint, state-engines, net-exchange, cep, kafka, nexmark or nexmark-datastream"
        )),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rasch-bench {bench}: {e}");
            ExitCode::FAILURE
        }
    }
}
