//! The loopback endpoint (`homeostat_localnet::rpc`) as clients use it, in one test binary
//! (each binary links the whole in-process runtime): `clients` — the methods and
//! subscriptions third-party clients call, over plain HTTP/1.1 and websockets; `validator`
//! — where it answers as a validator does (issue #30's list); `hostile` — requests meant to
//! take it down.

// solana-program-test 3.x marks its whole API "unstable" (deprecated): see
// localnet/src/lib.rs.
#![allow(deprecated)]

mod clients;
mod hostile;
mod validator;
