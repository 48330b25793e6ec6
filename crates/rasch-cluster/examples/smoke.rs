fn main() {
    let conf = std::env::args().nth(1).unwrap();
    let role = std::env::args().nth(2).unwrap();
    let config = rasch_cluster::ClusterConfig::load(Some(std::path::Path::new(&conf)), &[]).unwrap();
    let r = if role == "jm" { rasch_cluster::jobmanager::run(&config) } else { rasch_cluster::taskmanager::run(&config) };
    eprintln!("{r:?}");
}
