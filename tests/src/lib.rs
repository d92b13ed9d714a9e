//! The package of the program's integration tests (`tests/program/`) and its benchmarks
//! (`benches/`). They run the program through `homeostat-localnet`, the in-process runtime
//! harness the simulator shares, and import from it by name; this library holds nothing.
