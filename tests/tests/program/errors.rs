//! The program's error table, as clients decode it: `HomeostatError::ALL` lists every
//! error in code order and matches the committed IDL, so `from_code` names any code a
//! failed transaction reports.

use homeostat::errors::HomeostatError;
use homeostat_sdk::SdkError;

#[test]
fn every_error_is_listed_in_code_order_as_in_the_idl() {
    let idl: serde_json::Value =
        serde_json::from_str(include_str!("../../../idl/homeostat.json")).expect("committed IDL");
    let listed = idl["errors"].as_array().expect("errors");
    assert_eq!(
        listed.len(),
        HomeostatError::ALL.len(),
        "ALL misses an error"
    );
    for (index, (error, entry)) in HomeostatError::ALL.iter().zip(listed).enumerate() {
        let code = 6_000 + index as u32;
        assert_eq!(u32::from(*error), code);
        assert_eq!(entry["code"], code);
        assert_eq!(entry["name"], error.name());
        assert_eq!(entry["msg"], error.to_string());
        assert_eq!(
            HomeostatError::from_code(code).map(|e| e.name()),
            Some(error.name())
        );
    }
    assert!(HomeostatError::from_code(5_999).is_none());
    assert!(HomeostatError::from_code(6_000 + HomeostatError::ALL.len() as u32).is_none());
}

#[test]
fn clients_name_every_code() {
    assert_eq!(
        SdkError::from_code(6_011).to_string(),
        format!("StaleOracle (error 6011): {}", HomeostatError::StaleOracle)
    );
    assert!(
        matches!(SdkError::from_code(2_006), SdkError::Program { name, .. } if name == "AnchorError")
    );
    assert!(matches!(SdkError::from_code(1), SdkError::Program { name, .. } if name == "Custom"));
    let oracle: Vec<String> = HomeostatError::ALL
        .iter()
        .filter(|error| error.is_oracle())
        .map(HomeostatError::name)
        .collect();
    assert_eq!(
        oracle,
        [
            "StaleOracle",
            "OracleConfidenceTooWide",
            "WrongOracleFeed",
            "WrongOracleOwner",
            "OracleNotFullyVerified",
            "InvalidOracleAccount",
            "NonPositiveOraclePrice",
            "OracleOlderThanLastUsed",
            "OracleFromFuture",
            "OracleDivergesFromEma",
            "LegacyReceiverRetired"
        ]
    );
}
