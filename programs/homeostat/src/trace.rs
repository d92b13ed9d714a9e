//! Compute-unit trace points for `bench/cu/run --breakdown` (docs/performance.md, "Where a
//! swap's units go"): in a build made with the environment variable `HOMEOSTAT_CU_TRACE`
//! set, each point logs its name and the units left; in every other build `ENABLED` is
//! false and a point compiles to nothing.

/// Whether this build traces.
pub const ENABLED: bool = option_env!("HOMEOSTAT_CU_TRACE").is_some();

/// Logs `cu-trace <name>` then the units left (the runtime's `Program consumption: <n>
/// units remaining`) in a tracing SBF build. The logs' own cost falls into the next stage;
/// the breakdown subtracts it, measured by two points in a row (`trace-overhead`).
#[inline(always)]
#[allow(unsafe_code)] // the syscall below; the workspace denies unsafe code everywhere else
pub fn point(name: &str) {
    #[cfg(target_os = "solana")]
    if ENABLED {
        anchor_lang::solana_program::log::sol_log(&["cu-trace ", name].concat());
        // SAFETY: a syscall without arguments or memory access.
        unsafe {
            anchor_lang::compat::solana_define_syscall::definitions::sol_log_compute_units_()
        };
    }
    #[cfg(not(target_os = "solana"))]
    let _ = name;
}
